"""The label desk's services: what a scan names and what it can have, preview, print, bulk, reprint
with a reason, retry, printer health, and who may use the desk.

Every PDF a test prints or previews is decoded back to its data (zxing-cpp) and kept in
artifacts/labels/ (compliance/tests/label_artifacts.py, through `scan`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group
from django.test import Client as HttpClient

from compliance import fba as compliance_fba
from compliance import station, station_desk, station_lookup
from compliance.labels import gs1
from compliance.models import JobState, Printer, PrintJob, SsccSeries
from compliance.station_lookup import FbaShipment, NothingFound, StationInputInvalid
from compliance.tests.desk_scene import TENT_GTIN, packed_in_two_cartons
from compliance.tests.test_labels import elements, plain, scan
from compliance.tests.test_print_station import FakeZebra, closed_port
from tests.factories import Site, UserFactory, ctx
from wms.accounts.models import Role, User
from wms.catalog import services as catalog
from wms.catalog.models import Client, IdentifierKind, Item
from wms.inventory.models import Touch
from wms.layout.models import Container
from wms.loading import services as loading
from wms.orders.models import Order


@pytest.fixture
def order(site: Site, nwo: Client, tent: Item, oscar: User, sam: User) -> Order:
    return packed_in_two_cartons(site, nwo, tent, oscar, sam)


@pytest.fixture
def desk(db: None) -> Printer:
    return Printer.objects.create(station="LABEL-DESK", name="laser", kind="pdf")


@pytest.fixture
def zebra() -> Iterator[FakeZebra]:
    printer = FakeZebra()
    yield printer
    printer.close()


@pytest.fixture
def zebra_printer(zebra: FakeZebra) -> Printer:
    return Printer.objects.create(
        station="LABEL-DESK", name="zebra", kind="zpl", host="127.0.0.1", port=zebra.port
    )


@pytest.fixture
def clerk(db: None) -> User:
    user = UserFactory.create(username="cleo", role=Role.OPERATOR)
    user.groups.add(Group.objects.get_or_create(name=station_desk.LABEL_CLERKS)[0])
    return user


def labels_of(found: station_lookup.Found) -> list[tuple[str, str]]:
    return [(p.label, p.subject.split(" ")[0]) for p in found.printables]


def sscc_of(document: bytes) -> str:
    [page] = scan(document)
    return elements(page)[-1]["00"]  # zone I, the lowest barcode


# --- what a scan names ------------------------------------------------------------------------


def test_an_order_number_offers_its_slip_and_each_cartons_labels(order: Order) -> None:
    [found] = station_lookup.look_up("PO-DESK")
    assert found.kind == "order" and found.name == "Order PO-DESK"
    assert labels_of(found) == [
        ("packing_slip", "PO-DESK"),
        ("sscc_carton", "C-D1"),
        ("shipping_label", "C-D1"),
        ("sscc_carton", "C-D2"),
        ("shipping_label", "C-D2"),
    ]
    blocked = {p.label: p.blocked for p in found.printables}
    assert blocked["sscc_carton"] == ""
    assert blocked["shipping_label"] == "No tracking number yet: the carton has not shipped."
    assert [(b.kind, b.title) for b in found.bulk] == [("order_cartons", "all 2 carton labels")]
    assert ("Cartons", "2") in found.facts


def test_a_carton_is_found_by_plate_and_by_its_sscc_as_scanned(
    order: Order, desk: Printer, ada: User
) -> None:
    [by_plate] = station_lookup.look_up("C-D2")
    assert by_plate.kind == "carton" and ("Carton", "2 of 2") in by_plate.facts
    assert [p.label for p in by_plate.printables] == [
        "sscc_carton",
        "shipping_label",
        "packing_slip",
        "license_plate",
    ]
    station_desk.print_one(
        params={"label": "sscc_carton", **by_plate.printables[0].params}, printer=desk, actor=ada
    )
    sscc = Container.objects.get(barcode="C-D2").sscc
    assert sscc
    for scanned in (sscc, f"00{sscc}", f"(00){sscc}", f"]C100{sscc}"):
        assert [f.name for f in station_lookup.look_up(scanned)] == ["Carton C-D2"], scanned


def test_an_item_by_gtin_or_sku_offers_fnsku_and_item_labels(order: Order, tent: Item) -> None:
    for code in (TENT_GTIN, "NWO-TENT"):
        [found] = station_lookup.look_up(code)
        assert found.kind == "item" and found.name == "Item NWO-TENT"
        fnsku, item = found.printables
        assert fnsku.asks_quantity and fnsku.blocked == "NWO-TENT has no FNSKU in the item master."
        assert item.label == "item" and not item.blocked
    catalog.add_identifier(item=tent, kind=IdentifierKind.FNSKU, value="X00TENT001")
    [found] = station_lookup.look_up("X00TENT001")
    assert found.printables[0].blocked == "" and found.printables[0].subject.endswith("X00TENT001")


def test_a_location_a_load_and_a_pallet(
    order: Order, site: Site, oscar: User, desk: Printer, ada: User
) -> None:
    [where] = station_lookup.look_up("p-01")
    assert where.kind == "location" and labels_of(where) == [("location", "P-01")]
    load = loading.open_load(
        warehouse=site.warehouse, location=site.lane, reference="TRL-77", actor=oscar
    )
    for carton in ("C-D1", "C-D2"):
        loading.load_carton(ctx(oscar), load=load, container=Container.objects.get(barcode=carton))
    [found] = station_lookup.look_up("TRL-77")
    assert found.kind == "load" and [b.kind for b in found.bulk] == ["load_cartons"]
    jobs = station_desk.print_bulk(
        kind="load_cartons", params=found.bulk[0].params, printer=desk, actor=ada
    )
    ssccs = [sscc_of(bytes(job.content)) for job in jobs]
    assert ssccs == list(
        Container.objects.filter(barcode__in=["C-D1", "C-D2"])
        .order_by("barcode")
        .values_list("sscc", flat=True)
    )
    from wms.layout import services as layout

    layout.create_container(warehouse=site.warehouse, type="pallet", barcode="PAL-1")
    [pallet] = station_lookup.look_up("PAL-1")
    assert labels_of(pallet) == [("sscc_pallet", "PAL-1"), ("license_plate", "PAL-1")]
    assert pallet.printables[0].blocked == "The pallet holds no packed cartons yet."


def test_nothing_known_is_said_plainly(db: None) -> None:
    with pytest.raises(NothingFound, match=r"Nothing is known as NOPE-1\. Scan an item barcode"):
        station_lookup.look_up("  NOPE-1 ")
    with pytest.raises(StationInputInvalid, match="Scan or type something"):
        station_lookup.look_up("   ")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"label": "bogus"}, "bogus is not a label the desk prints"),
        ({"label": "test"}, "test is not a label the desk prints"),
        ({"label": "sscc_carton", "parcel": "999999"}, "No parcel 999999"),
        ({"label": "sscc_carton", "parcel": "1 OR 1=1"}, "No parcel 1 OR 1=1"),
        ({"label": "fnsku", "item": "", "quantity": "0"}, "Quantity 0: type a whole number"),
        ({"label": "fnsku", "quantity": "3001"}, "from 1 to 3000"),
        ({"label": "fba_box", "fba_shipment": "FBA 1;"}, "is not an Amazon code"),
    ],
)
def test_a_label_request_refuses_what_the_desk_did_not_offer(
    db: None, params: dict[str, str], message: str
) -> None:
    with pytest.raises(StationInputInvalid, match=message):
        station_lookup.label_request(params)


# --- preview and print ------------------------------------------------------------------------


def test_a_preview_shows_the_label_and_issues_nothing(order: Order, ada: User) -> None:
    series = SsccSeries.objects.get()
    before = series.next_serial
    parcel = order.parcels.order_by("pk").first()
    assert parcel is not None
    document = station_desk.preview(
        params={"label": "sscc_carton", "parcel": str(parcel.pk)}, actor=ada
    )
    previewed = sscc_of(document)
    assert gs1.has_valid_check_digit(previewed)
    series.refresh_from_db()
    assert series.next_serial == before  # rolled back: no serial spent on a look
    assert Container.objects.get(barcode="C-D1").sscc is None
    assert not PrintJob.objects.exists()


def test_every_carton_of_an_order_goes_to_the_zebra_with_its_sscc(
    order: Order, zebra: FakeZebra, zebra_printer: Printer, clerk: User
) -> None:
    jobs = station_desk.print_bulk(
        kind="order_cartons", params={"order": str(order.pk)}, printer=zebra_printer, actor=clerk
    )
    assert [job.state for job in jobs] == [JobState.QUEUED, JobState.QUEUED]
    for job in jobs:
        station.send(job.pk)
    received = [data.decode() for data in zebra.wait_for(2)]
    ssccs = [Container.objects.get(barcode=b).sscc for b in ("C-D1", "C-D2")]
    assert all(ssccs)
    for text, sscc in zip(received, ssccs, strict=True):
        assert text.startswith("^XA") and f">;>800{sscc}" in text
    assert station_desk.health(zebra_printer).tone == "ok"


def test_a_bulk_print_is_all_or_nothing_and_says_every_problem(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User, desk: Printer, ada: User
) -> None:
    SsccSeries.objects.all().delete()
    order = packed_in_two_cartons(site, nwo, tent, oscar, sam)
    SsccSeries.objects.all().delete()  # no prefix: no carton label can be made
    with pytest.raises(station_desk.BulkRefused) as refused:
        station_desk.print_bulk(
            kind="order_cartons", params={"order": str(order.pk)}, printer=desk, actor=ada
        )
    assert len(refused.value.problems) == 2
    assert refused.value.message.startswith("Nothing printed: No GS1 company prefix")
    assert not PrintJob.objects.exists()


def test_a_reprint_needs_a_reason_and_keeps_the_sscc(
    order: Order, desk: Printer, clerk: User, ada: User
) -> None:
    parcel = order.parcels.order_by("pk").first()
    assert parcel is not None
    first = station_desk.print_one(
        params={"label": "sscc_carton", "parcel": str(parcel.pk)}, printer=desk, actor=clerk
    )
    with pytest.raises(station_desk.ReprintNeedsReason, match="Say why"):
        station_desk.reprint(job=first, actor=clerk, reason="  ")
    again = station_desk.reprint(job=first, actor=clerk, reason="torn  at the corner")
    assert (again.reprint_of_id, again.sscc, again.reason) == (
        first.pk,
        first.sscc,
        "torn at the corner",
    )
    assert sscc_of(bytes(again.content)) == sscc_of(bytes(first.content)) == first.sscc
    third = station_desk.reprint(job=again, actor=clerk, reason="smudged")
    assert third.reprint_of_id == first.pk  # linked to the first print, however many reprints


def test_a_dead_printer_fails_with_the_reason_turns_red_and_retries(
    db: None, clerk: User, site: Site
) -> None:
    dead = Printer.objects.create(
        station="LABEL-DESK", name="zebra", kind="zpl", host="127.0.0.1", port=closed_port()
    )
    assert station_desk.health(dead).tone == "idle"
    job = station_desk.print_one(
        params={"label": "location", "location": str(site.face1.pk)}, printer=dead, actor=clerk
    )
    failed = station.send(job.pk)
    assert failed.state == JobState.FAILED and "did not take the label" in failed.error
    health = station_desk.health(dead)
    assert health.red and health.text.startswith("Not answering: Printer LABEL-DESK/zebra")
    station_desk.retry(job=failed, actor=clerk)
    assert station.send(job.pk).attempts == 2
    PrintJob.objects.filter(pk=job.pk).update(state=JobState.SENT)
    with pytest.raises(station.NotRetryable, match="is sent to the printer: only a failed"):
        station_desk.retry(job=job, actor=clerk)


def test_labels_queued_and_never_sent_turn_the_printer_red(
    db: None, clerk: User, site: Site
) -> None:
    import datetime as dt

    from django.utils import timezone

    printer = Printer.objects.create(
        station="PACK-09", name="zebra", kind="zpl", host="127.0.0.1", port=closed_port()
    )
    job = station_desk.print_one(
        params={"label": "location", "location": str(site.face1.pk)}, printer=printer, actor=clerk
    )
    assert station_desk.health(printer).tone == "idle"
    PrintJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    health = station_desk.health(printer)
    assert health.red and "1 label(s) waiting since" in health.text
    assert "print worker is not running" in health.text


def test_a_test_print_reaches_the_printer(
    db: None, zebra: FakeZebra, zebra_printer: Printer, ada: User
) -> None:
    job = station_desk.test_print(printer=zebra_printer, actor=ada)
    station.send(job.pk)
    assert f"TEST-{zebra_printer.pk}" in zebra.wait_for(1)[0].decode()
    assert station_desk.health(zebra_printer).tone == "ok"


# --- FBA shipments (the Amazon integration registers its source; a stand-in here) -------------


SHIPMENT_ID = "sh00000000-0000-0000-0000-00000000desk"  # Amazon's 38-character shipmentId


class OneShipment:
    def __init__(self, order: Order) -> None:
        self.order = order

    def by_code(self, code: str) -> FbaShipment | None:
        if code != SHIPMENT_ID:
            return None
        return FbaShipment(SHIPMENT_ID, self.order, confirmation_id="FBA15DESK01", fc_code="ONT8")

    def for_order(self, order: Order) -> list[FbaShipment]:
        found = self.by_code(SHIPMENT_ID)
        return [found] if found is not None and order.pk == self.order.pk else []


def test_an_fba_shipment_gets_box_labels_and_fnsku_labels_for_its_units(
    order: Order, tent: Item, desk: Printer, clerk: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compliance_fba, "_FBA_SOURCES", [OneShipment(order)])
    catalog.add_identifier(item=tent, kind=IdentifierKind.FNSKU, value="X00TENT001")
    [found] = station_lookup.look_up(SHIPMENT_ID)
    assert found.kind == "fba_shipment"
    assert [b.kind for b in found.bulk] == ["fba_units", "fba_boxes"]
    assert [p.label for p in found.printables] == ["fba_box", "fba_box", "fnsku"]
    assert found.printables[-1].quantity == 6

    boxes = station_desk.print_bulk(
        kind="fba_boxes", params=found.bulk[1].params, printer=desk, actor=clerk
    )
    assert [plain(scan(bytes(j.content))[0]) for j in boxes] == [
        ["FBA15DESK01U000001"],
        ["FBA15DESK01U000002"],
    ]
    touches_before = Touch.objects.count()
    [units] = station_desk.print_bulk(
        kind="fba_units", params=found.bulk[0].params, printer=desk, actor=clerk
    )
    assert units.label == "fnsku" and units.item_id == tent.pk
    assert set(plain([b for page in scan(bytes(units.content)) for b in page])) == {"X00TENT001"}
    assert Touch.objects.count() == touches_before  # relabel touches come from the floor's scans
    orders = station_lookup.look_up("PO-DESK")
    assert ("FBA shipment", SHIPMENT_ID) in orders[0].facts


# --- who may use the desk ---------------------------------------------------------------------


def test_clerks_and_supervisors_may_use_the_desk_brands_and_operators_may_not(
    clerk: User, sam: User, oscar: User, alice: User
) -> None:
    assert station_desk.refusal(clerk) == "" and station_desk.refusal(sam) == ""
    assert "label clerks and supervisors" in station_desk.refusal(oscar)
    assert station_desk.refusal(alice).startswith("Brand accounts cannot use the label station")
    with pytest.raises(station_desk.StationRefused):
        station_desk.print_one(params={"label": "item"}, printer=None, actor=alice)  # type: ignore[arg-type]


def test_the_station_pages_sign_in_refuse_and_remember_the_printer(
    db: None, clerk: User, alice: User, desk: Printer, site: Site
) -> None:
    anonymous = HttpClient()
    assert anonymous.get("/station/").url.startswith("/login/?next=/station/")  # type: ignore[attr-defined]
    hx = anonymous.get("/station/find/", {"code": "P-01"}, headers={"HX-Request": "true"})
    assert (hx.status_code, hx["HX-Redirect"]) == (204, "/login/?next=/station/")
    brand = HttpClient()
    brand.force_login(alice)
    refused = brand.get("/station/")
    assert refused.status_code == 403
    assert "Brand accounts cannot use the label station" in refused.content.decode()
    http = HttpClient()
    http.force_login(clerk)
    assert "Which printer stands at this desk?" in http.get("/station/").content.decode()
    chosen = http.post("/station/printer/", {"printer": desk.pk})
    assert chosen.status_code == 302 and chosen.cookies["label_printer"].value == str(desk.pk)
    page = http.get("/station/").content.decode()
    assert "Desk LABEL-DESK" in page and 'id="scan-input"' in page
    found = http.get("/station/find/", {"code": "P-01"}, headers={"HX-Request": "true"})
    assert "Location P-01" in found.content.decode()
    printed = http.post(
        "/station/print/",
        {"label": "location", "location": site.face1.pk},
        headers={"HX-Request": "true"},
    )
    assert printed["HX-Trigger"] == "queue-changed"
    job = PrintJob.objects.get()
    assert (job.label, job.state, job.requested_by) == ("location", JobState.READY, clerk)
    taken = http.post(f"/station/jobs/{job.pk}/download/")
    assert taken["Content-Type"] == "application/pdf"
    assert plain(scan(taken.content)[0]) == ["P-01"]
    job.refresh_from_db()
    assert job.downloaded_by == clerk and job.state == JobState.SENT
    queue = http.get("/station/queue/").content.decode()
    assert f'id="job-{job.pk}"' in queue and "Downloaded by cleo" in queue
    assert '<td class="st-mono"> P-01</td>' in queue  # the For column names the location
    refused = http.post(f"/station/jobs/{job.pk}/reprint/", headers={"HX-Request": "true"})
    assert "Say why the label is printed again" in refused.content.decode()
    again = http.post(
        f"/station/jobs/{job.pk}/reprint/", headers={"HX-Request": "true", "HX-Prompt": "torn"}
    )
    assert again["HX-Trigger"] == "queue-changed"
    assert PrintJob.objects.get(reprint_of=job).reason == "torn"


def test_the_queue_costs_the_same_queries_for_1_and_20_labels(
    db: None, clerk: User, desk: Printer, site: Site
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http = HttpClient()
    http.force_login(clerk)
    http.cookies["label_printer"] = str(desk.pk)
    params = {"label": "location", "location": str(site.face1.pk)}

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert http.get("/station/queue/").status_code == 200
        return len(captured)

    job = station_desk.print_one(params=params, printer=desk, actor=clerk)
    station.record_download(job=job, user=clerk)
    one = queries()
    for _ in range(19):
        station_desk.reprint(job=job, actor=clerk, reason="smudged")
    assert PrintJob.objects.count() == 20
    assert queries() == one
