"""The one writer of the ledger: scans, touches, balances and container positions.

See docs/ledger.md. Every public service in wms/inventory/touches/ builds a plan of `Movement`s
and hands it to `record_scan`, which owns idempotency, lock order and the balance arithmetic.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce

from wms.accounts.models import User
from wms.catalog.models import Item, Lot
from wms.errors import (
    InsufficientStock,
    InvalidQuantity,
    ScanIdReused,
    Shortage,
    WrongContainer,
)
from wms.inventory import positions
from wms.inventory.models import Balance, Scan, StockStatus, Touch, TouchKind
from wms.inventory.sellable import is_sellable  # re-exported: ledger.is_sellable
from wms.layout.models import Container, ContainerType, Location


@dataclass(frozen=True)
class ScanContext:
    """Who scanned, on which device, and the id the device generated for this scan."""

    scan_id: uuid.UUID
    actor: User
    device: str = ""

    def derive(self, tag: str) -> ScanContext:
        """The context of a second touch of the same operator action (one per `tag`): its scan id
        is derived from this one, so a retried action derives the same ids and replays."""
        return derive(self, tag)


def derive(ctx: ScanContext, tag: str) -> ScanContext:
    """A scan id for a second touch of the same operator action, stable across retries.

    uuid5(scan id, tag): byte for byte what fulfilment.derived, the RF screens and seed_demo
    compute, so ids recorded before this function existed keep replaying.
    """
    return ScanContext(uuid.uuid5(ctx.scan_id, tag), ctx.actor, ctx.device)


@dataclass(frozen=True)
class Bucket:
    location: Location
    container: Container | None
    status: str = StockStatus.AVAILABLE

    def describe(self) -> str:
        where = self.location.code
        if self.container is not None:
            where += f" in {self.container.barcode}"
        if self.status != StockStatus.AVAILABLE:
            where += f" ({self.status})"
        return where


@dataclass(frozen=True)
class Movement:
    item: Item
    lot: Lot | None
    quantity: int
    source: Bucket
    target: Bucket
    serial: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ContainerMove:
    """A container (and what is nested in it) now stands at `location`; None when it has shipped."""

    containers: tuple[Container, ...]
    location: Location | None


@dataclass(frozen=True)
class Plan:
    movements: Sequence[Movement]
    message: str
    container_moves: Sequence[ContainerMove] = ()
    reference: str = ""
    reason_code: str = ""
    # Units of (item id, warehouse id) that stop being reserved because this scan picked them:
    # applied in the same statement as the on-hand change, so available-to-promise never flickers.
    consume_reserved: dict[tuple[int, int], int] = field(default_factory=dict)


@dataclass(frozen=True)
class ScanResult:
    scan_id: uuid.UUID
    kind: str
    touch_ids: list[int]
    message: str
    replayed: bool = False


def fingerprint(kind: str, request: dict[str, Any]) -> str:
    payload = json.dumps({"kind": kind, **request}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _replay(scan: Scan, expected_fingerprint: str) -> ScanResult:
    if scan.fingerprint != expected_fingerprint:
        raise ScanIdReused(
            f"Scan id {scan.id} was already used for a different {scan.kind} scan. "
            "The device must send a new scan id for each new scan."
        )
    return ScanResult(
        scan_id=scan.id,
        kind=scan.kind,
        touch_ids=list(scan.result.get("touch_ids", [])),
        message=scan.result.get("message", ""),
        replayed=True,
    )


def record_scan(
    ctx: ScanContext,
    *,
    kind: TouchKind,
    request: dict[str, Any],
    plan: Callable[[], Plan],
) -> ScanResult:
    """Apply a scan exactly once.

    `request` identifies what was asked (for the reuse check); `plan` validates and returns the
    movements. It runs inside the transaction, after the scan row is inserted, so a concurrent
    duplicate waits for this one to finish instead of planning against the same stock.
    """
    fp = fingerprint(kind, {**request, "actor": ctx.actor.pk})
    # No look-up first: the scan row's primary key is the gate. A repeat fails its INSERT (after
    # waiting for a concurrent first attempt to finish) and is answered from the stored row.
    token, shared_token = _held.set({}), _shared.set({})
    try:
        with transaction.atomic():
            scan = Scan.objects.create(
                id=ctx.scan_id, kind=kind, actor=ctx.actor, device=ctx.device, fingerprint=fp
            )
            the_plan = plan()
            touch_ids = _apply(ctx, scan, kind, the_plan)
            scan.result = {"touch_ids": touch_ids, "message": the_plan.message}
            scan.save(update_fields=["result"])
    except IntegrityError:
        # Either a concurrent duplicate committed first (replay it) or a real constraint fired.
        existing = Scan.objects.filter(pk=ctx.scan_id).first()
        if existing is None:
            raise
        return _replay(existing, fp)
    finally:
        _held.reset(token)
        _shared.reset(shared_token)
    return ScanResult(scan_id=scan.id, kind=kind, touch_ids=touch_ids, message=the_plan.message)


def recorded(ctx: ScanContext, *, kind: TouchKind, request: dict[str, Any]) -> ScanResult | None:
    """The result of this very scan if it was already applied, as a replay; None if its id is new.

    For a caller that must answer a retry before `record_scan` is reached (its own checks would
    refuse the retry: the task is done, nothing is left to pack). `kind` and `request` are what the
    caller would pass to `record_scan`, so a repeat replays only when it is the same request by the
    same actor; the id of any other scan is refused with `ScanIdReused`, as `record_scan` does."""
    scan = Scan.objects.filter(pk=ctx.scan_id).first()
    if scan is None:
        return None
    # The fingerprint record_scan stores for this request (the actor is part of it).
    return _replay(scan, fingerprint(kind, {**request, "actor": ctx.actor.pk}))


def spend(
    ctx: ScanContext, *, kind: TouchKind, request: dict[str, Any], result: dict[str, Any]
) -> ScanResult | None:
    """Spend a scan id on an action whose touches carry ids derived from it (a shipment ships each
    carton under its own): any other request with this id is then refused with `ScanIdReused`, as
    by `record_scan`. Returns the earlier result when this very request was already applied, None
    when the id was new (and is now spent).

    Call inside the action's transaction, after its locks: a refusal later in the action rolls the
    spent id back with everything else, so a refused request leaves the id free."""
    fp = fingerprint(kind, {**request, "actor": ctx.actor.pk})
    try:
        with transaction.atomic():
            Scan.objects.create(
                id=ctx.scan_id,
                kind=kind,
                actor=ctx.actor,
                device=ctx.device,
                fingerprint=fp,
                result=result,
            )
    except IntegrityError:
        existing = Scan.objects.filter(pk=ctx.scan_id).first()
        if existing is None:
            raise
        return _replay(existing, fp)
    return None


BucketKey = tuple[int, int, int, int, str]


def bucket_key(item: Item, lot: Lot | None, bucket: Bucket) -> BucketKey:
    return (
        item.pk,
        lot.pk if lot else 0,
        bucket.location.pk,
        bucket.container.pk if bucket.container else 0,
        bucket.status,
    )


# The container rows this scan has locked so far (pk → the row as read under its lock), from
# `record_scan`'s start to its end. The plan locks the scan's containers (to read where they stand)
# and `_apply` needs the same rows again: rows this transaction holds cannot have changed under it,
# so `_apply` reuses them instead of sending the same SELECT … FOR UPDATE a second time. None
# outside a scan.
_held: ContextVar[dict[int, Container] | None] = ContextVar("ledger_held_containers", default=None)


def lock_containers(containers: Iterable[Container]) -> dict[int, Container]:
    """Lock container rows, in the one order every scan uses: pallets first, then the other
    containers, each by primary key — and all of them before any balance row.

    Pallets come first because only pallets hold other containers: a pallet operation locks the
    pallet, reads what is on it under that lock, then locks those. A scan that touches several
    plain containers must lock them in one call.
    """
    ids = {c.pk for c in containers}
    if not ids:
        return {}
    locked = (
        Container.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by(Case(When(type=ContainerType.PALLET, then=Value(0)), default=Value(1)), "pk")
    )
    rows = {c.pk: c for c in locked}
    held = _held.get()
    if held is not None:
        held.update(rows)
    return rows


def _locked_for_apply(containers: Iterable[Container]) -> dict[int, Container]:
    """The scan's containers under lock: the rows the plan already locked when it locked them all
    (no statement), else all of them locked again in the one order, as the plan would have."""
    ids = {c.pk for c in containers}
    held = _held.get()
    if held is not None and ids <= held.keys():
        return {pk: held[pk] for pk in ids}
    return lock_containers(containers)


def lock_family(container: Container) -> list[Container]:
    """A container and everything nested in it, locked in order, read after the parent's lock."""
    head = lock_containers([container])[container.pk]
    children = lock_containers(Container.objects.filter(parent=head).order_by("pk"))
    return [head, *children.values()]


