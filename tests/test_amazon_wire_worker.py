"""Issue 12, items 7 and 8 with a real Celery worker (solo pool, embedded beat polling orders every
second), a private Redis and the SP-API simulator over real HTTP, at Amazon's page size (100) and
usage plans on the simulator's scaled clock (usage.SimClock: every plan keeps its documented rate
and burst; 20× faster, getOrderItems' 0.5/s is 10/s of real time, an access token lives 180 s).

- A 2,000-order backlog drains: page after page across budget-bounded tasks, every order imported
  exactly once, no poll failure recorded, nothing dead-lettered.
- Amazon's side restarts mid-run (every access token revoked) and the access tokens expire: the
  worker logs in again and carries on; nothing is dead-lettered, no failure is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from channels_app.amazon.models import AmazonException, AmazonIntegration, AmazonOrder
from channels_app.amazon.simulator import Credentials
from channels_app.amazon.tests.conftest import SimControl, integration, sim  # noqa: F401
from tests.factories import Site, stock
from tests.outbox_support import PrivateRedis, Worker, wait_for
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.orders.models import Order
from wms.outbox.models import OutboxMessage, OutboxState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SPEED = 20.0


@pytest.fixture
def amazon_worker(
    private_redis: PrivateRedis,
    sim: SimControl,  # noqa: F811
    integration: AmazonIntegration,  # noqa: F811
    tmp_path: Path,
) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []
    creds = Credentials()

    def start(**env: str) -> Worker:
        w = Worker(broker=private_redis.url, receiver_url="http://127.0.0.1:9/", tmp=tmp_path)
        w.env |= {
            "DJANGO_SETTINGS_MODULE": "tests.amazon_worker_settings",
            "AMAZON_TEST_POLLERS": "orders",
            "AMAZON_SP_API_URL": sim.url,
            "AMAZON_LWA_URL": sim.url,
            "AMAZON_NWO_LWA_CLIENT_SECRET": creds.client_secret,
            "AMAZON_NWO_REFRESH_TOKEN": creds.refresh_token,
            "AMAZON_POLL_BUDGET": "20",  # a backlog spans many tasks
            **env,
        }
        w.start()
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()
        for n in range(1, w.starts + 1):
            log = tmp_path / f"worker-{n}.log"
            print(f"--- worker log {n} ---\n{log.read_text()[-6000:] if log.exists() else ''}")


def paging_left() -> bool:
    return bool(AmazonIntegration.objects.get().orders_paging.get("token"))


def imported(count: int) -> Callable[[], bool]:
    return lambda: Order.objects.filter(channel="amazon").count() >= count


def assert_imported_once(ids: list[str]) -> None:
    orders = list(Order.objects.filter(channel="amazon").values_list("external_id", flat=True))
    assert sorted(orders) == sorted(ids)  # every one, none twice
    assert AmazonOrder.objects.count() == len(ids)


def assert_nothing_failed(sim: SimControl) -> None:  # noqa: F811
    assert not AmazonException.objects.filter(kind="sync_failed").exists()
    assert not OutboxMessage.objects.filter(state=OutboxState.DEAD).exists()
    # The window was paged to its end: no NextToken is left to follow. (Beat keeps polling, so a
    # next, empty window may already be saved while its first page is read.)
    assert not paging_left()


def test_a_2000_order_backlog_drains_within_amazons_usage_plan(
    sim: SimControl,  # noqa: F811
    integration: AmazonIntegration,  # noqa: F811
    tent: Item,
    amazon_worker: Callable[..., Worker],
) -> None:
    sim.clock(speed=SPEED)
    ids = sim.orders(2000, ("NWO-TENT", 1))

    amazon_worker()
    wait_for("the backlog to drain", imported(2000), timeout=1200)
    wait_for("the poll to finish its window", lambda: not paging_left())

    assert_imported_once(ids)
    assert_nothing_failed(sim)
    state = sim.state()
    assert state["calls"]["getOrders"] >= 20  # 20 pages of 100
    assert state["usage"]["speed"] == SPEED  # Amazon's plans, 20x faster, enforced throughout


def test_tokens_revoked_mid_run_dead_letter_nothing(
    sim: SimControl,  # noqa: F811
    integration: AmazonIntegration,  # noqa: F811
    site: Site,
    tent: Item,
    oscar: User,
    amazon_worker: Callable[..., Worker],
) -> None:
    sim.clock(speed=SPEED)
    sim.listings(**{"NWO-TENT": 0})
    ids = sim.orders(250, ("NWO-TENT", 1))
    amazon_worker()
    wait_for("the import to be under way", imported(50), timeout=300)

    sim.revoke_tokens()  # Amazon's side restarts: the worker's cached token is now unknown
    stock(site, tent, 5, oscar)  # an availability push goes out through the outbox meanwhile
    wait_for("more orders after the restart", imported(120), timeout=300)
    sim.expire_tokens()  # then every token expires early, twice: Amazon words it two ways
    wait_for("more orders after the expiry", imported(180), timeout=300)
    sim.expire_tokens()
    wait_for("the backlog to drain", imported(250), timeout=600)
    wait_for(
        "the outbox to deliver",
        lambda: not OutboxMessage.objects.exclude(state=OutboxState.DELIVERED).exists(),
        timeout=120,
    )
    wait_for("the poll to finish its window", lambda: not paging_left())

    assert_imported_once(ids)
    assert_nothing_failed(sim)
    state = sim.state()
    assert state["tokens"]["refused"] >= 3  # the revoked token and both expired wordings
    assert state["calls"]["lwa"] >= 4
