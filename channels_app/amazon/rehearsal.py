"""The Amazon go-live rehearsal: the whole flow against the SP-API simulator, one line per step.

Each step is a function of the shared ``Rehearsal`` that returns what it proved (one line) or
raises what went wrong; ``STEPS`` lists them in order, so a later step is added by appending one
function. The floor work goes through the same services the RF screens call (receive, stow,
release a wave, pick, pack, close, ship), and Amazon hears of it through the outbox's own
handler, delivered here in the foreground instead of by a worker.

Everything runs in one database transaction that is rolled back at the end (``keep=True``
commits it), so a rehearsal leaves nothing behind but what the simulator remembers.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels_app.amazon import adapter, catalogue, integrations
from channels_app.amazon.doors import patient_client
from channels_app.amazon.models import AmazonIntegration, AmazonOrder
from channels_app.amazon.simulator import Credentials, Simulator
from channels_app.outbox import delivery
from wms.accounts.models import Role, User
from wms.catalog import services as catalog
from wms.catalog.models import Client, Item
from wms.inventory import touches
from wms.inventory.ledger import ScanContext
from wms.inventory.models import ChannelRule
from wms.layout import services as layout
from wms.layout.models import Container, ContainerType, Location, LocationType, Warehouse
from wms.orders import fulfilment
from wms.orders.intake import LineIn, import_order
from wms.orders.models import CarrierService, Order, OrderState, Shipment
from wms.outbox.models import OutboxMessage, OutboxState

SELLER = "A3SIMSELLER01"
TRACKING = "1Z999AA10123456784"


class StepFailed(Exception):
    """A step ran but did not see what it must see."""


def expect(condition: bool, failure: str) -> None:
    if not condition:
        raise StepFailed(failure)


@dataclass
class Rehearsal:
    sim_url: str
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:4].upper())
    integration: AmazonIntegration | None = None
    client: Client | None = None
    warehouse: Warehouse | None = None
    operator: User | None = None
    items: dict[str, Item] = field(default_factory=dict)
    places: dict[str, Location] = field(default_factory=dict)
    order: Order | None = None
    amazon_order_id: str = ""
    shipment: Shipment | None = None

    # --- helpers the steps share ---------------------------------------------------------------

    def sim(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.sim_url}/_sim{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def ctx(self) -> ScanContext:
        assert self.operator is not None
        return ScanContext(scan_id=uuid.uuid4(), actor=self.operator, device="rehearsal")

    def sku(self, name: str) -> str:
        return f"R{self.run}-{name}"

    def box(self, barcode: str) -> Container:
        assert self.warehouse is not None
        return layout.create_container(
            warehouse=self.warehouse,
            type=ContainerType.CARTON,
            barcode=f"{barcode}-{self.run}",
            location=self.places["pack"],
        )

    def tote(self) -> Container:
        assert self.warehouse is not None
        return layout.create_container(
            warehouse=self.warehouse,
            type=ContainerType.TOTE,
            barcode=f"T-{uuid.uuid4().hex[:8]}",
            location=self.places["pack"],
        )

    def pick_and_pack(self, order: Order, cartons: list[list[tuple[Item, int]]]) -> list[Any]:
        """Release a wave, pick every task of the order into one tote, pack the cartons, close."""
        assert self.warehouse is not None and self.operator is not None
        fulfilment.release_wave(warehouse=self.warehouse, actor=self.operator)
        tote = self.tote()
        while (task := fulfilment.next_task(warehouse=self.warehouse)) is not None:
            fulfilment.confirm_pick(self.ctx(), task=task, tote=tote, quantity=task.quantity)
        for n, contents in enumerate(cartons, start=1):
            carton = self.box(f"{order.external_id}-C{n}")
            for item, quantity in contents:
                fulfilment.pack_units(
                    self.ctx(), order=order, tote=tote, carton=carton, item=item, quantity=quantity
                )
        parcels = list(order.parcels.order_by("pk"))
        for parcel in parcels:
            fulfilment.close_parcel(
                parcel=parcel, weight_g=4000, length_mm=400, width_mm=300, height_mm=250
            )
        return parcels

    def deliver_outbox(self) -> int:
        """Deliver this integration's due outbox messages through the real Amazon handler."""
        assert self.integration is not None
        destination = f"amazon:{self.integration.pk}"
        wait_until = timezone.now() + dt.timedelta(seconds=settings.OUTBOX_COALESCE_SECONDS + 1)
        delivered = 0
        while True:
            pending = list(
                OutboxMessage.objects.filter(destination=destination, state=OutboxState.PENDING)
                .order_by("pk")
                .values_list("pk", "next_attempt_at")
            )
            due = [pk for pk, at in pending if at <= timezone.now()]
            for pk in due:
                outcome = delivery.deliver(pk)
                expect(outcome == delivery.Outcome.DELIVERED, f"outbox message {pk}: {outcome}")
                delivered += 1
            if not pending or timezone.now() > wait_until:
                return delivered
            if not due:
                time.sleep(0.2)  # coalescing window (OUTBOX_COALESCE_SECONDS) not over yet