def lock_balances(
    keys: dict[BucketKey, tuple[Item, Lot | None, Bucket]],
) -> dict[BucketKey, Balance]:
    """Ensure a balance row exists for every bucket, then lock them all in primary-key order."""
    ordered = sorted(keys)
    Balance.objects.bulk_create(
        [
            Balance(
                client_id=item.client_id,
                item=item,
                lot=lot,
                location=bucket.location,
                container=bucket.container,
                status=bucket.status,
                quantity=0,
                is_virtual=bucket.location.is_virtual,
            )
            for item, lot, bucket in (keys[k] for k in ordered)
        ],
        ignore_conflicts=True,
    )
    match = Q()
    for item_id, lot_id, location_id, container_id, status in ordered:
        match |= Q(
            item_id=item_id,
            lot_key=lot_id,
            location_id=location_id,
            container_key=container_id,
            status=status,
        )
    rows = (
        Balance.objects.select_for_update()
        .alias(
            lot_key=Coalesce(F("lot"), Value(0)), container_key=Coalesce(F("container"), Value(0))
        )
        .filter(match)
        .order_by("pk")
    )
    return {
        (b.item_id, b.lot_id or 0, b.location_id, b.container_id or 0, b.status): b for b in rows
    }


# The locations this scan has share-locked so far (pk → sellable flag as read under the lock), from
# `record_scan`'s start to its end: a plan that must lock balances before `_apply` (a count reads
# the quantity it judges under lock) share-locks their locations first, in the one global order,
# and `_apply` reuses the flags instead of reading them again. None outside a scan.
_shared: ContextVar[dict[int, bool] | None] = ContextVar("ledger_shared_locations", default=None)


