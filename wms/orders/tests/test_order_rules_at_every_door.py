"""Rules the RF screens used to hold alone now live in the order services, so the API (and any
other door) refuses the same things with the same words, and a refusal writes nothing."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import api_as
from tests.factories import Site, changes_nothing, ctx, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.layout import services as layout
from wms.layout.models import Container, ContainerType
from wms.loading import services as loading
from wms.orders import fulfilment
from wms.orders.errors import NotALoadingLane, NotAtPackStation
from wms.orders.models import Order, OrderState, Parcel, PickTask


def _picked(
    site: Site, client: Client, item: Item, oscar: User, sam: User, tote: Container
) -> Order:
    stock(site, item, 2, oscar)
    order = place(client, f"RULE-{uuid.uuid4().hex[:6]}", [(item, 2)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    for task in PickTask.objects.filter(order=order):
        fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=task.quantity)
    order.refresh_from_db()
    assert order.state == OrderState.PICKED
    return order


def test_an_empty_carton_cannot_close_through_the_api(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    order = _picked(site, nwo, tent, oscar, sam, site.tote("T-E1"))
    parcel = Parcel.objects.create(order=order, container=site.carton("C-EMPTY"))
    with changes_nothing(Parcel.objects.values_list("pk", "closed_at", "weight_g")):
        answer = api_as(oscar).post(
            f"/api/parcels/{parcel.pk}/close/",
            {"weight_g": 900, "length_mm": 300, "width_mm": 200, "height_mm": 150},
            format="json",
        )
    assert answer.status_code == 400, answer.json()
    assert answer.json()["message"] == "This carton is empty; scan a unit into it first."
    assert Container.objects.get(barcode="C-EMPTY").sealed_at is None


def test_packing_away_from_a_pack_station_is_refused_through_the_api(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    order = _picked(site, nwo, tent, oscar, sam, site.tote("T-E2"))
    away = layout.create_container(
        warehouse=site.warehouse,
        type=ContainerType.CARTON,
        barcode="C-AWAY",
        location=site.storage1,
    )
    body = {"scan_id": str(uuid.uuid4()), "tote": "T-E2", "carton": away.barcode, "item": tent.pk}
    with changes_nothing(Parcel.objects.values_list("pk", "order_id")):
        answer = api_as(oscar).post(
            f"/api/orders/{order.pk}/pack/", body | {"quantity": 1}, format="json"
        )
    assert answer.status_code == 400, answer.json()
    assert answer.json()["message"] == (
        "C-AWAY is not at a pack station; take it to a pack station to pack."
    )
    assert not Parcel.objects.filter(container=away).exists()


def test_a_second_pick_goes_into_the_orders_tote_through_the_api(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 1, oscar)
    stock(site, tent, 1, oscar, at=site.face2)
    order = place(nwo, "RULE-TWO-TOTES", [(tent, 2)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    first, second = PickTask.objects.filter(order=order).order_by("sequence")
    site.tote("T-ONE"), site.tote("T-TWO")
    floor = api_as(oscar)
    confirm = {"scan_id": str(uuid.uuid4()), "tote": "T-ONE", "quantity": 1}
    assert (
        floor.post(f"/api/pick-tasks/{first.pk}/confirm/", confirm, format="json").status_code
        == 200
    )
    other = {"scan_id": str(uuid.uuid4()), "tote": "T-TWO", "quantity": 1}
    with changes_nothing(PickTask.objects.values_list("pk", "state", "picked")):
        answer = floor.post(f"/api/pick-tasks/{second.pk}/confirm/", other, format="json")
    assert answer.status_code == 400, answer.json()
    assert answer.json()["message"] == "Scan tote T-ONE — you scanned T-TWO."


def test_closing_at_a_station_needs_a_pack_station(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    order = _picked(site, nwo, tent, oscar, sam, site.tote("T-E3"))
    fulfilment.pack_units(
        ctx(oscar),
        order=order,
        tote=Container.objects.get(barcode="T-E3"),
        carton=site.carton("C-E3"),
        item=tent,
        quantity=2,
    )
    parcel = Parcel.objects.get(container__barcode="C-E3")
    with (
        changes_nothing(Parcel.objects.values_list("pk", "closed_at")),
        pytest.raises(NotAtPackStation, match="LANE-1 is not a pack station"),
    ):
        fulfilment.close_at_station(
            parcel=parcel,
            station=site.lane,
            actor=oscar,
            weight_g=900,
            length_mm=300,
            width_mm=200,
            height_mm=150,
        )


def test_a_load_opens_only_at_a_lane_or_dock(site: Site) -> None:
    with pytest.raises(NotALoadingLane, match="A-01-1 is not a ship lane or dock door"):
        loading.open_load_at(site.storage1)
