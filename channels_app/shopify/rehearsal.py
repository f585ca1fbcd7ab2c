"""The Shopify go-live rehearsal: the whole flow against a simulator, one PASS/FAIL line per step.

    register service → subscribe webhooks → go-live stock sync → fulfillment request imported →
    pick / pack / ship → fulfillment with tracking → reconcile → return

Every step goes through the doors a user has (registration.py, stock.py, the callback view, the
floor's services, the outbox handler), over real HTTP: Shopify's callback reaches our Django
application on a local port, and outbox messages are delivered in-process (no worker needed).
It writes a brand of its own per run (code ``R<hex>``) into the database it is given, so it never
touches a real brand's stock. ``python manage.py rehearse_shopify`` prints the lines.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.test import override_settings
from django.utils import timezone

from channels_app.outbox import delivery
from channels_app.shopify import registration, stock
from channels_app.shopify.models import ShopifyException, ShopifyReturnDisposal, ShopifyStore
from wms.accounts.models import Role, User
from wms.catalog import services as catalog
from wms.catalog.models import Client, Item
from wms.inbound import returns as rma
from wms.inbound.models import Disposition, Grade
from wms.inventory import touches
from wms.inventory.ledger import ScanContext
from wms.inventory.models import ChannelAvailability, ChannelRule
from wms.layout import services as layout
from wms.layout.models import ContainerType, Location, LocationType, Warehouse
from wms.orders import fulfilment
from wms.orders.models import CarrierService, Order, OrderState
from wms.outbox import queue
from wms.outbox.models import OutboxMessage, OutboxState

SECRETS = "REHEARSAL"


@dataclass
class Step:
    name: str
    ok: bool
    detail: str

    @property
    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


class StepFailed(AssertionError):
    pass


def check(condition: bool, why: str) -> None:
    if not condition:
        raise StepFailed(why)


@dataclass
class Floor:
    warehouse: Warehouse
    dock: Location
    face: Location
    pack: Location
    returns: Location
    operator: User
    supervisor: User

    def ctx(self) -> ScanContext:
        return ScanContext(scan_id=uuid.uuid4(), actor=self.operator, device="rehearsal")


@dataclass
class Rehearsal:
    sim_url: str
    access_token: str
    webhook_secret: str
    shop_domain: str
    say: Callable[[str], None]
    steps: list[Step] = field(default_factory=list)
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6].upper())

    # --- plumbing -------------------------------------------------------------------------

    def sim(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.sim_url}/_sim{path}", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def deliver(self, store: ShopifyStore) -> list[str]:
        due = OutboxMessage.objects.filter(
            destination=store.destination, state=OutboxState.PENDING
        ).order_by("pk")
        return [f"{m.kind}:{delivery.deliver(m.pk)}" for m in due]

    def step(self, name: str, body: Callable[[], str]) -> bool:
        try:
            detail = body()
            ok = True
        except Exception as exc:  # a rehearsal reports every failure as its step's FAIL line
            detail, ok = f"{type(exc).__name__}: {exc}", False
        result = Step(name, ok, detail)
        self.steps.append(result)
        self.say(result.line)
        return ok

    # --- set-up -----------------------------------------------------------------------------

    def setup(self) -> tuple[ShopifyStore, Floor, list[Item]]:
        code = f"R{self.run}"
        client = Client.objects.create(code=code, name=f"Rehearsal {self.run}")
        ChannelRule.objects.create(client=client, channel="shopify")
        wh = layout.create_warehouse(code=code, name=f"Rehearsal {code}", time_zone="UTC")

        def loc(name: str, kind: LocationType, seq: int = 0) -> Location:
            return layout.create_location(warehouse=wh, code=name, type=kind, sequence=seq)

        floor = Floor(
            warehouse=wh,
            dock=loc("DOCK-1", LocationType.DOCK),
            face=loc("P-01", LocationType.PICK_FACE, 10),
            pack=loc("PACK-1", LocationType.PACK_STATION),
            returns=loc("RET-1", LocationType.RETURNS),
            operator=User.objects.create(username=f"op-{code.lower()}", role=Role.OPERATOR),
            supervisor=User.objects.create(username=f"sup-{code.lower()}", role=Role.SUPERVISOR),
        )
        loc("LANE-1", LocationType.SHIP_LANE)
        loc("QUAR-1", LocationType.QUARANTINE)
        items = [
            catalog.create_item(client=client, sku=f"{code}-{n}", description=f"Rehearsal {n}")
            for n in ("TENT", "MUG", "LAMP")
        ]
        self.sim("POST", "/products", {item.sku: {"available": 0} for item in items})
        for n, item in enumerate(items):
            touches.receive(floor.ctx(), item=item, quantity=4 + n, location=floor.dock)
            touches.stow(
                floor.ctx(),
                item=item,
                lot=None,
                quantity=4 + n,
                from_location=floor.dock,
                to_location=floor.face,
            )
        service, _ = CarrierService.objects.get_or_create(
            code="UPS_GROUND",
            defaults={"carrier": "UPS", "name": "UPS Ground", "level": "standard"},
        )
        earlier = ShopifyStore.objects.filter(shop_domain=self.shop_domain).first()
        if earlier is not None and earlier.secrets_name != SECRETS:
            raise StepFailed(
                f"{self.shop_domain} is a real store here (secrets {earlier.secrets_name}); "
                "rehearse against a simulator's own shop domain."
            )
        if earlier is not None:  # an earlier rehearsal against the same simulator: this run's now
            ShopifyStore.objects.filter(pk=earlier.pk).update(
                client=client, default_service=service, active=True, uninstalled_at=None
            )
            return ShopifyStore.objects.get(pk=earlier.pk), floor, items
        store = ShopifyStore.objects.create(
            client=client,
            shop_domain=self.shop_domain,
            secrets_name=SECRETS,
            default_service=service,
        )
        return store, floor, items

    # --- the flow ---------------------------------------------------------------------------

    def run_all(self, callback_base: str) -> bool:
        try:
            store, floor, items = self.setup()
        except (StepFailed, httpx.HTTPError) as exc:
            self.say(Step("set up the rehearsal brand", False, str(exc)).line)
            return False
        context: dict[str, Any] = {}

        def register() -> str:
            registered = registration.register_service(store)
            store.refresh_from_db()
            services = self.sim("GET", "/state")["services"]
            check(store.fulfillment_service_id in services, "Shopify does not list our service")
            url = services[store.fulfillment_service_id]["callbackUrl"]
            check(url.startswith(callback_base), f"callback URL is {url}")
            return registered.message

        def webhooks() -> str:
            subscribed = registration.subscribe_webhooks(store)
            topics = {h["topic"] for h in self.sim("GET", "/golive")["webhooks"]}
            check(topics >= set(registration.TOPICS), f"subscribed only {sorted(topics)}")
            return subscribed.message

        def sync() -> str:
            synced = stock.sync_stock(store)
            shown = self.sim("GET", "/state")["available"]
            ours = {i.sku: _ours(i) for i in items}
            check(all(shown.get(s) == q and q > 0 for s, q in ours.items()), f"{shown} ≠ {ours}")
            return synced.message

        def fulfillment_request() -> str:
            created = self.sim("POST", "/orders", {"lines": [{"sku": items[0].sku, "quantity": 2}]})
            check(created.get("notification") == 200, f"callback answered {created}")
            order = Order.objects.get(
                channel="shopify", external_id=created["fulfillment_order_id"]
            )
            check(order.state == OrderState.RESERVED, f"order is {order.state}")
            fo = self.sim("GET", "/state")["fulfillment_orders"][created["fulfillment_order_id"]]
            check(fo["requestStatus"] == "ACCEPTED", f"request is {fo['requestStatus']}")
            context.update(created=created, order=order)
            return f"{created['name']} imported as order {order.pk}, reserved and accepted"

        def ship() -> str:
            order = context["order"]
            tracking = f"1ZREH{self.run}"
            _pick_pack_ship(floor, order, tracking)
            order.refresh_from_db()
            check(order.state == OrderState.SHIPPED, f"order is {order.state}")
            context["tracking"] = tracking
            return f"order {order.pk} picked, packed and shipped ({tracking})"

        def fulfilled() -> str:
            outcomes = self.deliver(store)
            fo_id = context["created"]["fulfillment_order_id"]
            state = self.sim("GET", "/state")
            numbers = [
                t["number"]
                for f in state["fulfillments"].values()
                for t in f["trackingInfo"]
                if f["id"]
                in (x["id"] for x in state["fulfillment_orders"][fo_id]["fulfillments"]["nodes"])
            ]
            check(numbers == [context["tracking"]], f"tracking at Shopify: {numbers} ({outcomes})")
            return f"fulfillment created with tracking {numbers[0]}"

        def reconcile() -> str:
            self.deliver(store)
            clean = stock.reconcile(store)
            beyond = [x.sku for x in clean.lines if x.beyond_tolerance]
            check(beyond == [], f"differences after the flow: {beyond}")
            drifted = items[1].sku
            self.sim("POST", "/inventory", {drifted: _ours(items[1]) + 3})
            caught = stock.reconcile(store)
            check(
                caught.opened == [drifted], f"a drift of {drifted} was not caught: {caught.message}"
            )
            stock.sync_stock(store)  # set right again, and the rehearsal's exception closed
            ShopifyException.objects.filter(store=store, sku=drifted, resolved_at=None).update(
                resolved_at=timezone.now()
            )
            return f"{clean.message} A drift of +3 on {drifted} became an exception."

        def returned() -> str:
            order = context["order"]
            self.sim(
                "POST",
                "/returns",
                {
                    "order_id": context["created"]["order_id"],
                    "lines": [{"sku": items[0].sku, "quantity": 1}],
                },
            )
            ret = rma.open_return(
                client=order.client, warehouse=floor.warehouse, rma=f"RMA-{self.run}", order=order
            )
            unit = rma.receive_return_units(
                floor.ctx(),
                ret=ret,
                item=items[0],
                quantity=1,
                grade=Grade.SELLABLE,
                location=floor.returns,
            )
            rma.dispose_return_unit(
                floor.ctx(), unit=unit, disposition=Disposition.RESTOCKED, to_location=floor.face
            )
            outcomes = self.deliver(store)
            check(
                ShopifyReturnDisposal.objects.filter(store=store).exists(),
                f"no disposal recorded ({outcomes})",
            )
            shown = self.sim("GET", "/state")["available"][items[0].sku]
            check(shown == _ours(items[0]), f"Shopify shows {shown}, we publish {_ours(items[0])}")
            return (
                f"RMA-{self.run} restocked at Shopify; {items[0].sku} available {shown} both sides"
            )

        flow = (
            ("register service", register),
            ("subscribe webhooks", webhooks),
            ("go-live stock sync", sync),
            ("fulfillment request imported", fulfillment_request),
            ("pick / pack / ship", ship),
            ("fulfillment with tracking", fulfilled),
            ("reconcile", reconcile),
            ("return", returned),
        )
        for n, (name, body) in enumerate(flow):
            if not self.step(name, body):
                for later, _body in flow[n + 1 :]:
                    self.say(Step(later, False, "not reached (an earlier step failed)").line)
                return False
        return True


def _ours(item: Item) -> int:
    row = ChannelAvailability.objects.filter(item=item, channel="shopify").first()
    return max(0, int(row.quantity)) if row else 0


def _pick_pack_ship(floor: Floor, order: Order, tracking: str) -> None:
    """The floor's scans for one order, through the services the RF screens call."""
    fulfilment.release_wave(warehouse=floor.warehouse, actor=floor.supervisor)
    tote = layout.create_container(
        warehouse=floor.warehouse,
        type=ContainerType.TOTE,
        barcode=f"T-{uuid.uuid4().hex[:8]}",
        location=floor.pack,
    )
    carton = layout.create_container(
        warehouse=floor.warehouse,
        type=ContainerType.CARTON,
        barcode=f"C-{uuid.uuid4().hex[:8]}",
        location=floor.pack,
    )
    while (task := fulfilment.next_task(warehouse=floor.warehouse)) is not None:
        fulfilment.confirm_pick(floor.ctx(), task=task, tote=tote, quantity=task.quantity)
    order.refresh_from_db()
    for line in order.lines.select_related("item"):
        fulfilment.pack_units(
            floor.ctx(),
            order=order,
            tote=tote,
            carton=carton,
            item=line.item,
            quantity=line.quantity,
        )
    parcel = order.parcels.get()
    fulfilment.close_parcel(
        parcel=parcel, weight_g=2000, length_mm=400, width_mm=300, height_mm=200
    )
    fulfilment.ship_order(floor.ctx(), order=order, carrier="UPS", tracking={parcel.pk: tracking})


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def handle(self) -> None:
        try:
            super().handle()
        finally:
            connections.close_all()  # this server thread's own connections, none left behind


@contextmanager
def our_web_server() -> Iterator[str]:
    """Our Django application on a local port, so Shopify's callbacks reach the real views."""
    server: WSGIServer = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def simulator_env(
    sim_url: str, callback_base: str, access_token: str, webhook_secret: str
) -> Iterator[None]:
    """Point this process at the simulator; deliveries in-process, not through the broker."""
    saved = {
        k: os.environ.get(k)
        for k in (f"SHOPIFY_{SECRETS}_ACCESS_TOKEN", f"SHOPIFY_{SECRETS}_WEBHOOK_SECRET")
    }
    os.environ[f"SHOPIFY_{SECRETS}_ACCESS_TOKEN"] = access_token
    os.environ[f"SHOPIFY_{SECRETS}_WEBHOOK_SECRET"] = webhook_secret
    queue.set_dispatcher(None)
    try:
        with override_settings(
            SHOPIFY_ADMIN_URL=sim_url,
            SHOPIFY_CALLBACK_BASE_URL=callback_base,
            SHOPIFY_TIMEOUT=30.0,
            OUTBOX_COALESCE_SECONDS=0,
        ):
            yield
    finally:
        from channels_app.outbox import tasks

        queue.set_dispatcher(tasks.dispatch)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