def sellable_flags(location_ids: set[int]) -> dict[int, bool]:
    """The locations' sellable flags as committed now, share-locked until the scan commits.

    The caller's Location objects may predate a set_sellable; reading the flag under FOR SHARE
    (set_sellable takes FOR UPDATE) keeps the positions exactly in step with the balances.
    Locations: after the containers, before the balances (set_sellable locks the location, then
    its balances).
    """
    if not location_ids:
        return {}
    shared = _shared.get()
    if shared is None:
        return _share_lock_flags(location_ids)
    if missing := location_ids - shared.keys():
        shared.update(_share_lock_flags(missing))
    return {pk: shared[pk] for pk in location_ids if pk in shared}


def _share_lock_flags(location_ids: set[int]) -> dict[int, bool]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, sellable FROM wms_location WHERE id = ANY(%s) ORDER BY id FOR SHARE",
                [sorted(location_ids)],
            )
            return dict(cur.fetchall())
    return dict(Location.objects.filter(pk__in=location_ids).values_list("pk", "sellable"))


def _check_container_position(
    bucket: Bucket, locked: dict[int, Container], moving: set[int]
) -> None:
    """Stock in a container sits where the container is: refuse a scan that says otherwise."""
    if bucket.container is None:
        return
    current = locked[bucket.container.pk]
    if current.sealed_at is not None and current.pk not in moving:
        raise WrongContainer(
            f"{current.barcode} is sealed (closed and labelled): nothing goes in or out until it "
            "ships. Use another carton."
        )
    if not current.active:
        raise WrongContainer(
            f"Container {current.barcode} is closed or has shipped; scan another container."
        )
    if current.location_id is None and current.pk in moving:
        return  # a new license plate, placed by this scan
    if current.location_id != bucket.location.pk:
        here = current.location.code if current.location else "nowhere yet"
        raise WrongContainer(
            f"Container {current.barcode} is at {here}, not {bucket.location.code}. "
            "Scan it where it is, or move it first."
        )