Step = Callable[[Rehearsal], str]


def set_up_brand(r: Rehearsal) -> str:
    """A brand with three items, one of which never moves, a warehouse and stock."""
    r.client = Client.objects.create(code=f"R{r.run}", name=f"Rehearsal brand {r.run}")
    ChannelRule.objects.create(client=r.client, channel="amazon")
    r.operator = User.objects.create_user(username=f"rehearsal-{r.run}", role=Role.OPERATOR)
    r.warehouse = layout.create_warehouse(
        code=f"R{r.run}",
        name=f"Rehearsal {r.run}",
        time_zone="America/New_York",
        address_line1="100 Dock Rd",
        city="Philadelphia",
        region="PA",
        postal_code="19148",
        country="US",
    )
    for name, kind, seq in (
        ("dock", LocationType.DOCK, 0),
        ("face", LocationType.PICK_FACE, 10),
        ("face2", LocationType.PICK_FACE, 20),
        ("pack", LocationType.PACK_STATION, 0),
        ("lane", LocationType.SHIP_LANE, 0),
    ):
        r.places[name] = layout.create_location(
            warehouse=r.warehouse, code=f"{name.upper()}-{r.run}", type=kind, sequence=seq
        )
    for name in ("TENT", "MUG", "IDLE"):
        r.items[name] = catalog.create_item(
            client=r.client, sku=r.sku(name), description=f"Rehearsal {name.lower()}"
        )
    for name, quantity, at in (("TENT", 10, "face"), ("MUG", 8, "face2")):
        item = r.items[name]
        touches.receive(r.ctx(), item=item, quantity=quantity, location=r.places["dock"])
        touches.stow(
            r.ctx(),
            item=item,
            lot=None,
            quantity=quantity,
            from_location=r.places["dock"],
            to_location=r.places[at],
        )
    # The brand's offers exist on Amazon (created in Seller Central), at 0 until we go live.
    r.sim("POST", "/listings", {r.sku(n): {"quantity": 0} for n in r.items})
    return f"client {r.client.code}: 3 items, 10 × TENT and 8 × MUG stocked, IDLE never moves"


def register_integration(r: Rehearsal) -> str:
    assert r.client is not None
    creds = Credentials()
    name = f"R{r.run}"
    os.environ[f"AMAZON_{name}_LWA_CLIENT_SECRET"] = creds.client_secret
    os.environ[f"AMAZON_{name}_REFRESH_TOKEN"] = creds.refresh_token
    service, _ = CarrierService.objects.get_or_create(
        code="UPS_GROUND", defaults={"carrier": "UPS", "name": "UPS Ground", "level": "standard"}
    )
    r.integration, went_live = integrations.connect(
        client=r.client,
        seller_id=SELLER,
        marketplace_ids=["ATVPDKIKX0DER"],
        lwa_client_id=creds.client_id,
        secrets_name=name,
        default_service=service,
        ship_from_phone="+1 215 555 0100",
    )
    expect(went_live and r.integration.active, "the integration did not become active")
    return f"seller {SELLER} active, Login with Amazon accepted the refresh token"


def go_live_feed(r: Rehearsal) -> str:
    assert r.integration is not None
    with patient_client(r.integration) as api:
        sync = catalogue.sync_catalogue(r.integration, cause="go-live", api=catalogue.borrowed(api))
        outcome = catalogue.wait_for_feed(
            r.integration, sync.feed_id, api=catalogue.borrowed(api), poll_seconds=0.2
        )
    expect(outcome.status == "DONE", f"feed {sync.feed_id} ended {outcome.status}")
    expect(not outcome.errors, f"Amazon refused {[e.msku for e in outcome.errors]}")
    shown = r.sim("GET", "/state")["effects"]["availability"]
    wanted = {r.sku("TENT"): 10, r.sku("MUG"): 8, r.sku("IDLE"): 0}
    got = {sku: shown.get(sku) for sku in wanted}
    expect(got == wanted, f"Amazon shows {got}, expected {wanted}")
    return f"feed {sync.feed_id} DONE: 3 listings (the idle one too) in one JSON_LISTINGS_FEED"


def import_orders(r: Rehearsal) -> str:
    assert r.integration is not None
    placed = r.sim(
        "POST", "/orders", {"items": [{"SellerSKU": r.sku("TENT"), "QuantityOrdered": 2}]}
    )
    r.amazon_order_id = placed["AmazonOrderId"]
    with patient_client(r.integration) as api:
        adapter.import_orders(r.integration, timezone.now() - dt.timedelta(hours=1), api=api)
    r.order = Order.objects.filter(channel="amazon", external_id=r.amazon_order_id).first()
    expect(r.order is not None, f"order {r.amazon_order_id} was not imported")
    assert r.order is not None
    expect(r.order.state == OrderState.RESERVED, f"order is {r.order.state}, not reserved")
    return f"order {r.amazon_order_id} imported and reserved (2 × TENT)"


