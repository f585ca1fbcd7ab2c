"""The cast: Northwind (NWO) sells on Amazon as seller A3SIMSELLER01; Oscar packs, Sam supervises.
Each test gets its own simulator on an ephemeral port, and the settings point the adapter at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis

from channels_app.amazon.models import AmazonIntegration
from channels_app.amazon.simulator import Credentials, Simulator
from tests.factories import service
from wms.catalog.models import Client
from wms.inventory.models import ChannelRule


class SimControl:
    """The simulator's /_sim test controls, over HTTP like everything else."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.url = sim.url
        self.http = httpx.Client(base_url=f"{sim.url}/_sim", timeout=10)

    def _post(self, path: str, body: Any = None) -> Any:
        response = self.http.post(path, json=body or {})
        response.raise_for_status()
        return response.json()

    def order(self, *lines: tuple[str, int], **fields: Any) -> dict[str, Any]:
        items = [{"SellerSKU": sku, "QuantityOrdered": n} for sku, n in lines]
        return dict(self._post("/orders", {"items": items, **fields}))

    def cancel(self, order_id: str) -> Any:
        return self._post(f"/orders/{order_id}/cancel")

    def change_address(self, order_id: str, address: dict[str, str]) -> Any:
        return self._post(f"/orders/{order_id}/address", address)

    def renotify(self, order_id: str) -> Any:
        return self._post(f"/orders/{order_id}/renotify")

    def notifications(self) -> list[dict[str, Any]]:
        return list(self.http.get("/notifications").json()["notifications"])

    def redeliver(self, notes: list[dict[str, Any]]) -> Any:
        """Queue received notifications again, in the order given (SQS: at least once)."""
        return self._post("/notifications", {"notifications": notes})

    def listings(self, **quantities: int) -> Any:
        return self._post("/listings", {sku: {"quantity": q} for sku, q in quantities.items()})

    def fba_inventory(self, **quantities: dict[str, int]) -> Any:
        """What Amazon's fulfillment centers hold per SKU (fulfillable, inboundWorking, …)."""
        return self._post("/fba_inventory", quantities)

    def fault(
        self, kind: str, operation: str = "*", count: int = 1, seconds: float = 0, skip: int = 0
    ) -> Any:
        return self._post(
            "/faults",
            {
                "kind": kind,
                "operation": operation,
                "count": count,
                "seconds": seconds,
                "skip": skip,
            },
        )

    def orders(self, count: int, *lines: tuple[str, int]) -> list[str]:
        """A backlog: ``count`` orders of the same lines, in one control call."""
        items = [{"SellerSKU": sku, "QuantityOrdered": n} for sku, n in lines]
        return list(self._post("/orders/bulk", {"count": count, "items": items})["AmazonOrderIds"])

    def revoke_tokens(self) -> Any:
        """Amazon's side restarts: every access token issued so far is unknown."""
        return self._post("/revoke_tokens")

    def clock(self, *, speed: float | None = None, advance: float = 0) -> Any:
        body: dict[str, float] = {"advance": advance}
        if speed is not None:
            body["speed"] = speed
        return self._post("/clock", body)

    def rate_limit(self, operation: str, rate: float, burst: int) -> Any:
        return self._post("/rate_limits", {operation: [rate, burst]})

    def config(self, **values: Any) -> Any:
        return self._post("/config", values)

    def expire_tokens(self) -> Any:
        return self._post("/expire_tokens")

    def state(self) -> dict[str, Any]:
        return dict(self.http.get("/state").json())


@pytest.fixture
def sim(settings: Any) -> Iterator[SimControl]:
    simulator = Simulator().start()
    # Access tokens are cached in Redis by LWA URL; a port an earlier test's simulator used must
    # not hand this one a token it never issued.
    if settings.REDIS_URL:
        r = redis.Redis.from_url(settings.REDIS_URL)
        stale = list(r.scan_iter("amazon:lwa:*"))
        if stale:
            r.delete(*stale)
        r.close()
    settings.AMAZON_SP_API_URL = simulator.url
    settings.AMAZON_LWA_URL = simulator.url
    settings.AMAZON_VALIDATE_WIRE = True
    control = SimControl(simulator)
    yield control
    control.http.close()
    simulator.stop()


@pytest.fixture
def integration(nwo: Client, monkeypatch: pytest.MonkeyPatch) -> AmazonIntegration:
    creds = Credentials()
    monkeypatch.setenv("AMAZON_NWO_LWA_CLIENT_SECRET", creds.client_secret)
    monkeypatch.setenv("AMAZON_NWO_REFRESH_TOKEN", creds.refresh_token)
    ChannelRule.objects.get_or_create(client=nwo, channel="amazon")
    return AmazonIntegration.objects.create(
        client=nwo,
        seller_id="A3SIMSELLER01",
        marketplace_ids=["ATVPDKIKX0DER"],
        lwa_client_id=creds.client_id,
        secrets_name="NWO",
        default_service=service(),
        ship_from_phone="+1 215 555 0100",
    )
