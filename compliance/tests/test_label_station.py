"""The label station end to end: a packed carton gets its SSCC label (decoded from the PDF), the
same SSCC on a reprint, ZPL over TCP, FNSKU sheets, and what each label needs said plainly."""

from __future__ import annotations

import uuid

import pypdfium2
import pytest
import zxingcpp
from stdnum import ean

from compliance.models import JobState, Printer, PrintJob, SsccSeries
from compliance.station import send
from compliance.tests.label_artifacts import keep
from compliance.tests.test_print_station import FakeZebra
from tests.conftest import api_as
from tests.factories import Site, ctx, gtin, place, stock
from wms.accounts.models import User
from wms.catalog import services as catalog
from wms.catalog.models import Client, IdentifierKind, Item
from wms.layout.models import Container
from wms.orders import fulfilment
from wms.orders.models import Order, PickTask


def decoded(pdf_bytes: bytes) -> list[str]:
    keep(pdf_bytes)
    texts = []
    doc = pypdfium2.PdfDocument(pdf_bytes)
    for i in range(len(doc)):
        image = doc[i].render(scale=300 / 72).to_pil()
        texts += [b.text for b in zxingcpp.read_barcodes(image)]
    return texts


@pytest.fixture
def packed(site: Site, nwo: Client, tent: Item, oscar: User, sam: User) -> Order:
    catalog.add_identifier(item=tent, kind=IdentifierKind.GTIN, value=gtin(61414))
    SsccSeries.objects.create(company_prefix="0614141", client=nwo)
    stock(site, tent, 4, oscar)
    order = place(nwo, "PO-LBL", [(tent, 4)], channel="edi")
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    tote = site.tote()
    for task in PickTask.objects.filter(order=order):
        fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=task.quantity)
    order.refresh_from_db()
    fulfilment.pack_units(
        ctx(oscar), order=order, tote=tote, carton=site.carton("C-LBL"), item=tent, quantity=4
    )
    fulfilment.close_parcel(
        parcel=order.parcels.get(), weight_g=4000, length_mm=400, width_mm=300, height_mm=300
    )
    order.refresh_from_db()
    return order


def test_a_packed_carton_gets_a_gs1_label_that_scans_back(packed: Order, ada: User) -> None:
    api = api_as(ada)
    desk = Printer.objects.create(station="LABEL-DESK", name="laser", kind="pdf")
    parcel = packed.parcels.get()

    job = api.post(
        "/api/label-station/jobs/",
        {"kind": "sscc_carton", "printer": desk.pk, "parcel": parcel.pk},
        format="json",
    )

    assert job.status_code == 201, job.json()
    carton = Container.objects.get(barcode="C-LBL")
    assert (
        carton.sscc
        and carton.sscc.startswith("00614141")
        and ean.calc_check_digit(carton.sscc[:-1]) == carton.sscc[-1]
    )
    pdf = api.post(f"/api/label-station/jobs/{job.json()['id']}/download/")
    assert pdf["Content-Type"] == "application/pdf"
    texts = decoded(pdf.content)
    assert f"(00){carton.sscc}" in texts
    assert any(t.startswith(f"(02){gtin(61414).zfill(14)}(37)4") for t in texts)
    assert PrintJob.objects.get(pk=job.json()["id"]).state == JobState.SENT  # downloaded to print

    again = api.post(f"/api/label-station/jobs/{job.json()['id']}/reprint/")
    assert again.status_code == 201
    assert again.json()["sscc"] == carton.sscc  # a reprint never issues a new SSCC
    assert again.json()["reprint_of"] == job.json()["id"]


def test_a_zebra_gets_the_carton_label_as_zpl(packed: Order, ada: User) -> None:
    zebra = FakeZebra()
    try:
        printer = Printer.objects.create(
            station="PACK-01", name="zebra", kind="zpl", host="127.0.0.1", port=zebra.port
        )
        job = api_as(ada).post(
            "/api/label-station/jobs/",
            {"kind": "sscc_carton", "printer": printer.pk, "parcel": packed.parcels.get().pk},
            format="json",
        )
        assert job.status_code == 201, job.json()
        send(job.json()["id"])
        received = zebra.wait_for(1)[0].decode()
        carton = Container.objects.get(barcode="C-LBL")
        assert received.startswith("^XA") and received.rstrip().endswith("^XZ")
        assert carton.sscc is not None and carton.sscc in received
    finally:
        zebra.close()