def pick_pack_ship(r: Rehearsal) -> str:
    assert r.order is not None
    [parcel] = r.pick_and_pack(r.order, [[(r.items["TENT"], 2)]])
    r.shipment = fulfilment.ship_order(
        r.ctx(), order=r.order, carrier="UPS", tracking={parcel.pk: TRACKING}
    )
    r.order.refresh_from_db()
    expect(r.order.state == OrderState.SHIPPED, f"order is {r.order.state}, not shipped")
    return f"picked, packed in 1 carton and shipped with {TRACKING}"


def confirm_shipment(r: Rehearsal) -> str:
    assert r.integration is not None and r.order is not None
    sent = r.deliver_outbox()  # order_shipped → confirmShipment, and the stock changes
    state = r.sim("GET", "/state")
    status = state["orders"][r.amazon_order_id]["OrderStatus"]
    expect(status == "Shipped", f"Amazon shows the order {status}")
    tracking = [p["trackingNumber"] for p in state["shipments"].get(r.amazon_order_id, [])]
    expect(tracking == [TRACKING], f"Amazon has tracking {tracking}")
    row = AmazonOrder.objects.get(integration=r.integration, amazon_order_id=r.amazon_order_id)
    expect(row.shipment_confirmed_at is not None, "the confirmation was not recorded")
    return f"{sent} outbox message(s) delivered; Amazon shows Shipped with {TRACKING}"


def reconcile(r: Rehearsal) -> str:
    assert r.integration is not None
    with patient_client(r.integration) as api:
        done = adapter.reconcile_now(r.integration, api=catalogue.borrowed(api))
        outcome = catalogue.wait_for_feed(
            r.integration, done.sync.feed_id, api=catalogue.borrowed(api), poll_seconds=0.2
        )
    found = done.reconciled
    expect(len(found.lines) == 3, f"{len(found.lines)} listings reconciled, not 3")
    differ = {x.msku: x.delta for x in found.lines if x.delta}
    expect(not differ and not found.held, f"Amazon and we differ: {differ}")
    expect(outcome.status == "DONE", f"feed {done.sync.feed_id} ended {outcome.status}")
    return "3 listings agree with Amazon (TENT 8 after the shipment); catalogue feed DONE"


def fba_inbound(r: Rehearsal) -> str:
    assert r.client is not None and r.integration is not None
    service = r.integration.default_service
    order = import_order(
        client=r.client,
        channel="manual",
        external_id=f"FBA-{r.run}",
        ship_to={
            "name": "Amazon ABE2",
            "line1": "705 Boulder Dr",
            "city": "Breinigsville",
            "region": "PA",
            "postal_code": "18031",
            "country": "US",
        },
        service=service,
        lines=[LineIn(r.items["MUG"], 6)],
    ).order
    r.pick_and_pack(order, [[(r.items["MUG"], 4)], [(r.items["MUG"], 2)]])
    with patient_client(r.integration) as api:
        plan = adapter.fba_inbound_plan(r.integration, order, api=api)
    expect(plan.step == "labelled", f"the plan stopped at {plan.step}: {plan.problem}")
    expect(bool(plan.box_labels and plan.labels), "no labels came back")
    return (
        f"plan {plan.inbound_plan_id[:14]}…: 2 cartons placed, partnered carrier confirmed, "
        f"labels for {plan.confirmation_ids[0]}"
    )


STEPS: list[tuple[str, Step]] = [
    ("set up a rehearsal brand", set_up_brand),
    ("register and activate the integration", register_integration),
    ("go-live feed of every listing", go_live_feed),
    ("import orders", import_orders),
    ("pick, pack and ship", pick_pack_ship),
    ("confirm the shipment to Amazon", confirm_shipment),
    ("reconcile", reconcile),
    ("FBA inbound plan", fba_inbound),
]


class _Rollback(Exception):
    pass


@contextmanager
def pointed_at(url: str) -> Iterator[None]:
    """The adapter talks to the simulator for the rehearsal only."""
    saved = settings.AMAZON_SP_API_URL, settings.AMAZON_LWA_URL
    settings.AMAZON_SP_API_URL = settings.AMAZON_LWA_URL = url
    try:
        yield
    finally:
        settings.AMAZON_SP_API_URL, settings.AMAZON_LWA_URL = saved


def rehearse(*, url: str | None, out: Callable[[str, bool, str], None], keep: bool = False) -> bool:
    """Run every step against the simulator at `url` (or one started here); True when all pass."""
    sim = None if url else Simulator(seller_id=SELLER).start()
    r = Rehearsal(sim_url=url or (sim.url if sim else ""))
    passed = True
    try:
        with pointed_at(r.sim_url), transaction.atomic():
            for name, step in STEPS:
                if not passed:
                    out(name, False, "not run: an earlier step failed")
                    continue
                try:
                    with transaction.atomic():  # a failed step leaves the database usable
                        detail = step(r)
                except Exception as exc:  # any failure at all is this step's FAIL line
                    passed = False
                    out(name, False, f"{type(exc).__name__}: {exc}")
                else:
                    out(name, True, detail)
            if not keep:
                raise _Rollback
    except _Rollback:
        pass
    finally:
        if sim is not None:
            sim.stop()
    return passed
