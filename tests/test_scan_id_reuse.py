"""A scan id names one request. Sent again for the same request (same door, payload and actor) it
replays; sent for anything else it is refused (409 `scan_id_reused`, or the RF screen's red line)
and writes nothing — through every door that takes a scan id, API and RF alike.

Hypothesis draws which earlier request used the id (another door, the same door with another
payload, or the same payload from another user). Each example runs in a transaction rolled back at
its end, on one warehouse built per test: stock in every place a door takes from, an order picked
into a tote, two orders packed and closed, open pick tasks and a done one, an ASN and an RMA.
Before the reuse, the door's request is sent once with a fresh id (and rolled back) to prove it is
a request the door accepts: the refusal is about the id, nothing else.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.conftest import api_as
from tests.factories import Site, UserFactory, ctx, place, stock
from tests.rf import Scanner, Shown
from wms.accounts.models import Role, User
from wms.catalog.models import Client, Item
from wms.floor.models import RfSubmission
from wms.inbound import services as inbound
from wms.inbound.models import ExpectedReceipt, ExpectedReceiptLine, Grade, Return, ReturnUnit
from wms.inventory import touches
from wms.inventory.models import Balance, Scan, StockStatus, Touch
from wms.layout import services as layout
from wms.layout.models import Container, ContainerType
from wms.orders import fulfilment
from wms.orders.models import Event, Order, OrderLine, Parcel, PickTask, Shipment

# Derandomized: the same draws on every run, so a door fails or passes, never by luck.
pytestmark = pytest.mark.slow  # a warehouse per door and a few dozen requests per example set

REUSE = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class World:
    site: Site
    tent: Item
    sam: User  # the door's caller
    sue: User  # another supervisor: the same payload from her is another request
    pallet: Container
    to_pack: Order  # picked into `pack_tote`, 4 units
    pack_tote: Container
    pack_carton: Container
    to_ship: list[Order]  # packed and closed
    open_tasks: list[tuple[PickTask, Container]]  # with an empty tote each
    done_task: tuple[PickTask, Container]
    receipt: ExpectedReceipt
    rma: Return
    units: list[ReturnUnit]  # pending a disposition


def picked(site: Site, client: Client, item: Item, quantity: int, sam: User, name: str) -> Order:
    order = place(client, name, [(item, quantity)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    tote = site.tote(f"T-{name}")
    for task in PickTask.objects.filter(order=order):
        fulfilment.confirm_pick(ctx(sam), task=task, tote=tote, quantity=task.quantity)
    order.refresh_from_db()
    return order


def packed_and_closed(site: Site, client: Client, item: Item, sam: User, name: str) -> Order:
    order = picked(site, client, item, 1, sam, name)
    tote = Container.objects.get(barcode=f"T-{name}")
    carton = site.carton(f"C-{name}")
    fulfilment.pack_units(ctx(sam), order=order, tote=tote, carton=carton, item=item, quantity=1)
    fulfilment.close_parcel(
        parcel=order.parcels.get(), weight_g=1000, length_mm=300, width_mm=200, height_mm=100
    )
    order.refresh_from_db()
    return order


@pytest.fixture
def world(site: Site, nwo: Client, tent: Item, oscar: User, sam: User) -> World:
    sue = UserFactory.create(username="sue", role=Role.SUPERVISOR)
    stock(site, tent, 20, oscar)  # the pick face, for the orders
    stock(site, tent, 30, oscar, at=site.storage1)  # loose stock for the raw doors
    stock(site, tent, 10, oscar, at=site.storage2)  # counted
    touches.receive(ctx(oscar), item=tent, quantity=20, location=site.dock)  # to stow
    touches.quarantine(
        ctx(oscar),
        item=tent,
        quantity=10,
        location=site.storage1,
        to_location=site.quarantine,
        reason_code="damaged",
    )
    touches.receive_return(
        ctx(oscar),
        item=tent,
        quantity=10,
        location=site.returns,
        reference="RMA-0",
        status=StockStatus.DAMAGED,
    )
    pallet = layout.create_container(
        warehouse=site.warehouse, type=ContainerType.PALLET, barcode="PLT-1", location=site.dock
    )
    touches.receive(ctx(oscar), item=tent, quantity=5, location=site.dock, container=pallet)
    touches.move_container(ctx(oscar), container=pallet, to_location=site.staging)

    to_pack = picked(site, nwo, tent, 4, sam, "PACK")
    to_ship = [packed_and_closed(site, nwo, tent, sam, f"SHIP{n}") for n in (1, 2)]
    done = picked(site, nwo, tent, 1, sam, "DONE")
    opened = [place(nwo, f"OPEN{n}", [(tent, 1)]) for n in (1, 2)]
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)

    receipt = inbound.create_receipt(
        client=nwo, warehouse=site.warehouse, reference="ASN-1", lines=[(tent, 100)]
    )
    rma = inbound.open_return(client=nwo, warehouse=site.warehouse, rma="RMA-1")
    units = [
        inbound.receive_return_units(
            ctx(oscar), ret=rma, item=tent, quantity=1, grade=Grade.DAMAGED, location=site.returns
        )
        for _ in range(2)
    ]
    return World(
        site=site,
        tent=tent,
        sam=sam,
        sue=sue,
        pallet=pallet,
        to_pack=to_pack,
        pack_tote=Container.objects.get(barcode="T-PACK"),
        pack_carton=site.carton("C-PACK"),
        to_ship=to_ship,
        open_tasks=[
            (PickTask.objects.get(order=o), site.tote(f"T-{o.external_id}")) for o in opened
        ],
        done_task=(PickTask.objects.get(order=done), Container.objects.get(barcode="T-DONE")),
        receipt=receipt,
        rma=rma,
        units=units,
    )


def snapshot() -> tuple[object, ...]:
    """Every row a scan-taking door writes: the ledger and each door's own records."""
    return (
        Scan.objects.count(),
        Touch.objects.count(),
        RfSubmission.objects.count(),
        Event.objects.count(),
        Parcel.objects.count(),
        Shipment.objects.count(),
        list(Balance.objects.order_by("pk").values_list("pk", "quantity")),
        list(PickTask.objects.order_by("pk").values_list("pk", "state", "picked", "tote_id")),
        list(Order.objects.order_by("pk").values_list("pk", "state")),
        list(OrderLine.objects.order_by("pk").values_list("pk", "picked", "packed", "shipped")),
        list(ReturnUnit.objects.order_by("pk").values_list("pk", "disposition", "quantity")),
        list(ExpectedReceiptLine.objects.order_by("pk").values_list("pk", "received")),
        list(Container.objects.order_by("pk").values_list("pk", "location_id")),
    )


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- the API doors ------------------------------------------------------------------------------

