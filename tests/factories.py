"""Test data built through the real services (never by writing ledger rows directly)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import factory
from stdnum import ean

from wms.accounts.models import Role, User
from wms.catalog import services as catalog
from wms.catalog.models import Client, Item
from wms.inventory.ledger import ScanContext
from wms.layout import services as layout
from wms.layout.models import Container, ContainerType, Location, LocationType, Warehouse


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Brand {o.code}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.OPERATOR

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        """Get-or-create by username, with a real (saved) password so sign-in works."""
        user, created = model_class.objects.get_or_create(
            username=kwargs.pop("username"), defaults=kwargs
        )
        if created:
            user.set_password("pw-for-tests-only")
            user.save(update_fields=["password"])
        return user


def gtin(seed: int, length: int = 12) -> str:
    body = f"{seed:0{length - 1}d}"
    return body + ean.calc_check_digit(body)


def make_item(client: Client, sku: str, **fields: object) -> Item:
    return catalog.create_item(client=client, sku=sku, description=f"{sku} test item", **fields)


def ctx(user: User, device: str = "test") -> ScanContext:
    return ScanContext(scan_id=uuid.uuid4(), actor=user, device=device)


@dataclass
class Site:
    """A small warehouse with one location of each kind a flow needs."""

    warehouse: Warehouse
    dock: Location
    staging: Location
    face1: Location
    face2: Location
    storage1: Location
    storage2: Location
    pack: Location
    lane: Location
    quarantine: Location
    returns: Location

    def tote(self, barcode: str | None = None) -> Container:
        return layout.create_container(
            warehouse=self.warehouse,
            type=ContainerType.TOTE,
            barcode=barcode or f"T-{uuid.uuid4().hex[:8]}",
            location=self.pack,
        )

    def carton(self, barcode: str | None = None) -> Container:
        return layout.create_container(
            warehouse=self.warehouse,
            type=ContainerType.CARTON,
            barcode=barcode or f"C-{uuid.uuid4().hex[:8]}",
            location=self.pack,
        )


def make_site(code: str = "TST1") -> Site:
    wh = layout.create_warehouse(code=code, name=f"Test {code}", time_zone="America/New_York")

    def loc(name: str, type_: LocationType, seq: int = 0) -> Location:
        return layout.create_location(warehouse=wh, code=name, type=type_, sequence=seq)

    return Site(
        warehouse=wh,
        dock=loc("DOCK-1", LocationType.DOCK),
        staging=loc("STAGE-1", LocationType.STAGING),
        face1=loc("P-01", LocationType.PICK_FACE, 10),
        face2=loc("P-02", LocationType.PICK_FACE, 20),
        storage1=loc("A-01-1", LocationType.STORAGE, 30),
        storage2=loc("A-02-1", LocationType.STORAGE, 40),
        pack=loc("PACK-1", LocationType.PACK_STATION),
        lane=loc("LANE-1", LocationType.SHIP_LANE),
        quarantine=loc("QUAR-1", LocationType.QUARANTINE),
        returns=loc("RET-1", LocationType.RETURNS),
    )


ADDRESS = {
    "name": "Jo Doe",
    "line1": "1 Main St",
    "city": "New York",
    "region": "NY",
    "postal_code": "10001",
    "country": "US",
}


def stock(site: Site, item: Item, quantity: int, user: User, *, at: Location | None = None) -> None:
    """Receive and stow units to a sellable location (the first pick face by default)."""
    from wms.inventory import touches

    lot: dict[str, Any] = {}
    if item.tracks_lots:
        import datetime as dt

        lot = {"lot_code": "L1", "expiry_date": dt.date(2030, 1, 1)}
    touches.receive(ctx(user), item=item, quantity=quantity, location=site.dock, **lot)
    touches.stow(
        ctx(user),
        item=item,
        lot=item.lots.first(),
        quantity=quantity,
        from_location=site.dock,
        to_location=at or site.face1,
    )


def service(code: str = "UPS_GROUND", level: str = "standard") -> Any:
    from wms.orders.models import CarrierService

    found, _ = CarrierService.objects.get_or_create(
        code=code, defaults={"carrier": code.split("_")[0], "name": code, "level": level}
    )
    return found


def place(
    client: Client,
    external_id: str,
    lines: list[tuple[Item, int]],
    *,
    channel: str = "shopify",
    region: str = "NY",
    **extra: Any,
) -> Any:
    """Import an order the way every channel adapter does."""
    from wms.orders.services import LineIn, import_order

    return import_order(
        client=client,
        channel=channel,
        external_id=external_id,
        ship_to=ADDRESS | {"region": region},
        service=extra.pop("service", None) or service(),
        lines=[LineIn(item, n) for item, n in lines],
        **extra,
    ).order


@contextmanager
def changes_nothing(*also: Any) -> Iterator[None]:
    """Assert the block records nothing: no scan, touch or event, no balance moved, and none of
    `also` (querysets of (pk, field) rows the caller cares about) changed."""
    from wms.inventory.models import Balance, Scan, Touch
    from wms.orders.models import Event

    def snapshot() -> tuple[object, ...]:
        return (
            Scan.objects.count(),
            Touch.objects.count(),
            Event.objects.count(),
            list(Balance.objects.order_by("pk").values_list("pk", "quantity")),
            *(list(qs.order_by("pk")) for qs in also),
        )

    before = snapshot()
    yield
    assert snapshot() == before


def run_parallel(n: int, fn: Callable[[int], Any], *, start_within: float = 10) -> list[Any]:
    """Start n calls at the same instant, each on its own database connection (threads); return
    each one's result or exception. `start_within` bounds the wait for all n to be ready."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    barrier = threading.Barrier(n)

    def call(i: int) -> Any:
        try:
            barrier.wait(timeout=start_within)
            return fn(i)
        except Exception as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(call, range(n)))
