"""Which node ships an order, why, and when it is due — across time zones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.factories import ADDRESS, Site, make_site, place, service, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inventory.models import StockPosition
from wms.orders import allocation
from wms.orders.models import Cutoff, OrderException, OrderState, Reservation
from wms.orders.services import at_risk

UTC = dt.UTC


@pytest.fixture
def east(site: Site) -> Site:
    site.warehouse.region = "PA"
    site.warehouse.save()
    return site


@pytest.fixture
def west(db: None) -> Site:
    s = make_site("RNO1")
    s.warehouse.region, s.warehouse.time_zone = "NV", "America/Los_Angeles"
    s.warehouse.save()
    return s


def set_policy(client: Client, **fields: object) -> None:
    policy = allocation.policy_of(client.pk)
    for k, v in fields.items():
        setattr(policy, k, v)
    policy.save()


def test_the_nearest_node_that_holds_everything_ships(
    east: Site, west: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    stock(east, tent, 5, oscar)
    stock(west, tent, 5, oscar)

    to_new_york = place(nwo, "NY-1", [(tent, 1)], region="NY")
    to_california = place(nwo, "CA-1", [(tent, 1)], region="CA")

    assert to_new_york.warehouse == east.warehouse
    assert to_california.warehouse == west.warehouse
    why = to_california.decisions.get()
    assert why.outcome == "allocated"
    assert why.reason.startswith("Ship complete from RNO1: holds every line;")
    assert "Others: TST1: holds every line" in why.reason
    assert {c["warehouse"] for c in why.candidates} == {"TST1", "RNO1"}


def test_a_node_that_holds_everything_beats_a_nearer_one_that_does_not(
    east: Site, west: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    stock(east, tent, 1, oscar)
    stock(west, tent, 5, oscar)

    order = place(nwo, "NY-2", [(tent, 3)], region="NY")

    assert order.warehouse == west.warehouse
    assert "TST1: short NWO-TENT by 2" in order.decisions.get().reason


def test_making_todays_cutoff_beats_distance(
    east: Site, west: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    ground = service()
    Cutoff.objects.create(warehouse=east.warehouse, service=ground, local_time=dt.time(15, 0))
    Cutoff.objects.create(warehouse=west.warehouse, service=ground, local_time=dt.time(15, 0))
    order = place(nwo, "NY-3", [(tent, 1)], region="NY")  # no stock yet: backordered
    assert order.state == OrderState.BACKORDERED
    stock(east, tent, 5, oscar)
    stock(west, tent, 5, oscar)

    # 16:30 in Philadelphia (missed), 13:30 in Reno (still open).
    now = dt.datetime(2026, 11, 27, 21, 30, tzinfo=UTC)
    decision = allocation.allocate(order, now=now)

    order.refresh_from_db()
    assert order.warehouse == west.warehouse
    assert "makes today's UPS_GROUND cutoff 15:00 America/Los_Angeles" in decision.reason
    assert "missed today's UPS_GROUND cutoff 15:00 America/New_York" in decision.reason
    assert order.due_at == dt.datetime(2026, 11, 27, 23, 0, tzinfo=UTC)


def test_a_node_at_capacity_is_passed_over(
    east: Site, west: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    east.warehouse.orders_per_day = 1
    east.warehouse.save()
    stock(east, tent, 5, oscar)
    stock(west, tent, 5, oscar)

    first = place(nwo, "CAP-1", [(tent, 1)], region="NY")
    second = place(nwo, "CAP-2", [(tent, 1)], region="NY")

    assert first.warehouse == east.warehouse
    assert second.warehouse == west.warehouse
    assert "TST1: holds every line; at capacity (1/1 orders today)" in second.decisions.get().reason


def test_split_only_when_the_client_allows_it(
    east: Site, west: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    from tests.factories import make_item

    mug = make_item(nwo, "NWO-MUG")
    stock(east, tent, 2, oscar)
    stock(west, mug, 2, oscar)

    whole = place(nwo, "SPLIT-1", [(tent, 1), (mug, 1)])
    assert whole.state == OrderState.BACKORDERED
    assert whole.decisions.get().outcome == "backordered"

    set_policy(nwo, allow_split=True)
    split = place(nwo, "SPLIT-2", [(tent, 1), (mug, 1)])
    assert split.state == OrderState.RESERVED
    decision = split.decisions.get()
    assert decision.outcome == "split"
    assert sorted(decision.warehouses) == ["RNO1", "TST1"]
    held = set(
        Reservation.objects.filter(line__order=split).values_list(
            "warehouse__code", "line__item__sku"
        )
    )
    assert held == {("TST1", "NWO-TENT"), ("RNO1", "NWO-MUG")}


def test_stock_is_never_promised_twice_across_nodes(
    east: Site, west: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    stock(east, tent, 2, oscar)
    stock(west, tent, 2, oscar)
    orders = [place(nwo, f"TWICE-{i}", [(tent, 1)]) for i in range(6)]
    states = [o.state for o in orders]
    assert states.count(OrderState.RESERVED) == 4
    assert states.count(OrderState.BACKORDERED) == 2
    for p in StockPosition.objects.filter(item=tent):
        assert p.reserved <= p.on_hand


def test_without_backorders_an_unfillable_order_is_an_exception(
    east: Site, nwo: Client, tent: Item
) -> None:
    set_policy(nwo, allow_backorder=False)
    order = place(nwo, "NOBO-1", [(tent, 1)])
    assert order.state == OrderState.EXCEPTION
    assert OrderException.objects.get(order=order).owner == "client NWO"


def test_upstream_assigned_node_is_honoured_or_refused_with_the_reason(
    east: Site, west: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    set_policy(nwo, allocation="upstream")
    stock(east, tent, 5, oscar)
    stock(west, tent, 1, oscar)

    honoured = place(nwo, "UP-1", [(tent, 1)], region="NY", requested_warehouse=west.warehouse)
    refused = place(nwo, "UP-2", [(tent, 2)], region="NY", requested_warehouse=west.warehouse)

    assert honoured.warehouse == west.warehouse  # not the nearer TST1: upstream decides
    assert honoured.decisions.get().reason == "Node RNO1 assigned by the upstream order system."
    assert refused.state == OrderState.EXCEPTION
    decision = refused.decisions.get()
    assert decision.outcome == "refused"
    assert decision.reason == (
        "Node RNO1 was assigned upstream but cannot fill: NWO-TENT at RNO1: need 2, only 0 there"
    )
    assert OrderException.objects.get(order=refused).owner == "upstream order system (shopify)"
    assert not Reservation.objects.filter(line__order=refused).exists()


def test_cutoffs_are_local_to_each_warehouse_and_follow_dst(east: Site, west: Site) -> None:
    ground = service()
    Cutoff.objects.create(warehouse=east.warehouse, service=ground, local_time=dt.time(15, 0))
    Cutoff.objects.create(warehouse=west.warehouse, service=ground, local_time=dt.time(15, 0))

    at = dt.datetime(2026, 11, 27, 19, 30, tzinfo=UTC)  # 14:30 New York, 11:30 Reno
    assert allocation.next_cutoff(east.warehouse, ground, at) == dt.datetime(
        2026, 11, 27, 20, 0, tzinfo=UTC
    )
    assert allocation.next_cutoff(west.warehouse, ground, at) == dt.datetime(
        2026, 11, 27, 23, 0, tzinfo=UTC
    )
    later = dt.datetime(2026, 11, 27, 20, 30, tzinfo=UTC)  # Philadelphia's has passed: tomorrow's
    assert allocation.next_cutoff(east.warehouse, ground, later) == dt.datetime(
        2026, 11, 28, 20, 0, tzinfo=UTC
    )
    # US daylight saving starts 2026-03-08: the same 15:00 cutoff is an hour earlier in UTC.
    before = allocation.next_cutoff(
        east.warehouse, ground, dt.datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    )
    after = allocation.next_cutoff(
        east.warehouse, ground, dt.datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    )
    assert before is not None and after is not None
    assert before.astimezone(UTC).hour == 20
    assert after.astimezone(UTC).hour == 19
    assert after.astimezone(ZoneInfo("America/New_York")).hour == 15


def test_the_earlier_of_ship_by_and_cutoff_orders_the_work_and_flags_risk(
    east: Site, west: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    from django.utils import timezone

    stock(east, tent, 5, oscar)
    soon = timezone.now() + dt.timedelta(minutes=45)
    urgent = place(nwo, "RISK-1", [(tent, 1)], ship_by=soon)
    relaxed = place(nwo, "RISK-2", [(tent, 1)], ship_by=timezone.now() + dt.timedelta(days=3))

    assert urgent.due_at == soon
    listed = at_risk(within=dt.timedelta(hours=2))
    assert [row["order"].external_id for row in listed] == ["RISK-1"]
    assert 40 <= listed[0]["minutes_left"] <= 45
    assert relaxed.due_at is not None and relaxed.due_at > soon
    assert ADDRESS["region"] == "NY"