Request = tuple[str, dict[str, Any]]  # path, body without the scan id


@dataclass(frozen=True)
class Door:
    name: str
    request: Callable[[World, int], Request]  # variant 0 or 1: two different payloads
    accepts_fresh: bool = True  # False: the door refuses this request even with a new id


def raw(kind: str, body: Callable[[World, int], dict[str, Any]]) -> Door:
    return Door(f"scan {kind}", lambda w, v: (f"/api/scans/{kind}/", body(w, v)))


def _loc(w: World, name: str) -> int:
    return int(getattr(w.site, name).pk)


API_DOORS = [
    raw(
        "receive", lambda w, v: {"item": w.tent.pk, "quantity": 1 + v, "location": _loc(w, "dock")}
    ),
    raw(
        "stow",
        lambda w, v: {
            "item": w.tent.pk,
            "quantity": 1 + v,
            "from_location": _loc(w, "dock"),
            "to_location": _loc(w, "storage2"),
        },
    ),
    raw(
        "move",
        lambda w, v: {
            "item": w.tent.pk,
            "quantity": 1 + v,
            "from_location": _loc(w, "storage1"),
            "to_location": _loc(w, "storage2"),
        },
    ),
    raw(
        "move-container",
        lambda w, v: {"container": w.pallet.pk, "to_location": _loc(w, ("storage2", "lane")[v])},
    ),
    raw(
        "quarantine",
        lambda w, v: {
            "item": w.tent.pk,
            "quantity": 1 + v,
            "location": _loc(w, "storage1"),
            "reason_code": "damaged",
        },
    ),
    raw(
        "release",
        lambda w, v: {
            "item": w.tent.pk,
            "quantity": 1 + v,
            "location": _loc(w, "quarantine"),
            "reason_code": "inspected",
        },
    ),
    raw(
        "relabel",
        lambda w, v: {
            "item": w.tent.pk,
            "quantity": 1 + v,
            "location": _loc(w, "storage1"),
            "new_label": w.tent.sku,
        },
    ),
    raw(
        "adjust",
        lambda w, v: {
            "item": w.tent.pk,
            "location": _loc(w, "storage1"),
            "delta": (1, -1)[v],
            "reason_code": "found",
        },
    ),
    raw(
        "count",
        lambda w, v: {"item": w.tent.pk, "location": _loc(w, "storage2"), "counted": 10 + v},
    ),
    raw(
        "return",
        lambda w, v: {
            "item": w.tent.pk,
            "quantity": 1 + v,
            "location": _loc(w, "returns"),
            "reference": "RMA-9",
        },
    ),
    raw(
        "dispose",
        lambda w, v: {
            "item": w.tent.pk,
            "quantity": 1 + v,
            "location": _loc(w, "returns"),
            "reason_code": "crushed",
        },
    ),
    Door(
        "order pack",
        lambda w, v: (
            f"/api/orders/{w.to_pack.pk}/pack/",
            {
                "tote": w.pack_tote.barcode,
                "carton": w.pack_carton.barcode,
                "item": w.tent.pk,
                "quantity": 1 + v,
            },
        ),
    ),
    Door(
        "order ship",
        lambda w, v: (
            f"/api/orders/{w.to_ship[v].pk}/ship/",
            {
                "carrier": "UPS",
                "tracking": {str(w.to_ship[v].parcels.get().pk): f"1Z99900{v}"},
            },
        ),
    ),
    Door(
        "pick-task confirm",
        lambda w, v: (
            f"/api/pick-tasks/{w.open_tasks[v][0].pk}/confirm/",
            {"tote": w.open_tasks[v][1].barcode, "quantity": 1},
        ),
    ),
    Door(
        "pick-task confirm, task done",
        lambda w, v: (
            f"/api/pick-tasks/{w.done_task[0].pk}/confirm/",
            {"tote": w.done_task[1].barcode, "quantity": 1 + v},
        ),
        accepts_fresh=False,
    ),
    Door(
        "receipt receive",
        lambda w, v: (
            f"/api/receipts/{w.receipt.pk}/receive/",
            {"item": w.tent.pk, "quantity": 1 + v, "location": _loc(w, "dock")},
        ),
    ),
    Door(
        "return receive",
        lambda w, v: (
            f"/api/returns/{w.rma.pk}/receive/",
            {
                "item": w.tent.pk,
                "quantity": 1,
                "grade": (Grade.DAMAGED, Grade.SELLABLE)[v],
                "location": _loc(w, "returns"),
            },
        ),
    ),
    Door(
        "return dispose",
        lambda w, v: (
            f"/api/returns/{w.rma.pk}/units/{w.units[v].pk}/dispose/",
            {"disposition": "disposed"},
        ),
    ),
]
DOORS = {door.name: door for door in API_DOORS}


