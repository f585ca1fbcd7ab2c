"""Issue 12, items 8 and 14: order backlogs drain page by page at Amazon's page size (100) and usage
plans, a failed poll resumes from its saved NextToken, an expired NextToken restarts the window
without losing or doubling an order, and a sync failure closes itself when the next poll works.

The simulator's clock runs 100× faster (usage.SimClock): Amazon's plans keep their documented
rate-to-burst ratio, getOrderItems' 0.5/s is 50/s of real time, an access token lives 36 s."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from channels_app.amazon import adapter, tasks
from channels_app.amazon.errors import TransportError
from channels_app.amazon.mapping import parse_time
from channels_app.amazon.models import AmazonException, AmazonIntegration, AmazonOrder
from channels_app.amazon.tests.conftest import SimControl
from wms.catalog.models import Item
from wms.orders.models import Order

BACKLOG = 120  # two pages of 100


@pytest.fixture
def backlog(sim: SimControl, integration: AmazonIntegration, tent: Item) -> list[str]:
    sim.clock(speed=100)
    return sim.orders(BACKLOG, ("NWO-TENT", 1))


def imported_once(ids: list[str]) -> bool:
    counts = Counter(
        Order.objects.filter(channel="amazon", external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    return set(counts) == set(ids) and set(counts.values()) == {1}


def calls(sim: SimControl) -> dict[str, Any]:
    return dict(sim.state()["calls"])


def test_a_poll_that_fails_half_way_resumes_at_its_page(
    sim: SimControl, integration: AmazonIntegration, backlog: list[str]
) -> None:
    sim.fault("500", operation="getOrders", skip=1)  # page 2 fails
    with pytest.raises(TransportError):
        adapter.import_orders(integration)
    integration.refresh_from_db()
    assert integration.orders_paging["token"]  # the page to fetch next, saved
    assert Order.objects.filter(channel="amazon").count() == 100

    result = adapter.import_orders(integration)

    assert result.pages == 1  # page 2 alone, not pages 1 and 2
    assert imported_once(backlog)
    assert calls(sim)["getOrders"] == 3  # page 1, the failed page 2, page 2
    assert calls(sim)["getOrderItems"] == BACKLOG  # no order fetched twice
    integration.refresh_from_db()
    assert integration.orders_paging == {}
    newest = max(o["LastUpdateDate"] for o in sim.state()["orders"].values())
    assert integration.orders_synced_through == parse_time(newest)


def test_an_expired_next_token_restarts_the_window_without_losing_or_doubling(
    sim: SimControl, integration: AmazonIntegration, backlog: list[str]
) -> None:
    sim.fault("500", operation="getOrders", skip=1)
    with pytest.raises(TransportError):
        adapter.import_orders(integration)
    sim.clock(advance=24 * 3600 + 1)  # the saved NextToken is now past its life

    adapter.import_orders(integration)

    assert calls(sim)["getOrders:unusable_token"] == 1
    assert imported_once(backlog)
    assert calls(sim)["getOrderItems"] == BACKLOG
    assert AmazonOrder.objects.filter(integration=integration).count() == BACKLOG


def test_the_poller_paces_itself_at_the_usage_plan_instead_of_failing(
    sim: SimControl, integration: AmazonIntegration, tent: Item
) -> None:
    # Amazon's own clock: getOrderItems' burst of 30, then one call every 2 s.
    placed = sim.orders(34, ("NWO-TENT", 1))

    adapter.import_orders(integration)

    assert imported_once(placed)
    assert sim.state()["usage"]["throttled"].get("getOrderItems", 0) > 0  # it did hit the plan


def test_a_sync_failure_closes_itself_when_the_next_poll_succeeds(
    sim: SimControl, integration: AmazonIntegration, tent: Item
) -> None:
    placed = sim.orders(3, ("NWO-TENT", 1))
    sim.fault("token_refused", operation="getOrders", count=2)
    outcome: Any = tasks.import_orders.apply((integration.pk,))
    assert outcome.failed()
    failure = AmazonException.objects.get(kind="sync_failed")
    assert failure.resolved_at is None

    assert tasks.import_orders.apply((integration.pk,)).get() == {
        "pages": 1,
        "orders": 3,
        "more": False,
    }

    failure.refresh_from_db()
    assert failure.resolved_at is not None
    assert "succeeded" in failure.evidence["resolved_by"]
    assert imported_once(placed)


def test_a_poll_past_its_budget_stops_and_the_next_goes_on_from_the_saved_page(
    sim: SimControl, integration: AmazonIntegration, backlog: list[str]
) -> None:
    first = adapter.import_orders(integration, budget=0)  # stops before its first order

    assert first.more and first.pages == 1 and not first.outcomes
    integration.refresh_from_db()
    assert integration.orders_paging["after"]  # the window is kept for the next poll

    rest = adapter.import_orders(integration)

    assert not rest.more
    assert imported_once(backlog)
    assert calls(sim)["getOrderItems"] == BACKLOG


def test_a_second_poll_while_one_runs_is_a_no_op(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    with tasks._poll_lock(integration) as held:
        assert held
        assert tasks.import_orders.apply((integration.pk,)).get() == {"busy": True}
    assert "getOrders" not in calls(sim)


def test_a_person_can_poll_now_and_restart_the_window(
    sim: SimControl, integration: AmazonIntegration, tent: Item
) -> None:
    placed = sim.orders(3, ("NWO-TENT", 1))
    AmazonIntegration.objects.filter(pk=integration.pk).update(
        orders_paging={"after": "2020-01-01T00:00:00+00:00", "newest": "2020-01-01T00:00:00+00:00",
                       "token": "stale", "held_back": None}
    )  # fmt: skip
    out = io.StringIO()

    call_command("amazon_poll_orders", "--seller", "A3SIMSELLER01", "--restart-window", stdout=out)

    assert "1 page(s), 3 order(s)" in out.getvalue()
    assert "done" in out.getvalue()
    assert imported_once(placed)
    assert "getOrders:unusable_token" not in calls(sim)  # the stale token was never sent
    with pytest.raises(CommandError, match="No active Amazon integration for seller NOPE"):
        call_command("amazon_poll_orders", "--seller", "NOPE")