def _apply(ctx: ScanContext, scan: Scan, kind: TouchKind, plan: Plan) -> list[int]:
    # Long on purpose: steps 3-6 of docs/ledger.md ("Writing a scan") in their lock order, one read.
    containers = {
        c.pk: c
        for m in plan.movements
        for c in (m.source.container, m.target.container)
        if c is not None
    }
    for cm in plan.container_moves:
        containers.update({c.pk: c for c in cm.containers})
    locked_containers = _locked_for_apply(containers.values())
    moving = {c.pk for cm in plan.container_moves for c in cm.containers}
    for cm in plan.container_moves:
        for c in cm.containers:
            if (
                cm.location is not None
                and locked_containers[c.pk].warehouse_id != cm.location.warehouse_id
            ):
                raise WrongContainer(
                    f"License plate {c.barcode} belongs to another warehouse; use one of this one's."
                )
    for m in plan.movements:
        _check_container_position(m.source, locked_containers, moving)
        if m.target.container is not None and m.target.container.pk not in moving:
            _check_container_position(m.target, locked_containers, moving)

    keys: dict[BucketKey, tuple[Item, Lot | None, Bucket]] = {}
    deltas: dict[BucketKey, int] = defaultdict(int)
    for m in plan.movements:
        if m.quantity <= 0:
            raise InvalidQuantity(
                f"Quantity must be at least 1, not {m.quantity}.", field="quantity"
            )
        src, dst = bucket_key(m.item, m.lot, m.source), bucket_key(m.item, m.lot, m.target)
        keys[src] = (m.item, m.lot, m.source)
        keys[dst] = (m.item, m.lot, m.target)
        deltas[src] -= m.quantity
        deltas[dst] += m.quantity
    flags = sellable_flags(
        {b.location.pk for _i, _l, b in keys.values() if not b.location.is_virtual}
    )
    balances = lock_balances(keys) if keys else {}

    # A movement with source == target (relabel, confirming count) moves nothing but still needs the
    # units to be there.
    needed: dict[BucketKey, int] = defaultdict(int)
    for m in plan.movements:
        src = bucket_key(m.item, m.lot, m.source)
        if src == bucket_key(m.item, m.lot, m.target):
            needed[src] = max(needed[src], m.quantity)
    shortages = []
    for k, (item, _lot, bucket) in keys.items():
        if bucket.location.is_virtual:
            continue
        have = balances[k].quantity
        after = have + deltas[k]
        if after < 0 or have < needed[k]:
            requested = max(-deltas[k], needed[k])
            shortages.append(Shortage(item.sku, bucket.describe(), requested, have))
    if shortages:
        raise InsufficientStock(shortages)

    changed = {k: d for k, d in deltas.items() if d}
    if changed:
        Balance.objects.filter(pk__in=[balances[k].pk for k in changed]).update(
            quantity=F("quantity")
            + Case(*(When(pk=balances[k].pk, then=Value(d)) for k, d in changed.items()))
        )
    for cm in plan.container_moves:
        Container.objects.filter(pk__in=[c.pk for c in cm.containers]).update(
            location=cm.location, active=cm.location is not None
        )

    sellable: dict[tuple[int, int], int] = defaultdict(int)
    for k, d in changed.items():
        item, _lot, bucket = keys[k]
        if flags.get(bucket.location.pk) and is_sellable(
            bucket.location, bucket.status, bucket.container
        ):
            sellable[(item.pk, bucket.location.warehouse_id)] += d
    clients = {m.item.pk: m.item.client_id for m in plan.movements}
    positions.apply(
        on_hand={k: d for k, d in sellable.items() if d},
        reserved={k: -n for k, n in plan.consume_reserved.items() if n},
        clients=clients,
        cause=kind,
    )

    touches = Touch.objects.bulk_create(
        [
            Touch(
                scan=scan,
                kind=kind,
                client_id=m.item.client_id,
                item=m.item,
                lot=m.lot,
                serial=m.serial,
                quantity=m.quantity,
                from_location=m.source.location,
                from_container=m.source.container,
                from_status=m.source.status,
                to_location=m.target.location,
                to_container=m.target.container,
                to_status=m.target.status,
                actor=ctx.actor,
                device=ctx.device,
                reference=plan.reference,
                reason_code=plan.reason_code,
                detail=m.detail,
                created_at=scan.created_at,
            )
            for m in plan.movements
        ]
    )
    return [t.pk for t in touches]