def post(client: APIClient, request: Request, scan_id: uuid.UUID) -> Any:
    path, body = request
    return client.post(path, {**body, "scan_id": str(scan_id)}, format="json")


@dataclass(frozen=True)
class Earlier:
    """Who used the scan id first, and for what."""

    door: str
    variant: int
    by_sue: bool


# A shipment is the one door that does not keep the scan id it was sent (each parcel's touch takes
# an id derived from it, fulfilment.derived): as the first use it would fail every other door, so
# it is left out here and has its own test below.
FIRST_USE_DOORS = sorted(name for name in DOORS if name != "order ship")
earlier_uses = st.builds(
    Earlier, door=st.sampled_from(FIRST_USE_DOORS), variant=st.integers(0, 1), by_sue=st.booleans()
)


def examples_for(door_name: str) -> list[Earlier]:
    """Always tried, before the drawn ones: the same door with the other payload, the same payload
    from another user, and another kind of scan."""
    other_kind = "scan adjust" if door_name == "scan receive" else "scan receive"
    return [
        Earlier(door_name, 1, by_sue=False),
        Earlier(door_name, 0, by_sue=True),
        Earlier(other_kind, 0, by_sue=False),
    ]


def use_first(w: World, earlier: Earlier, scan_id: uuid.UUID) -> None:
    client = api_as(w.sue if earlier.by_sue else w.sam)
    door = DOORS[earlier.door]
    response = post(client, door.request(w, earlier.variant), scan_id)
    if door.accepts_fresh:
        assert response.status_code in (200, 201), (earlier, response.json())
    # A door that refuses this request (a done task) writes nothing; the id stays unused.