def test_fnsku_labels_by_the_sheet(site: Site, tent: Item, ada: User) -> None:
    desk = Printer.objects.create(station="LABEL-DESK", name="laser", kind="pdf")
    api = api_as(ada)
    missing = api.post(
        "/api/label-station/jobs/",
        {"kind": "fnsku", "printer": desk.pk, "item": tent.pk, "quantity": 31},
        format="json",
    )
    assert missing.status_code == 400
    assert (
        missing.json()["message"]
        == "NWO-TENT has no FNSKU in the item master; add it before labelling."
    )

    catalog.add_identifier(item=tent, kind=IdentifierKind.FNSKU, value="X00TENT001")
    job = api.post(
        "/api/label-station/jobs/",
        {"kind": "fnsku", "printer": desk.pk, "item": tent.pk, "quantity": 31},
        format="json",
    )
    assert job.status_code == 201
    pdf = bytes(PrintJob.objects.get(pk=job.json()["id"]).content)
    doc = pypdfium2.PdfDocument(pdf)
    assert len(doc) == 2
    # zxing merges identical symbols along a scan line, so identical labels are counted by their
    # printed FNSKU text; the barcodes must all read as the FNSKU (tests/test_labels.py decodes
    # 31 distinct ones, one by one).
    printed = sum(
        doc[i].get_textpage().get_text_range().count("X00TENT001") for i in range(len(doc))
    )
    assert printed == 31
    assert set(decoded(pdf)) == {"X00TENT001"}


def test_each_label_says_what_it_needs(site: Site, ada: User, packed: Order) -> None:
    desk = Printer.objects.create(station="LABEL-DESK", name="laser", kind="pdf")
    api = api_as(ada)
    no_parcel = api.post(
        "/api/label-station/jobs/", {"kind": "sscc_carton", "printer": desk.pk}, format="json"
    )
    assert no_parcel.json()["message"] == "A sscc carton label needs the parcel."
    early = api.post(
        "/api/label-station/jobs/",
        {"kind": "shipping_label", "printer": desk.pk, "parcel": packed.parcels.get().pk},
        format="json",
    )
    assert early.status_code == 400
    assert "ship it first" in early.json()["message"]
    where = api.post(
        "/api/label-station/jobs/",
        {"kind": "location", "printer": desk.pk, "location": site.face1.pk},
        format="json",
    )
    assert where.status_code == 201 and where.json()["subject"] == "P-01"
    assert decoded(bytes(PrintJob.objects.get(pk=where.json()["id"]).content)) == ["P-01"]
    no_shipment = api.post(
        "/api/label-station/jobs/",
        {"kind": "fba_box", "printer": desk.pk, "parcel": packed.parcels.get().pk},
        format="json",
    )
    assert no_shipment.json()["message"] == "A fba box label needs the FBA shipment."
    odd = api.post(
        "/api/label-station/jobs/",
        {"kind": "fba_box", "printer": desk.pk, "fba_shipment": "FBA 1;"},
        format="json",
    )
    assert odd.status_code == 400 and "fba_shipment" in odd.text
    assert PrintJob.objects.filter(label="fba_box").count() == 0


def test_the_station_is_for_warehouse_staff(charlie: User, db: None) -> None:
    api = api_as(charlie)
    for url in ("/api/label-station/jobs/", "/api/label-station/printers/", "/api/compliance/asn/"):
        assert api.get(url).status_code == 403, url


def test_asn_and_pallet_endpoints(site: Site, ada: User, oscar: User) -> None:
    from wms.layout import services as layout

    pallet = layout.create_container(
        warehouse=site.warehouse, type="pallet", barcode="PAL-9", location=site.lane
    )
    api = api_as(oscar)
    measured = api.post(
        "/api/compliance/pallets/PAL-9/measure/", {"height_mm": 1500}, format="json"
    )
    assert measured.status_code == 200, measured.json()
    assert measured.json() == {"pallet": "PAL-9", "height_mm": 1500, "weight_g": None}
    assert (
        api.post(
            "/api/compliance/pallets/NOPE/measure/", {"height_mm": 1}, format="json"
        ).status_code
        == 404
    )
    assert api.get("/api/compliance/asn/?within_minutes=60").json() == []
    assert pallet.pk and uuid.uuid4()
