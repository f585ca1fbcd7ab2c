"""Packing and loading on the RF screens: tote → units → carton → weight and size → labels print at
the station; cartons onto a load; closing the load ships. Routing-guide rules refuse by name."""

from __future__ import annotations

import pytest

from compliance.models import Printer, PrintJob, RuleSet, SsccSeries
from compliance.tests.test_compliance_rules import picked, tote_of
from tests.factories import Site, changes_nothing, make_item, place, stock
from tests.rf import Scanner, lpn
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inventory.reconcile import verify
from wms.loading.models import Load, LoadState
from wms.orders.models import Order, OrderState, Parcel

C100, C200, C300, C400, C900 = (lpn(n) for n in (100, 200, 300, 400, 900))


@pytest.fixture
def station_printer(site: Site) -> Printer:
    return Printer.objects.create(station=site.pack.code, name="desk", kind="pdf")


@pytest.fixture
def guide(nwo: Client) -> RuleSet:
    SsccSeries.objects.create(company_prefix="0614141", extension_digit=1)
    rs = RuleSet.objects.create(
        code="BIG-RG",
        name="Big Retail routing guide",
        kind="retailer",
        channel="edi",
        max_carton_weight_g=20_000,
        sscc_required=True,
        carton_labels=["sscc_carton"],
        mixed_sku_cartons=False,
    )
    rs.clients.add(nwo)
    return rs


def pack_order(
    rf: Scanner, order: Order, carton: str, units: list[str], *, size: str = "40x30x20"
) -> None:
    rf.open("pack")
    rf.scan("PACK-1")
    shown = rf.scan(tote_of(order).barcode)
    assert shown.step == "carton", shown.message
    rf.scan(carton)
    for unit in units:
        shown = rf.scan(unit)
        assert shown.tone == "ok", shown.message
    assert shown.step == "weigh"
    rf.scan("2.5")
    return None


def test_pack_prints_the_cartons_labels_at_the_station(
    site: Site,
    nwo: Client,
    tent: Item,
    oscar: User,
    sam: User,
    guide: RuleSet,
    station_printer: Printer,
) -> None:
    order = picked(site, nwo, [(tent, 2)], oscar, sam)
    rf = Scanner(oscar, site.warehouse)
    pack_order(rf, order, C100, ["NWO-TENT", "NWO-TENT"])
    shown = rf.scan(action="40x30x20")
    assert shown.tone == "ok", shown.message
    assert shown.step == "tote"
    assert f"Printed the sscc carton label for {C100}" in shown.message
    parcel = Parcel.objects.get(container__barcode=C100)
    assert (parcel.weight_g, parcel.length_mm, parcel.height_mm) == (2500, 400, 200)
    labels = set(PrintJob.objects.filter(order=order).values_list("label", flat=True))
    assert labels == {"sscc_carton", "packing_slip"}
    assert PrintJob.objects.get(label="sscc_carton").printer == station_printer
    order.refresh_from_db()
    assert order.state == OrderState.PACKED
    assert verify().ok


def test_a_mixed_sku_carton_is_refused_with_the_rule_name(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User, guide: RuleSet
) -> None:
    mug = make_item(nwo, "NWO-MUG")
    order = picked(site, nwo, [(tent, 1), (mug, 1)], oscar, sam)
    rf = Scanner(oscar, site.warehouse)
    rf.open("pack")
    rf.scan("PACK-1")
    rf.scan(tote_of(order).barcode)
    rf.scan(C200)
    assert rf.scan("NWO-TENT").tone == "ok"
    with changes_nothing():
        shown = rf.scan("NWO-MUG")
    assert shown.tone == "error"
    assert shown.message.startswith("Big Retail routing guide — rule 'single-SKU cartons'")
    assert shown.step == "unit"


def test_an_overweight_carton_is_refused_at_close(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User, guide: RuleSet
) -> None:
    order = picked(site, nwo, [(tent, 1)], oscar, sam)
    rf = Scanner(oscar, site.warehouse)
    rf.open("pack")
    rf.scan("PACK-1")
    rf.scan(tote_of(order).barcode)
    rf.scan(C300)
    rf.scan("NWO-TENT")
    rf.scan("25")
    shown = rf.scan(action="40x30x20")
    assert shown.tone == "error"
    assert "Big Retail routing guide — rule" in shown.message
    assert Parcel.objects.get(container__barcode=C300).closed_at is None


def test_load_and_close_ships_the_orders(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User, station_printer: Printer
) -> None:
    stock(site, tent, 5, oscar)
    order = place(nwo, "SH-9", [(tent, 1)])
    from wms.orders import fulfilment

    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = fulfilment.next_task(warehouse=site.warehouse)
    assert task is not None
    tote = site.tote("T-9")
    from tests.factories import ctx

    fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=1)
    rf = Scanner(oscar, site.warehouse)
    pack_order(rf, order, C900, ["NWO-TENT"])
    rf.scan(action="30x20x15")

    rf.open("load")
    shown = rf.scan("LANE-1")
    assert shown.step == "reference"
    shown = rf.scan("TRL-0042")
    assert shown.step == "carton"
    shown = rf.scan(C900)
    assert shown.tone == "ok", shown.message
    assert shown.message == f"Loaded {C900} onto TRL-0042."
    again = rf.scan(C900)
    assert again.tone == "warn"
    shown = rf.scan(action="close")
    assert shown.step == "confirm"
    shown = rf.scan(action="ship")
    assert shown.tone == "ok", shown.message
    assert shown.message.startswith("Load TRL-0042 closed: 1 order, 1 carton")
    order.refresh_from_db()
    assert order.state == OrderState.SHIPPED
    assert order.shipments.get().parcels.get().tracking_number == "TRL-0042"
    assert Load.objects.get().state == LoadState.CLOSED
    assert verify().ok


def test_a_slip_that_cannot_be_made_never_undoes_the_close(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    # A Shopify order's id does not fit a 4×6 slip's barcode: said at close, not raised.
    Printer.objects.create(station=site.pack.code, name="zebra", kind="zpl")
    gid = "gid://shopify/FulfillmentOrder/1005"
    order = picked(site, nwo, [(tent, 1)], oscar, sam, ref=gid)
    rf = Scanner(oscar, site.warehouse)
    pack_order(rf, order, C400, ["NWO-TENT"])
    shown = rf.scan(action="30x20x15")
    assert shown.step == "tote", shown.message
    assert f"Packing slip for order {gid} not printed:" in shown.message
    assert Parcel.objects.get(container__barcode=C400).closed_at is not None
    order.refresh_from_db()
    assert order.state == OrderState.PACKED
    assert not PrintJob.objects.filter(order=order, label="packing_slip").exists()