@pytest.mark.parametrize("door", API_DOORS, ids=lambda d: d.name)
def test_an_api_door_refuses_a_scan_id_used_for_another_request(
    door: Door, world: World, db: None
) -> None:
    sam = api_as(world.sam)
    mine = door.request(world, 0)

    if door.accepts_fresh:
        with rolled_back():
            fresh = post(sam, mine, uuid.uuid4())
            assert fresh.status_code in (200, 201), fresh.json()

    def reused(earlier: Earlier) -> None:
        same_request = earlier.door == door.name and earlier.variant == 0 and not earlier.by_sue
        if same_request or not DOORS[earlier.door].accepts_fresh:
            return  # a true repeat replays (tested elsewhere); a refused first use took no id
        with rolled_back():
            scan_id = uuid.uuid4()
            use_first(world, earlier, scan_id)
            before = snapshot()
            response = post(sam, mine, scan_id)
            assert response.status_code == 409, (earlier, response.status_code, response.json())
            assert response.json()["error"] == "scan_id_reused"
            assert snapshot() == before

    run = given(earlier=earlier_uses)(reused)
    for case in examples_for(door.name):
        run = example(earlier=case)(run)
    REUSE(run)()


def test_a_shipment_keeps_the_scan_id_it_was_sent(world: World, db: None) -> None:
    """The ship door's id names the shipment: another request with it is refused."""
    scan_id = uuid.uuid4()
    shipped = post(api_as(world.sam), DOORS["order ship"].request(world, 0), scan_id)
    assert shipped.status_code == 201, shipped.json()
    before = snapshot()
    response = post(api_as(world.sam), DOORS["scan receive"].request(world, 0), scan_id)
    assert response.status_code == 409, response.json()
    assert response.json()["error"] == "scan_id_reused"
    assert snapshot() == before


# --- the RF screens ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RfDoor:
    """A flow driven up to its committing submit, which is then sent with the reused id."""

    slug: str
    steps: Callable[[World], list[str]]
    commit: Callable[[World, Shown], tuple[str, str]]  # value, action, given the screen shown


# Three units at every screen: no API variant (one or two units) asks the ledger the same thing.
RF_DOORS = [
    RfDoor("stow", lambda w: ["DOCK-1", "3"], lambda w, shown: (suggested(shown), "")),
    RfDoor("move", lambda w: ["A-01-1", "NWO-TENT", "3"], lambda w, shown: ("A-02-1", "")),
    RfDoor("quarantine", lambda w: ["A-01-1", "NWO-TENT", "3"], lambda w, shown: ("", "damaged")),
    RfDoor("pick", lambda w: ["P-01", "NWO-TENT", "1"], lambda w, shown: ("T-RF", "")),
    RfDoor(
        "pack", lambda w: ["PACK-1", w.pack_tote.barcode, "C-RF"], lambda w, shown: ("NWO-TENT", "")
    ),
    RfDoor(
        "receive", lambda w: ["ASN-1", "DOCK-1", "!noplate", "NWO-TENT"], lambda w, shown: ("3", "")
    ),
    RfDoor("release", lambda w: ["QUAR-1", "NWO-TENT", "3"], lambda w, shown: ("", "inspected_ok")),
    RfDoor("relabel", lambda w: ["A-01-1", "NWO-TENT", "3"], lambda w, shown: ("NWO-TENT", "")),
    RfDoor(
        "returns", lambda w: ["RMA-1", "RET-1", "NWO-TENT", "!sellable"], lambda w, shown: ("3", "")
    ),
]


