"""A scan id is one scan: through the order doors (API pack, API pick-task confirm, RF pick and
pack) a repeat of the same request by the same operator is answered as the first time, and the id
of any other scan — another kind, another order, another operator — is refused (409) and writes
nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import api_as
from tests.factories import Site, UserFactory, changes_nothing, ctx, place, stock
from tests.rf import Scanner
from wms.accounts.models import Role, User
from wms.catalog.models import Client, Item
from wms.inventory.ledger import ScanContext
from wms.layout.models import Container
from wms.orders import fulfilment
from wms.orders.models import Order, OrderLine, Parcel, PickTask


@dataclass
class Floor:
    mine: Order  # picked; one of its two units packed by `pack_id`
    other: Order  # picked; one unit packed by `other_pack_id`
    mine_task: PickTask
    other_task: PickTask
    pick_id: uuid.UUID  # the scan that confirmed `mine_task`
    other_pick_id: uuid.UUID
    pack_id: uuid.UUID
    other_pack_id: uuid.UUID
    tote: Container
    other_tote: Container
    carton: Container
    other_carton: Container


def _scan(user: User) -> ScanContext:
    return ctx(user)


@pytest.fixture
def floor(site: Site, nwo: Client, tent: Item, oscar: User, sam: User) -> Floor:
    stock(site, tent, 10, oscar)
    mine = place(nwo, "REUSE-1", [(tent, 2)])
    other = place(nwo, "REUSE-2", [(tent, 2)])
    assert fulfilment.release_wave(warehouse=site.warehouse, actor=sam) is not None
    mine_task = PickTask.objects.get(order=mine)
    other_task = PickTask.objects.get(order=other)
    tote, other_tote = site.tote("T-R1"), site.tote("T-R2")
    carton, other_carton = site.carton("C-R1"), site.carton("C-R2")
    picks = {}
    for task, into in ((mine_task, tote), (other_task, other_tote)):
        scan = _scan(oscar)
        fulfilment.confirm_pick(scan, task=task, tote=into, quantity=2)
        picks[task.pk] = scan.scan_id
    packs = {}
    for order, from_tote, into in ((mine, tote, carton), (other, other_tote, other_carton)):
        scan = _scan(oscar)
        fulfilment.pack_units(scan, order=order, tote=from_tote, carton=into, item=tent, quantity=1)
        packs[order.pk] = scan.scan_id
    return Floor(
        mine=mine,
        other=other,
        mine_task=mine_task,
        other_task=other_task,
        pick_id=picks[mine_task.pk],
        other_pick_id=picks[other_task.pk],
        pack_id=packs[mine.pk],
        other_pack_id=packs[other.pk],
        tote=tote,
        other_tote=other_tote,
        carton=carton,
        other_carton=other_carton,
    )


def _written() -> tuple[object, ...]:
    return (
        Parcel.objects.count(),
        list(OrderLine.objects.order_by("pk").values_list("pk", "picked", "packed")),
        list(Order.objects.order_by("pk").values_list("pk", "state")),
    )


def _pack_body(f: Floor, scan_id: uuid.UUID, item: Item) -> dict[str, object]:
    return {
        "scan_id": str(scan_id),
        "tote": f.tote.barcode,
        "carton": f.carton.barcode,
        "item": item.pk,
        "quantity": 1,
    }


@pytest.mark.parametrize("whose", ["pick", "other_order_pack", "other_order_pick"])
def test_api_pack_refuses_the_scan_id_of_another_scan(
    floor: Floor, tent: Item, oscar: User, whose: str
) -> None:
    reused = {
        "pick": floor.pick_id,
        "other_order_pack": floor.other_pack_id,
        "other_order_pick": floor.other_pick_id,
    }[whose]
    before = _written()
    with changes_nothing():
        answer = api_as(oscar).post(
            f"/api/orders/{floor.mine.pk}/pack/", _pack_body(floor, reused, tent), format="json"
        )
    assert answer.status_code == 409, answer.json()
    assert "already used" in answer.json()["message"]
    assert _written() == before


def test_api_pack_refuses_another_operators_repeat(floor: Floor, tent: Item) -> None:
    # Oscar's very request, sent by Olga under his scan id: not her scan, so not a replay.
    olga = UserFactory.create(username="olga", role=Role.OPERATOR)
    before = _written()
    with changes_nothing():
        answer = api_as(olga).post(
            f"/api/orders/{floor.mine.pk}/pack/",
            _pack_body(floor, floor.pack_id, tent),
            format="json",
        )
    assert answer.status_code == 409, answer.json()
    assert _written() == before


def test_api_pack_answers_the_same_request_as_the_first_time(
    floor: Floor, tent: Item, oscar: User
) -> None:
    # The order's last unit: after it nothing is left to pack, yet its retry is answered.
    last = uuid.uuid4()
    first = api_as(oscar).post(
        f"/api/orders/{floor.mine.pk}/pack/", _pack_body(floor, last, tent), format="json"
    )
    assert first.status_code == 201, first.json()
    before = _written()
    with changes_nothing():
        again = api_as(oscar).post(
            f"/api/orders/{floor.mine.pk}/pack/", _pack_body(floor, last, tent), format="json"
        )
    assert again.status_code == 200, again.json()
    assert again.json()["replayed"] is True
    assert again.json()["message"] == first.json()["message"]
    assert _written() == before
    # An earlier unit's scan, repeated while the order is still packable, replays too.
    with changes_nothing():
        earlier = api_as(oscar).post(
            f"/api/orders/{floor.mine.pk}/pack/",
            _pack_body(floor, floor.pack_id, tent),
            format="json",
        )
    assert (earlier.status_code, earlier.json()["replayed"]) == (200, True)


def _confirm_body(f: Floor, scan_id: uuid.UUID) -> dict[str, object]:
    return {"scan_id": str(scan_id), "tote": f.tote.barcode, "quantity": 2}


@pytest.mark.parametrize("whose", ["pack", "other_order_pick", "other_order_pack"])
def test_api_confirm_of_a_done_task_refuses_the_scan_id_of_another_scan(
    floor: Floor, oscar: User, whose: str
) -> None:
    reused = {
        "pack": floor.pack_id,
        "other_order_pick": floor.other_pick_id,
        "other_order_pack": floor.other_pack_id,
    }[whose]
    before = _written()
    with changes_nothing():
        answer = api_as(oscar).post(
            f"/api/pick-tasks/{floor.mine_task.pk}/confirm/",
            _confirm_body(floor, reused),
            format="json",
        )
    assert answer.status_code == 409, answer.json()
    assert "already used" in answer.json()["message"]
    assert _written() == before


def test_api_confirm_refuses_another_operators_repeat(floor: Floor) -> None:
    olga = UserFactory.create(username="olga", role=Role.OPERATOR)
    with changes_nothing():
        answer = api_as(olga).post(
            f"/api/pick-tasks/{floor.mine_task.pk}/confirm/",
            _confirm_body(floor, floor.pick_id),
            format="json",
        )
    assert answer.status_code == 409, answer.json()


def test_api_confirm_refuses_a_different_quantity_under_the_same_id(
    floor: Floor, oscar: User
) -> None:
    body = _confirm_body(floor, floor.pick_id) | {"quantity": 1, "short_reason": "empty"}
    with changes_nothing():
        answer = api_as(oscar).post(
            f"/api/pick-tasks/{floor.mine_task.pk}/confirm/", body, format="json"
        )
    assert answer.status_code == 409, answer.json()


def test_api_confirm_answers_the_same_request_as_the_first_time(floor: Floor, oscar: User) -> None:
    before = _written()
    with changes_nothing():
        again = api_as(oscar).post(
            f"/api/pick-tasks/{floor.mine_task.pk}/confirm/",
            _confirm_body(floor, floor.pick_id),
            format="json",
        )
    assert again.status_code == 200, again.json()
    assert again.json()["replayed"] is True
    assert again.json()["message"].startswith("Picked 2")
    assert _written() == before


def test_rf_pack_refuses_the_scan_id_of_another_scan(site: Site, floor: Floor, oscar: User) -> None:
    rf = Scanner(oscar, site.warehouse)
    rf.open("pack")
    rf.scan("PACK-1")
    shown = rf.scan(floor.tote.barcode)
    assert shown.step == "unit", shown.message  # the order's open carton C-R1
    before = _written()
    with changes_nothing():
        shown = rf.scan("NWO-TENT", scan_id=floor.other_pick_id)
    assert shown.tone == "error", shown.message
    assert "already used" in shown.message
    assert _written() == before


def test_rf_pick_refuses_the_scan_id_of_another_scan(
    site: Site, floor: Floor, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    place(nwo, "REUSE-3", [(tent, 1)])
    assert fulfilment.release_wave(warehouse=site.warehouse, actor=sam) is not None
    site.tote("T-R3")
    rf = Scanner(oscar, site.warehouse)
    rf.open("pick")
    rf.scan("P-01")
    rf.scan("NWO-TENT")
    shown = rf.scan("")  # Enter confirms the count
    assert shown.step == "tote", shown.message
    before = _written()
    with changes_nothing():
        shown = rf.scan("T-R3", scan_id=floor.other_pack_id)
    assert shown.tone == "error", shown.message
    assert "already used" in shown.message
    assert _written() == before


# --- property: any other payload under a used scan id is refused and writes nothing


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    door=st.sampled_from(["pack", "confirm"]),
    used=st.sampled_from(["pick_id", "other_pick_id", "pack_id", "other_pack_id"]),
    quantity=st.integers(min_value=0, max_value=3),
    by_olga=st.booleans(),
    other_containers=st.booleans(),
)
def test_a_used_scan_id_with_any_other_request_is_refused(
    floor: Floor,
    tent: Item,
    oscar: User,
    door: str,
    used: str,
    quantity: int,
    by_olga: bool,
    other_containers: bool,
) -> None:
    scan_id: uuid.UUID = getattr(floor, used)
    tote = floor.other_tote if other_containers else floor.tote
    carton = floor.other_carton if other_containers else floor.carton
    if door == "pack":
        url = f"/api/orders/{floor.mine.pk}/pack/"
        body: dict[str, object] = {
            "scan_id": str(scan_id),
            "tote": tote.barcode,
            "carton": carton.barcode,
            "item": tent.pk,
            "quantity": quantity,
        }
        same = (used, quantity, by_olga, other_containers) == ("pack_id", 1, False, False)
    else:
        url = f"/api/pick-tasks/{floor.mine_task.pk}/confirm/"
        body = {"scan_id": str(scan_id), "tote": tote.barcode, "quantity": quantity}
        if quantity < 2:
            body["short_reason"] = "empty"
        same = (used, quantity, by_olga, other_containers) == ("pick_id", 2, False, False)
    actor = (
        User.objects.get_or_create(username="olga", defaults={"role": Role.OPERATOR})[0]
        if by_olga
        else oscar
    )
    before = _written()
    with changes_nothing():
        answer = api_as(actor).post(url, body, format="json")
    if same:  # the very request again: answered as the first time
        assert (answer.status_code, answer.json()["replayed"]) == (200, True)
    elif door == "pack" and quantity == 0:  # refused by the request's own validation
        assert answer.status_code == 400, answer.json()
    else:
        assert answer.status_code == 409, answer.json()
        assert "already used" in answer.json()["message"]
    assert _written() == before
