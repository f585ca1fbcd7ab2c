"""The cast: Northwind (NWO) keeps its item master in its ERP (integration NWO); Oscar works the
floor at TST1, Sam supervises. Each test gets its own ERP simulator on an ephemeral port."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from channels_app.erp.models import ErpIntegration
from channels_app.erp.simulator import TOKEN, ErpSimulator
from tests.factories import Site, ctx, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inbound import services as inbound
from wms.inbound.models import ExpectedReceipt
from wms.orders import fulfilment
from wms.orders.models import Shipment


class ErpControl:
    def __init__(self, sim: ErpSimulator) -> None:
        self.sim = sim
        self.url = sim.url
        self.http = httpx.Client(base_url=f"{sim.url}/_sim", timeout=30)

    def _post(self, path: str, body: Any) -> Any:
        response = self.http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    def items(self, **changes: dict[str, Any]) -> Any:
        """Change items in the ERP, as its users would (keyword = SKU with '_' for '-')."""
        return self._post("/items", {sku.replace("_", "-"): f for sku, f in changes.items()})

    def fault(self, kind: str, operation: str = "*", count: int = 1, seconds: float = 0) -> Any:
        return self._post(
            "/faults", {"kind": kind, "operation": operation, "count": count, "seconds": seconds}
        )

    def config(self, **values: Any) -> Any:
        return self._post("/config", values)

    def state(self) -> dict[str, Any]:
        return dict(self.http.get("/state").json())

    def applied(self) -> dict[str, int]:
        return dict(self.state()["effects"]["applied"])


@pytest.fixture
def erp_sim() -> Iterator[ErpControl]:
    simulator = ErpSimulator().start()
    control = ErpControl(simulator)
    yield control
    control.http.close()
    simulator.stop()


@pytest.fixture
def erp(nwo: Client, erp_sim: ErpControl, monkeypatch: pytest.MonkeyPatch) -> ErpIntegration:
    monkeypatch.setenv("ERP_NWO_URL", erp_sim.url)
    monkeypatch.setenv("ERP_NWO_TOKEN", TOKEN)
    return ErpIntegration.objects.create(client=nwo, secrets_name="NWO")


def ship_one(site: Site, item: Item, oscar: User, sam: User, quantity: int = 2) -> Shipment:
    """An order of `item` picked, packed, closed and shipped through the services."""
    stock(site, item, quantity, oscar)
    order = place(item.client, f"SH-{uuid.uuid4().hex[:6]}", [(item, quantity)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = fulfilment.next_task(warehouse=site.warehouse)
    assert task is not None
    tote, carton = site.tote(), site.carton()
    fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=quantity)
    fulfilment.pack_units(
        ctx(oscar), order=order, tote=tote, carton=carton, item=item, quantity=quantity
    )
    parcel = order.parcels.get()
    fulfilment.close_parcel(
        parcel=parcel, weight_g=1000, length_mm=300, width_mm=200, height_mm=100
    )
    return fulfilment.ship_order(
        ctx(oscar), order=order, carrier="UPS", tracking={parcel.pk: "1Z999AA10123456784"}
    )


def receive_asn(site: Site, item: Item, oscar: User, quantity: int = 5) -> ExpectedReceipt:
    receipt = inbound.create_receipt(
        client=item.client,
        warehouse=site.warehouse,
        reference=f"ASN-{uuid.uuid4().hex[:6]}",
        lines=[(item, quantity)],
    )
    inbound.receive_against(
        ctx(oscar), receipt=receipt, item=item, quantity=quantity, location=site.dock
    )
    return inbound.complete_receipt(receipt=receipt, actor=oscar)