@dataclass(frozen=True)
class EarlierRf:
    """The id's first use: an API request, or a step of another RF flow (by either user)."""

    api: Earlier | None
    rf_by_sue: bool


earlier_rf_uses = st.builds(EarlierRf, api=st.none() | earlier_uses, rf_by_sue=st.booleans())


def suggested(shown: Shown) -> str:
    found = re.search(r"Put away to (\S+) and scan it", shown.prompt)
    assert found, shown.prompt
    return found.group(1)


def at_commit(w: World, door: RfDoor) -> Scanner:
    rf = Scanner(w.sam, w.site.warehouse)
    rf.open(door.slug)
    for step in door.steps(w):  # "!name" presses the button `name`; anything else is scanned
        shown = rf.scan(action=step[1:]) if step.startswith("!") else rf.scan(step)
        assert shown.tone != "error", f"{door.slug}: {step!r} refused: {shown.message}"
    return rf


def commit(rf: Scanner, door: RfDoor, w: World, scan_id: uuid.UUID) -> Shown:
    assert rf.shown is not None
    value, action = door.commit(w, rf.shown)
    shown_before = rf.shown
    shown = rf.scan(value, action=action, scan_id=scan_id)
    rf.shown = shown_before  # the same screen, to send the same submit again
    return shown


@pytest.mark.parametrize("door", RF_DOORS, ids=lambda d: d.slug)
def test_an_rf_screen_refuses_a_scan_id_used_for_another_request(
    door: RfDoor, world: World, db: None
) -> None:
    world.site.tote("T-RF")
    world.site.carton("C-RF")

    @REUSE
    @given(earlier=earlier_rf_uses)
    @example(earlier=EarlierRf(api=Earlier("scan receive", 0, by_sue=False), rf_by_sue=False))
    @example(earlier=EarlierRf(api=None, rf_by_sue=False))
    @example(earlier=EarlierRf(api=None, rf_by_sue=True))
    def reused(earlier: EarlierRf) -> None:
        if earlier.api is not None and not DOORS[earlier.api.door].accepts_fresh:
            return
        if door.slug == "pick" and earlier.api is not None and "confirm" in earlier.api.door:
            return  # the API would confirm the very task the screen holds: nothing left to refuse
        with rolled_back():
            rf = at_commit(world, door)
            with rolled_back():
                touches_before = Touch.objects.count()
                fresh = commit(rf, door, world, uuid.uuid4())
                assert fresh.tone != "error", fresh.message
                assert Touch.objects.count() > touches_before, fresh.message  # it commits
            scan_id = uuid.uuid4()
            if earlier.api is not None:
                use_first(world, earlier.api, scan_id)
            else:
                other = Scanner(world.sue if earlier.rf_by_sue else world.sam, world.site.warehouse)
                slug, value = ("stow", "DOCK-1") if door.slug == "move" else ("move", "A-01-1")
                other.open(slug)
                taken = other.scan(value, scan_id=scan_id)
                assert taken.tone != "error", taken.message  # accepted: the id is taken
            before = snapshot()
            shown = commit(rf, door, world, scan_id)
            assert shown.tone == "error", (earlier, shown.message)
            assert "scan id" in shown.message.lower(), shown.message
            assert snapshot() == before

    reused()


def test_every_scan_taking_api_door_is_covered() -> None:
    """The raw scan endpoints, less the order kinds only the order services may take."""
    from wms.api.scans import SCAN_ENDPOINTS

    raw_kinds = set(SCAN_ENDPOINTS) - {"pick", "pack", "ship"}
    assert {d.name.removeprefix("scan ") for d in API_DOORS if d.name.startswith("scan ")} == (
        raw_kinds
    )
