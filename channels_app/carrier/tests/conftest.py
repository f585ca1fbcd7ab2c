"""The cast: Northwind (NWO) sells D2C on Shopify and ships with SimCarrier (SIMX) from TST1;
Oscar packs at PACK-1, Sam supervises. Each test gets its own carrier simulator on an ephemeral
port, and the settings point the adapter at it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from channels_app.carrier.models import CarrierAccount
from channels_app.carrier.simulator import API_KEY, WEBHOOK_SECRET, CarrierSimulator
from compliance.models import Printer, PrinterKind
from tests.factories import (
    Site,
    ctx,
    place,
    service,
    stock,
)
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.orders import fulfilment
from wms.orders.models import Order, Parcel


class CarrierControl:
    """The simulator's /_sim controls, over HTTP like everything else."""

    def __init__(self, sim: CarrierSimulator) -> None:
        self.sim = sim
        self.url = sim.url
        self.http = httpx.Client(base_url=f"{sim.url}/_sim", timeout=30)

    def _post(self, path: str, body: Any) -> Any:
        response = self.http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    def webhook(self, url: str) -> Any:
        return self._post("/config", {"webhook_url": url})

    def event(self, tracking: str, kind: str, **fields: Any) -> dict[str, Any]:
        return dict(self._post("/events", {"tracking_number": tracking, "type": kind, **fields}))

    def resend(self, event_id: str, signature: str = "valid") -> dict[str, Any]:
        return dict(self._post("/events/resend", {"id": event_id, "signature": signature}))

    def fault(self, kind: str, operation: str = "*", count: int = 1, seconds: float = 0) -> Any:
        return self._post(
            "/faults", {"kind": kind, "operation": operation, "count": count, "seconds": seconds}
        )

    def state(self) -> dict[str, Any]:
        return dict(self.http.get("/state").json())


@pytest.fixture
def carrier_sim(settings: Any) -> Iterator[CarrierControl]:
    simulator = CarrierSimulator().start()
    settings.CARRIER_API_URL = simulator.url
    settings.CARRIER_TIMEOUT = 2.0
    control = CarrierControl(simulator)
    yield control
    control.http.close()
    simulator.stop()


@pytest.fixture
def account(db: None, monkeypatch: pytest.MonkeyPatch) -> CarrierAccount:
    monkeypatch.setenv("CARRIER_SIMCARRIER_API_KEY", API_KEY)
    monkeypatch.setenv("CARRIER_SIMCARRIER_WEBHOOK_SECRET", WEBHOOK_SECRET)
    found = CarrierAccount.objects.create(
        name="simcarrier",
        carrier="SIMX",
        secrets_name="SIMCARRIER",
        service_map={"SIMX_GROUND": "GROUND"},
    )
    found.services.add(service("SIMX_GROUND"))
    return found


@pytest.fixture
def printer(db: None) -> Printer:
    return Printer.objects.create(station="PACK-1", name="pack-1-pdf", kind=PrinterKind.PDF)


@dataclass
class Packed:
    order: Order
    parcel: Parcel
    lines: list[str]  # what the pack screen told the packer at close


def pack_and_close(
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
    *,
    external_id: str | None = None,
    channel: str = "shopify",
    service_code: str = "SIMX_GROUND",
) -> Packed:
    """A D2C order picked, packed into one carton and closed at PACK-1, the way the RF screens do."""
    stock(site, tent, 2, oscar)
    order = place(
        tent.client,
        external_id or f"SH-{uuid.uuid4().hex[:6]}",
        [(tent, 2)],
        channel=channel,
        service=service(service_code),
    )
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = fulfilment.next_task(warehouse=site.warehouse)
    assert task is not None
    tote, carton = site.tote(), site.carton()
    fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=2)
    fulfilment.pack_units(ctx(oscar), order=order, tote=tote, carton=carton, item=tent, quantity=2)
    parcel = order.parcels.get()
    closed, lines = fulfilment.close_at_station(
        parcel=parcel,
        station=site.pack,
        actor=oscar,
        weight_g=3000,
        length_mm=500,
        width_mm=300,
        height_mm=200,
    )
    order.refresh_from_db()
    return Packed(order, closed, lines)
