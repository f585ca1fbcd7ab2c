"""The label on the floor: a D2C carton closing at PACK-1 gets its carrier label (stored, printed
through the audited queue, on the order's timeline), and ships with that tracking number —
not with the load's reference."""

from __future__ import annotations

import uuid

from channels_app.carrier import outbound
from channels_app.carrier.models import CarrierAccount, CarrierLabel, LabelState
from channels_app.carrier.tests.conftest import CarrierControl, pack_and_close
from compliance.models import Printer, PrintJob
from compliance.tests.test_labels import plain, scan
from tests.factories import Site, ctx
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.inventory.ledger import ScanContext
from wms.loading import services as loading
from wms.orders import fulfilment


def ours(lines: list[str]) -> list[str]:
    """What the carrier hook told the packer (compliance speaks about its own labels too)."""
    return [line for line in lines if line.startswith("Carrier label")]


def test_closing_a_d2c_carton_buys_and_prints_its_label(
    carrier_sim: CarrierControl,
    account: CarrierAccount,
    printer: Printer,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    packed = pack_and_close(site, tent, oscar, sam, external_id="SH-1001")

    label = CarrierLabel.objects.get(parcel=packed.parcel)
    assert packed.lines == [
        "Printed the packing slip on PACK-1/pack-1-pdf.",  # compliance's hook, then ours
        f"Carrier label {label.tracking_number} for {packed.parcel.container.barcode}: "
        "printed at PACK-1.",
    ]
    assert (label.state, label.carrier_service, label.order, label.client) == (
        LabelState.ACTIVE,
        "GROUND",
        packed.order,
        tent.client,
    )
    [page] = scan(bytes(label.label_pdf))
    assert plain(page) == [label.tracking_number]
    assert label.print_job_id is not None
    job = PrintJob.objects.get(pk=label.print_job_id)  # in the print audit, for this carton
    assert (job.label, job.printer, job.order, job.container) == (
        "carrier_label",
        printer,
        packed.order,
        packed.parcel.container,
    )
    assert bytes(job.content) == bytes(label.label_pdf)
    said = packed.order.events.get(kind="carrier_label")
    assert said.reference == label.tracking_number and said.owner == "carrier:simcarrier"
    assert carrier_sim.state()["effects"]["labels"] == {f"tl-label-parcel-{packed.parcel.pk}-1": 1}


def test_a_closed_carton_is_not_labelled_twice(
    carrier_sim: CarrierControl,
    account: CarrierAccount,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    packed = pack_and_close(site, tent, oscar, sam)

    again = outbound.buy_label(parcel=packed.parcel, actor=oscar)

    assert again == CarrierLabel.objects.get(parcel=packed.parcel)
    assert sum(carrier_sim.state()["effects"]["keys"].values()) == 1


def test_no_printer_at_the_station_sends_the_label_to_the_desk(
    carrier_sim: CarrierControl,
    account: CarrierAccount,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    packed = pack_and_close(site, tent, oscar, sam)

    label = CarrierLabel.objects.get(parcel=packed.parcel)
    assert label.print_job is None
    assert ours(packed.lines) == [
        f"Carrier label {label.tracking_number} for {packed.parcel.container.barcode}: "
        "print it at the label desk."
    ]


def test_orders_outside_the_accounts_channels_or_services_get_no_label(
    carrier_sim: CarrierControl,
    account: CarrierAccount,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    amazon = pack_and_close(site, tent, oscar, sam, channel="amazon")
    ups = pack_and_close(site, tent, oscar, sam, service_code="UPS_GROUND")

    assert ours(amazon.lines) == [] and ours(ups.lines) == []
    assert not CarrierLabel.objects.exists()
    assert carrier_sim.state()["calls"] == {}


def test_a_carrier_that_is_down_never_undoes_the_close(
    carrier_sim: CarrierControl,
    account: CarrierAccount,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    carrier_sim.fault("500", operation="buy_label")

    packed = pack_and_close(site, tent, oscar, sam)

    barcode = packed.parcel.container.barcode
    assert packed.parcel.closed_at is not None and packed.order.state == "packed"
    [line] = ours(packed.lines)
    assert line.startswith(
        f"Carrier label for {barcode} not bought: carrier buy_label failed (500)"
    )
    assert not CarrierLabel.objects.exists()
    # The back office buys it again before the load closes: same parcel, same key, one label.
    label = outbound.buy_label(parcel=packed.parcel, actor=oscar)
    assert carrier_sim.state()["effects"]["labels"] == {label.idempotency_key: 1}


def test_the_load_ships_with_the_label_tracking_not_the_trailer_number(
    carrier_sim: CarrierControl,
    account: CarrierAccount,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    packed = pack_and_close(site, tent, oscar, sam)
    label = CarrierLabel.objects.get(parcel=packed.parcel)
    load = loading.open_load(
        warehouse=site.warehouse, location=site.lane, reference="TRAILER-42", actor=oscar
    )
    loading.load_carton(ctx(oscar), load=load, container=packed.parcel.container)

    closed = loading.close_load(ctx(oscar), load=load)

    [shipment] = closed.shipments
    assert list(shipment.parcels.values_list("tracking_number", flat=True)) == [
        label.tracking_number
    ]
    shipped = packed.order.events.get(to_state="shipped")
    assert label.tracking_number in shipped.reason and "TRAILER-42" not in shipped.reason


def test_a_parcel_without_a_label_still_ships_with_what_was_given(
    site: Site, tent: Item, oscar: User, sam: User
) -> None:
    packed = pack_and_close(site, tent, oscar, sam)  # no carrier account at all

    shipment = fulfilment.ship_order(
        ScanContext(uuid.uuid4(), oscar, "test"),
        order=packed.order,
        carrier="UPS",
        tracking={packed.parcel.pk: "1Z999AA10123456784"},
    )

    assert shipment.parcels.get().tracking_number == "1Z999AA10123456784"


def test_a_voided_label_is_replaced_by_a_new_one(
    carrier_sim: CarrierControl,
    account: CarrierAccount,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    packed = pack_and_close(site, tent, oscar, sam)
    first = CarrierLabel.objects.get(parcel=packed.parcel)

    outbound.void_label(label=first, actor=sam)
    second = outbound.buy_label(parcel=packed.parcel, actor=oscar)

    first.refresh_from_db()
    assert first.state == LabelState.VOIDED and second.tracking_number != first.tracking_number
    state = carrier_sim.state()
    assert state["effects"]["voids"] == {first.tracking_number: 1}
    assert outbound.bought_tracking([packed.parcel]) == {packed.parcel.pk: second.tracking_number}
