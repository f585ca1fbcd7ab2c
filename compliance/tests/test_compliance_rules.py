"""Routing-guide rules refuse a violating pack, close or ship scan by name, and nothing is recorded;
ASN deadlines are watched and a late ASN is put on record once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from compliance import asn, enforce
from compliance.models import ComplianceEvent, Printer, RuleSet, SsccSeries
from compliance.sscc import next_sscc
from compliance.station import queue_label
from tests.factories import Site, changes_nothing, ctx, make_item, place, stock
from wms.accounts.models import User
from wms.catalog import services as catalog
from wms.catalog.models import Client, Item
from wms.inventory import touches
from wms.inventory.reconcile import verify
from wms.layout import services as layout
from wms.layout.models import Container
from wms.orders import fulfilment
from wms.orders.models import Order, OrderState, Parcel, PickTask


@pytest.fixture
def walmart(nwo: Client) -> RuleSet:
    rs = RuleSet.objects.create(
        code="WMT-RG",
        name="Walmart routing guide",
        kind="retailer",
        channel="edi",
        max_carton_weight_g=20_000,
        max_carton_length_mm=600,
        max_carton_width_mm=400,
        max_carton_height_mm=400,
        max_pallet_height_mm=1800,
        sscc_required=True,
        carton_labels=["sscc_carton"],
        mixed_sku_cartons=False,
        asn_deadline_minutes=30,
        min_shelf_life_days=180,
        uom_must_match_po=True,
    )
    rs.clients.add(nwo)
    return rs


def picked(
    site: Site,
    client: Client,
    lines: list[tuple[Item, int]],
    oscar: User,
    sam: User,
    ref: str = "PO-1",
) -> Order:
    for item, n in lines:
        stock(site, item, n, oscar)
    order = place(client, ref, lines, channel="edi")
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    tote = site.tote()
    for task in PickTask.objects.filter(order=order):
        fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=task.quantity)
    order.refresh_from_db()
    assert order.state == OrderState.PICKED
    return order


def tote_of(order: Order) -> Container:
    tote = PickTask.objects.filter(order=order).first().tote  # type: ignore[union-attr]
    assert tote is not None
    return tote


def test_a_mixed_sku_carton_is_refused_by_name(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User, walmart: RuleSet
) -> None:
    mug = make_item(nwo, "NWO-MUG")
    order = picked(site, nwo, [(tent, 1), (mug, 1)], oscar, sam)
    carton = site.carton()
    fulfilment.pack_units(
        ctx(oscar), order=order, tote=tote_of(order), carton=carton, item=tent, quantity=1
    )

    with changes_nothing(), pytest.raises(enforce.ComplianceViolation) as refused:
        fulfilment.pack_units(
            ctx(oscar), order=order, tote=tote_of(order), carton=carton, item=mug, quantity=1
        )

    assert refused.value.rule == "single-SKU cartons"
    assert refused.value.message == (
        "Walmart routing guide — rule 'single-SKU cartons': "
        f"{carton.barcode} already holds NWO-TENT; Walmart routing guide does not accept mixed-SKU "
        "cartons. Pack NWO-MUG into a new carton."
    )
    order.refresh_from_db()
    assert order.lines.get(item=mug).packed == 0


def test_short_dated_lots_and_broken_cases_are_refused(
    site: Site, nwo: Client, oscar: User, sam: User, walmart: RuleSet
) -> None:
    lotted = make_item(nwo, "NWO-FOOD", tracks_lots=True, tracks_expiry=True)
    catalog.set_pack_level(item=lotted, level="case", quantity=6)
    touches.receive(
        ctx(oscar),
        item=lotted,
        quantity=6,
        location=site.dock,
        lot_code="SOON",
        expiry_date=timezone.localdate() + dt.timedelta(days=30),
    )
    touches.stow(
        ctx(oscar),
        item=lotted,
        lot=lotted.lots.get(),
        quantity=6,
        from_location=site.dock,
        to_location=site.face1,
    )
    order = place(nwo, "PO-FOOD", [(lotted, 6)], channel="edi")
    order.lines.update(unit_of_measure="case")
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = PickTask.objects.get(order=order)
    fulfilment.confirm_pick(ctx(oscar), task=task, tote=site.tote("T-F"), quantity=6)
    order.refresh_from_db()

    with (
        changes_nothing(),
        pytest.raises(enforce.ComplianceViolation, match="minimum shelf life on arrival"),
    ):
        fulfilment.pack_units(
            ctx(oscar),
            order=order,
            tote=tote_of(order),
            carton=site.carton(),
            item=lotted,
            quantity=6,
            lot=lotted.lots.get(),
        )
    walmart.min_shelf_life_days = None
    walmart.save()
    with (
        changes_nothing(),
        pytest.raises(enforce.ComplianceViolation, match="pack whole cases \\(you scanned 4\\)"),
    ):
        fulfilment.pack_units(
            ctx(oscar),
            order=order,
            tote=tote_of(order),
            carton=site.carton(),
            item=lotted,
            quantity=4,
            lot=lotted.lots.get(),
        )


def test_an_overweight_or_oversized_carton_is_refused_at_close(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User, walmart: RuleSet
) -> None:
    order = picked(site, nwo, [(tent, 1)], oscar, sam)
    fulfilment.pack_units(
        ctx(oscar),
        order=order,
        tote=tote_of(order),
        carton=site.carton("C-HEAVY"),
        item=tent,
        quantity=1,
    )
    parcel = order.parcels.get()

    with pytest.raises(
        enforce.ComplianceViolation,
        match=r"C-HEAVY weighs 23\.5 kg; Walmart routing guide accepts at most 20\.0 kg",
    ):
        fulfilment.close_parcel(
            parcel=parcel, weight_g=23_500, length_mm=500, width_mm=300, height_mm=300
        )
    with pytest.raises(enforce.ComplianceViolation, match="carton maximum dimensions"):
        fulfilment.close_parcel(
            parcel=parcel, weight_g=5_000, length_mm=700, width_mm=300, height_mm=300
        )
    parcel.refresh_from_db()
    assert parcel.closed_at is None and parcel.weight_g is None
    fulfilment.close_parcel(
        parcel=parcel, weight_g=5_000, length_mm=300, width_mm=500, height_mm=300
    )  # any face


def test_shipping_needs_the_sscc_label_and_a_measured_pallet(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User, ada: User, walmart: RuleSet
) -> None:
    order = picked(site, nwo, [(tent, 2)], oscar, sam)
    carton = site.carton("C-SHIP")
    fulfilment.pack_units(
        ctx(oscar), order=order, tote=tote_of(order), carton=carton, item=tent, quantity=2
    )
    parcel = order.parcels.get()
    fulfilment.close_parcel(
        parcel=parcel, weight_g=3_000, length_mm=400, width_mm=300, height_mm=200
    )
    pallet = layout.create_container(
        warehouse=site.warehouse, type="pallet", barcode="PAL-WMT", location=site.pack
    )
    touches.nest_container(ctx(oscar), container=carton, pallet=pallet)
    touches.move_container(ctx(oscar), container=pallet, to_location=site.lane)
    order.refresh_from_db()

    def ship() -> object:
        return fulfilment.ship_order(
            ctx(oscar), order=order, carrier="SWIFT", tracking={parcel.pk: "PRO123"}
        )

    with changes_nothing(), pytest.raises(enforce.ComplianceViolation, match="C-SHIP has no SSCC"):
        ship()
    series = SsccSeries.objects.create(company_prefix="0614141", client=nwo)
    Container.objects.filter(pk=carton.pk).update(sscc=next_sscc(series=series))
    with (
        changes_nothing(),
        pytest.raises(enforce.ComplianceViolation, match="no printed sscc_carton label"),
    ):
        ship()
    office = Printer.objects.create(station="LABEL-DESK", name="laser", kind="pdf")
    label = queue_label(
        printer=office, label="sscc_carton", content=b"%PDF-1.4", actor=ada, container=carton
    )
    with (
        changes_nothing(),
        pytest.raises(enforce.ComplianceViolation, match="no printed sscc_carton label"),
    ):
        ship()  # queued for the desk is not printed
    from compliance.station import record_download

    record_download(job=label, user=ada)  # downloaded at the desk to print
    with (
        changes_nothing(),
        pytest.raises(enforce.ComplianceViolation, match="Pallet PAL-WMT is unmeasured"),
    ):
        ship()
    enforce.measure_pallet(pallet=pallet, height_mm=2_100, weight_g=None, actor=oscar)
    with pytest.raises(
        enforce.ComplianceViolation,
        match="2100 mm high; Walmart routing guide accepts at most 1800",
    ):
        ship()
    enforce.measure_pallet(pallet=pallet, height_mm=1_500, weight_g=250_000, actor=oscar)
    walmart.pallet_labels = ["sscc_pallet"]
    walmart.save()
    with (
        changes_nothing(),
        pytest.raises(
            enforce.ComplianceViolation, match="Pallet PAL-WMT has no printed sscc_pallet label"
        ),
    ):
        ship()
    from compliance.printing import print_pallet_label

    job = print_pallet_label(pallet=pallet, printer=office, actor=ada)
    record_download(job=job, user=ada)  # downloaded at the desk to print
    pallet.refresh_from_db()
    assert job.sscc == pallet.sscc and pallet.sscc != Container.objects.get(pk=carton.pk).sscc

    shipment = ship()

    order.refresh_from_db()
    assert order.state == OrderState.SHIPPED
    pallet.refresh_from_db()
    assert pallet.location is None  # the pallet left as one unit, with the carton on it
    assert shipment is not None
    assert verify().ok


def test_rules_only_bind_their_partners_orders(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User, walmart: RuleSet
) -> None:
    mug = make_item(nwo, "NWO-MUG")
    for item in (tent, mug):
        stock(site, item, 1, oscar)
    order = place(nwo, "SH-FREE", [(tent, 1), (mug, 1)], channel="shopify")
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    tote, carton = site.tote(), site.carton()
    for task in PickTask.objects.filter(order=order):
        fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=1)
    for item in (tent, mug):  # mixed SKUs are fine for Shopify
        fulfilment.pack_units(
            ctx(oscar), order=order, tote=tote, carton=carton, item=item, quantity=1
        )
    assert Parcel.objects.get(order=order).container == carton


def test_asn_deadlines_are_watched_and_late_ones_recorded_once(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User, ada: User, walmart: RuleSet
) -> None:
    walmart.sscc_required, walmart.carton_labels, walmart.max_pallet_height_mm = False, [], None
    walmart.save()
    shipments = []
    for ref in ("PO-A", "PO-B"):
        order = picked(site, nwo, [(tent, 1)], oscar, sam, ref=ref)
        carton = site.carton()
        fulfilment.pack_units(
            ctx(oscar), order=order, tote=tote_of(order), carton=carton, item=tent, quantity=1
        )
        parcel = order.parcels.get()
        fulfilment.close_parcel(
            parcel=parcel, weight_g=1000, length_mm=300, width_mm=200, height_mm=100
        )
        order.refresh_from_db()
        shipments.append(
            fulfilment.ship_order(
                ctx(oscar), order=order, carrier="UPS", tracking={parcel.pk: f"1Z{ref}"}
            )
        )
    a, b = shipments
    now = a.shipped_at + dt.timedelta(minutes=25)

    watch = asn.watchlist(within=dt.timedelta(minutes=10), now=now)
    assert [(r["order"], r["state"], r["owner"]) for r in watch] == [
        ("PO-A", "due", "EDI integration (856 to Walmart routing guide)"),
        ("PO-B", "due", "EDI integration (856 to Walmart routing guide)"),
    ]
    asn.mark_asn_sent(shipment=a, at=a.shipped_at + dt.timedelta(minutes=12))  # on time
    later = a.shipped_at + dt.timedelta(minutes=45)
    assert asn.record_late_asns(now=later) == 1
    assert asn.record_late_asns(now=later) == 0  # once per shipment
    event = ComplianceEvent.objects.get()
    assert event.shipment == b
    assert event.detail.startswith("ASN for PO-B still not sent")
    assert [r["state"] for r in asn.watchlist(now=later)] == ["sent, not acknowledged", "late"]
