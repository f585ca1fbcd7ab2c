"""The cast: Northwind (NWO) sells on its Shopify store through us as its fulfillment service;
Oscar works the floor, Sam supervises. Each test gets its own simulator on an ephemeral port (and
its own shop domain, so its cost bucket in Redis is its own), and the settings point the adapter
at it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from channels_app.outbox import tasks
from channels_app.shopify import adapter
from channels_app.shopify.models import ShopifyStore
from channels_app.shopify.simulator import Simulator
from tests.factories import Site, service
from tests.outbox_support import PrivateRedis, Worker, private_redis  # noqa: F401 - fixture
from wms.accounts.models import User
from wms.catalog.models import Client
from wms.inventory.models import ChannelRule
from wms.outbox import queue

WEBHOOKS = "/channels/shopify/webhooks/"


class SimControl:
    """The simulator's /_sim test controls, over HTTP like everything else."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.url = sim.url
        self.http = httpx.Client(base_url=f"{sim.url}/_sim", timeout=120)

    def _post(self, path: str, body: Any = None) -> Any:
        response = self.http.post(path, json=body or {})
        response.raise_for_status()
        return response.json()

    def products(self, **available: int) -> dict[str, str]:
        return dict(self._post("/products", {s: {"available": n} for s, n in available.items()}))

    def order(self, *lines: tuple[str, int], **fields: Any) -> dict[str, Any]:
        spec = {"lines": [{"sku": sku, "quantity": n} for sku, n in lines], **fields}
        return dict(self._post("/orders", spec))

    def request_cancellation(self, fulfillment_order_id: str, notify: bool = True) -> Any:
        number = fulfillment_order_id.rsplit("/", 1)[-1]
        return self._post(f"/fulfillment_orders/{number}/cancellation_request", {"notify": notify})

    def webhook(self, topic: str, payload: dict[str, Any], webhook_id: str | None = None) -> Any:
        return self._post("/webhooks", {"topic": topic, "payload": payload, "id": webhook_id})

    def set_available(self, **quantities: int) -> Any:
        return self._post("/inventory", quantities)

    def fault(self, kind: str, operation: str = "*", count: int = 1, seconds: float = 0) -> Any:
        return self._post(
            "/faults", {"kind": kind, "operation": operation, "count": count, "seconds": seconds}
        )

    def release(self) -> Any:
        return self._post("/release")

    def throttle(self, **status: float | str) -> Any:
        return self._post("/throttle", status)

    def config(self, **values: Any) -> Any:
        return self._post("/config", values)

    def state(self) -> dict[str, Any]:
        return dict(self.http.get("/state").json())


@pytest.fixture
def sim(settings: Any) -> Iterator[SimControl]:
    simulator = Simulator(shop_domain=f"nwo-{uuid.uuid4().hex[:8]}.myshopify.com").start()
    settings.SHOPIFY_ADMIN_URL = simulator.url
    settings.SHOPIFY_VALIDATE_WIRE = True
    settings.SHOPIFY_TIMEOUT = 2.0
    control = SimControl(simulator)
    yield control
    control.http.close()
    simulator.stop()


@pytest.fixture
def no_broker() -> Iterator[None]:
    """Deliveries are driven in-process by the test: nothing goes to the shared broker."""
    queue.set_dispatcher(None)
    yield
    queue.set_dispatcher(tasks.dispatch)


@pytest.fixture
def store(nwo: Client, sim: SimControl, monkeypatch: pytest.MonkeyPatch) -> ShopifyStore:
    monkeypatch.setenv("SHOPIFY_NWO_ACCESS_TOKEN", sim.sim.access_token)
    monkeypatch.setenv("SHOPIFY_NWO_WEBHOOK_SECRET", sim.sim.webhook_secret)
    ChannelRule.objects.get_or_create(client=nwo, channel="shopify")
    return ShopifyStore.objects.create(
        client=nwo,
        shop_domain=sim.sim.state.shop_domain,
        secrets_name="NWO",
        default_service=service(),
    )


@pytest.fixture
def registered(store: ShopifyStore, sim: SimControl, settings: Any) -> ShopifyStore:
    """Registered as the store's fulfillment service (callbacks to wherever the test serves)."""
    return adapter.register_fulfillment_service(store)


@pytest.fixture
def live(live_server: Any, settings: Any, sim: SimControl) -> str:
    """Our web server on a real port: Shopify's callbacks and webhooks reach it over HTTP."""
    settings.SHOPIFY_CALLBACK_BASE_URL = live_server.url
    sim.config(webhook_url=f"{live_server.url}{WEBHOOKS}")
    return str(live_server.url)


@pytest.fixture
def served(live: str, store: ShopifyStore) -> ShopifyStore:
    """Registered with callbacks to the live server."""
    return adapter.register_fulfillment_service(store)


def pick_pack_ship(site: Site, order: Any, oscar: User, sam: User, tracking: str = "1Z999") -> Any:
    """The floor's scans for one order, through the same services the RF screens call."""
    from tests.factories import ctx
    from wms.orders import fulfilment

    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    tote, carton = site.tote(), site.carton()
    while (task := fulfilment.next_task(warehouse=site.warehouse)) is not None:
        fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=task.quantity)
    order.refresh_from_db()
    for line in order.lines.select_related("item"):
        fulfilment.pack_units(
            ctx(oscar),
            order=order,
            tote=tote,
            carton=carton,
            item=line.item,
            quantity=line.quantity,
        )
    parcel = order.parcels.get()
    fulfilment.close_parcel(
        parcel=parcel, weight_g=4200, length_mm=600, width_mm=400, height_mm=300
    )
    return fulfilment.ship_order(
        ctx(oscar), order=order, carrier="UPS", tracking={parcel.pk: tracking}
    )


@pytest.fixture
def shopify_worker(
    transactional_db: None,
    private_redis: PrivateRedis,  # noqa: F811 - the fixture imported above
    sim: SimControl,
    store: ShopifyStore,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[Worker]:
    """A real `celery worker` process (see tests/outbox_support.py) that talks to this test's
    simulator, on a private Redis the test may stop; the test may SIGKILL it."""
    monkeypatch.setenv("SHOPIFY_ADMIN_URL", sim.url)
    monkeypatch.setenv("SHOPIFY_TIMEOUT", "2")  # under the worker's 3 s lease
    w = Worker(broker=private_redis.url, receiver_url="http://127.0.0.1:9/unused", tmp=tmp_path)
    w.start()
    yield w
    w.stop()
    for n in range(1, w.starts + 1):  # shown by pytest when the test failed
        print(f"--- worker log {n} ---\n{(tmp_path / f'worker-{n}.log').read_text()[-6000:]}")
