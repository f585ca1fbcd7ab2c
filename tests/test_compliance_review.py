"""Regressions for what a review of labels and compliance found (one test per finding)."""

from __future__ import annotations

import datetime as dt

import pytest

from compliance import asn, enforce, printing, station
from compliance.models import JobState, Printer, RuleSet, SsccSeries
from compliance.sscc import next_sscc
from tests.conftest import api_as
from tests.factories import Site, changes_nothing, ctx, make_item, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.errors import DomainError, WrongContainer
from wms.inventory import touches
from wms.layout import services as layout
from wms.orders import fulfilment
from wms.orders.models import Order, PickTask


def packed_order(
    site: Site, client: Client, item: Item, oscar: User, sam: User, ref: str, carton: str
) -> Order:
    stock(site, item, 2, oscar)
    order = place(client, ref, [(item, 2)], channel="edi")
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = PickTask.objects.get(order=order)
    tote = site.tote()
    fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=2)
    order.refresh_from_db()
    fulfilment.pack_units(
        ctx(oscar), order=order, tote=tote, carton=site.carton(carton), item=item, quantity=2
    )
    order.refresh_from_db()
    return order


def close(order: Order, weight: int = 2000) -> None:
    fulfilment.close_parcel(
        parcel=order.parcels.get(), weight_g=weight, length_mm=300, width_mm=200, height_mm=200
    )
    order.refresh_from_db()


def test_a_rule_set_that_arrives_after_close_is_checked_at_ship(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    order = packed_order(site, nwo, tent, oscar, sam, "PO-LATE", "C-LATE")
    close(order, weight=50_000)
    RuleSet.objects.create(
        code="STRICT",
        name="Strict guide",
        kind="retailer",
        channel="edi",
        max_carton_weight_g=20_000,
    )
    parcel = order.parcels.get()
    with (
        changes_nothing(),
        pytest.raises(enforce.ComplianceViolation, match="carton maximum weight"),
    ):
        fulfilment.ship_order(ctx(oscar), order=order, carrier="UPS", tracking={parcel.pk: "1Z"})


def test_a_pallet_with_another_orders_carton_does_not_ship(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    a = packed_order(site, nwo, tent, oscar, sam, "PO-A", "C-A")
    close(a)
    b = packed_order(site, nwo, make_item(nwo, "NWO-MUG"), oscar, sam, "PO-B", "C-B")
    pallet = layout.create_container(
        warehouse=site.warehouse, type="pallet", barcode="PAL-MIX", location=site.pack
    )
    for carton in (a.parcels.get().container, b.parcels.get().container):
        touches.nest_container(ctx(oscar), container=carton, pallet=pallet)
    touches.move_container(ctx(oscar), container=pallet, to_location=site.lane)
    with changes_nothing(), pytest.raises(WrongContainer, match="The pallet also carries C-B"):
        fulfilment.ship_order(
            ctx(oscar), order=a, carrier="UPS", tracking={a.parcels.get().pk: "1Z"}
        )


def test_a_closed_carton_is_sealed(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    order = packed_order(site, nwo, tent, oscar, sam, "PO-SEAL", "C-SEAL")
    close(order)
    stock(site, tent, 3, oscar, at=site.face2)
    carton = order.parcels.get().container
    with changes_nothing(), pytest.raises(WrongContainer, match="C-SEAL is sealed"):
        touches.move(
            ctx(oscar),
            item=tent,
            quantity=1,
            from_location=site.face2,
            to_location=site.pack,
            to_container=carton,
        )
    touches.move_container(ctx(oscar), container=carton, to_location=site.lane)  # as a unit: fine


def test_labels_wait_for_a_closed_carton_and_a_shipped_parcel_cannot_be_reweighed(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User, ada: User
) -> None:
    SsccSeries.objects.create(company_prefix="0614141", client=nwo)
    desk = Printer.objects.create(station="DESK", name="laser", kind="pdf")
    order = packed_order(site, nwo, tent, oscar, sam, "PO-EARLY", "C-EARLY")
    with pytest.raises(DomainError, match="Close C-EARLY"):
        printing.print_carton_label(parcel=order.parcels.get(), printer=desk, actor=ada)
    close(order)
    parcel = order.parcels.get()
    fulfilment.ship_order(ctx(oscar), order=order, carrier="UPS", tracking={parcel.pk: "1Z"})
    with pytest.raises(DomainError, match="has shipped"):
        fulfilment.close_parcel(parcel=parcel, weight_g=1, length_mm=1, width_mm=1, height_mm=1)


def test_an_sscc_already_on_a_container_is_skipped(site: Site, nwo: Client) -> None:
    series = SsccSeries.objects.create(company_prefix="0614141", client=nwo)
    layout.create_container(
        warehouse=site.warehouse, type="pallet", barcode="SUPPLIER-PAL", sscc="006141410000000012"
    )
    assert next_sscc(series=series) == "006141410000000029"


def test_a_reprint_supersedes_a_label_that_never_printed(db: None, ada: User) -> None:
    zebra = Printer.objects.create(
        station="PACK", name="zebra", kind="zpl", host="127.0.0.1", port=9
    )
    job = station.queue_label(printer=zebra, label="fnsku", content="^XA^XZ", actor=ada)
    station.send(job.pk)  # nothing listens on port 9: FAILED
    station.reprint(job=job, actor=ada)
    job.refresh_from_db()
    assert job.state == JobState.SUPERSEDED
    assert station.send(job.pk).state == JobState.SUPERSEDED  # never sent after its reprint


def test_bad_label_and_claim_input_is_a_400(site: Site, nwo: Client, ada: User, sam: User) -> None:
    desk = Printer.objects.create(station="DESK", name="laser", kind="pdf")
    plate = layout.create_container(
        warehouse=site.warehouse, type="pallet", barcode="P" * 40, location=site.dock
    )
    response = api_as(ada).post(
        "/api/label-station/jobs/",
        {"kind": "license_plate", "printer": desk.pk, "container": plate.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("This label cannot be made:")
    pallet = api_as(ada).post(
        "/api/label-station/jobs/",
        {"kind": "sscc_pallet", "printer": desk.pk, "container": plate.pk},
        format="json",
    )
    assert pallet.status_code == 400  # a valid kind; this pallet holds no cartons yet
    assert "holds no packed cartons" in pallet.json()["message"]
    RuleSet.objects.create(code="BR", name="Big Retail", kind="retailer", channel="edi")
    claim = api_as(sam).post(
        "/api/compliance/chargebacks/",
        {
            "rule_set": "BR",
            "client": nwo.pk,
            "category": "label",
            "amount": "5.00",
            "reference": "DM\n1",
        },
        format="json",
    )
    assert claim.status_code == 400
    assert claim.json()["fields"]["reference"] == [
        "The claim reference is one line of text (no control characters)."
    ]


def test_an_asn_rule_does_not_judge_shipments_made_before_it(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    order = packed_order(site, nwo, tent, oscar, sam, "PO-OLD", "C-OLD")
    close(order)
    parcel = order.parcels.get()
    shipment = fulfilment.ship_order(
        ctx(oscar), order=order, carrier="UPS", tracking={parcel.pk: "1Z"}
    )
    RuleSet.objects.create(
        code="NEW", name="New guide", kind="retailer", channel="edi", asn_deadline_minutes=30
    )
    later = shipment.shipped_at + dt.timedelta(days=400)
    assert asn.record_late_asns(now=later) == 0
