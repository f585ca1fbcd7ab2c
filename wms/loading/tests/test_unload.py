"""Taking a carton off an open load puts it somewhere on record: the ledger moves it (a Move touch
under the operator's scan id) to where it was put down, never leaving it "at the lane" where it
would look loaded; a retried scan changes nothing more; a bad destination changes nothing."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import Site, changes_nothing, ctx, place, stock
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.errors import WrongContainer, WrongLocation, WrongLocationType
from wms.inventory.models import Touch, TouchKind
from wms.inventory.reconcile import verify
from wms.loading import services as loading
from wms.loading.models import Load, LoadParcel
from wms.orders import fulfilment
from wms.orders.models import Order, Parcel


def packed(site: Site, item: Item, oscar: User, sam: User, *, cartons: int = 1) -> list[Parcel]:
    """One order of `cartons` units, one unit per carton, picked, packed and closed at PACK-1."""
    stock(site, item, cartons, oscar)
    order = place(item.client, f"SH-{uuid.uuid4().hex[:6]}", [(item, cartons)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    tote = site.tote()
    while (task := fulfilment.next_task(warehouse=site.warehouse)) is not None:
        fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=task.quantity)
    for _ in range(cartons):
        fulfilment.pack_units(
            ctx(oscar), order=order, tote=tote, carton=site.carton(), item=item, quantity=1
        )
    parcels = list(Order.objects.get(pk=order.pk).parcels.order_by("pk"))
    for parcel in parcels:
        fulfilment.close_at_station(
            parcel=parcel,
            station=site.pack,
            actor=oscar,
            weight_g=1000,
            length_mm=300,
            width_mm=200,
            height_mm=100,
        )
    return parcels


def loaded(site: Site, parcels: list[Parcel], oscar: User) -> Load:
    load = loading.open_load(
        warehouse=site.warehouse, location=site.lane, reference="TRL-1", actor=oscar
    )
    for parcel in parcels:
        loading.load_carton(ctx(oscar), load=load, container=parcel.container)
    return load


def test_a_carton_taken_off_is_moved_where_it_was_put_down(
    site: Site, tent: Item, oscar: User, sam: User
) -> None:
    [parcel] = packed(site, tent, oscar, sam)
    load = loaded(site, [parcel], oscar)
    carton = parcel.container
    scan = ctx(oscar)

    off = loading.unload_carton(scan, load=load, container=carton, to_location=site.staging)

    assert off.message == f"Took {carton.barcode} off TRL-1; moved to STAGE-1."
    carton.refresh_from_db()
    assert carton.location == site.staging
    move = Touch.objects.get(kind=TouchKind.MOVE, scan_id=scan.scan_id)
    assert (move.from_location, move.to_location) == (site.lane, site.staging)
    assert not LoadParcel.objects.filter(load=load).exists()
    assert Load.objects.get(pk=load.pk).carrier == ""  # the next carton sets it again
    assert verify().ok
    # The scanner's retry (same scan id): answered, nothing moves again.
    with changes_nothing():
        again = loading.unload_carton(scan, load=load, container=carton, to_location=site.staging)
    assert again.cartons == []


def test_a_carton_cannot_be_put_down_on_its_loads_lane_storage_or_taken_off_twice(
    site: Site, tent: Item, oscar: User, sam: User
) -> None:
    parcels = packed(site, tent, oscar, sam, cartons=2)
    load = loaded(site, parcels[:1], oscar)
    carton, other = parcels[0].container, parcels[1].container

    with changes_nothing(LoadParcel.objects.values_list("pk", "load_id")):
        with pytest.raises(WrongLocation) as lane:
            loading.unload_carton(ctx(oscar), load=load, container=carton, to_location=site.lane)
        with pytest.raises(WrongLocationType) as storage:
            loading.unload_carton(
                ctx(oscar), load=load, container=carton, to_location=site.storage1
            )
        with pytest.raises(WrongContainer) as not_on:
            loading.unload_carton(ctx(oscar), load=load, container=other, to_location=site.staging)

    assert lane.value.message == (
        f"LANE-1 is the lane of load TRL-1; put {carton.barcode} down somewhere else "
        "(staging, a pack station, another lane) and scan that."
    )
    assert storage.value.message == (
        "A-01-1 is a storage location; a packed carton waits at a staging, pack station, "
        "ship lane, dock location."
    )
    assert not_on.value.message == (
        f"{other.barcode} is not on load TRL-1; scan a carton loaded on it."
    )
