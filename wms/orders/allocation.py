"""Which node ships an order, and why (docs/orders.md, "Allocation").

`evaluate` scores every candidate node; `allocate` reserves at the best one (or splits, or
backorders, or refuses) and stores the decision with each candidate's evaluation.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from wms.accounts.models import User
from wms.errors import InsufficientStock
from wms.inventory import reservations
from wms.inventory.availability import ChannelTerms, atp, terms_for
from wms.inventory.models import StockPosition
from wms.layout.models import Warehouse
from wms.orders import geo, states
from wms.orders.models import (
    Allocation,
    AllocationDecision,
    AuthorityPolicy,
    CarrierService,
    Cutoff,
    Order,
    OrderException,
    OrderState,
    Reservation,
)


def policy_of(client_id: int) -> AuthorityPolicy:
    policy, _ = AuthorityPolicy.objects.get_or_create(client_id=client_id)
    return policy


# --- cutoffs and due times --------------------------------------------------------------------


def cutoff_today(
    warehouse: Warehouse, service: CarrierService, now: dt.datetime
) -> dt.datetime | None:
    """Today's cutoff at the node for the service, as an aware datetime (None if none is set)."""
    cutoff = Cutoff.objects.filter(warehouse=warehouse, service=service).first()
    if cutoff is None:
        return None
    tz = ZoneInfo(warehouse.time_zone)
    local_day = now.astimezone(tz).date()
    return dt.datetime.combine(local_day, cutoff.local_time, tzinfo=tz)


def next_cutoff(
    warehouse: Warehouse, service: CarrierService, now: dt.datetime
) -> dt.datetime | None:
    """The next cutoff still ahead: today's, or tomorrow's once today's has passed (local calendar)."""
    today = cutoff_today(warehouse, service, now)
    if today is None or now <= today:
        return today
    tomorrow = today.date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, today.timetz().replace(tzinfo=None), tzinfo=today.tzinfo)


def due_at(order: Order, warehouse: Warehouse, now: dt.datetime) -> dt.datetime | None:
    """When the order must leave: the earlier of the channel's ship-by and the node's next cutoff."""
    times = [
        t for t in (order.ship_by, next_cutoff(warehouse, order.service, now)) if t is not None
    ]
    return min(times) if times else None


# --- evaluating candidates --------------------------------------------------------------------


@dataclass
class Candidate:
    warehouse: str
    warehouse_id: int
    holds_all: bool
    short: list[str] = field(default_factory=list)
    makes_cutoff: bool = True
    cutoff: str = ""
    capacity_left: bool = True
    capacity: str = ""
    distance_km: float = math.inf

    def rank(self) -> tuple[bool, bool, float, str]:
        ready = self.makes_cutoff and self.capacity_left
        return (not self.holds_all, not ready, self.distance_km, self.warehouse)

    def summary(self) -> str:
        if not self.holds_all:
            return f"{self.warehouse}: short {', '.join(self.short)}"
        notes = [self.cutoff, self.capacity]
        if math.isfinite(self.distance_km):
            notes.append(f"{self.distance_km:,.0f} km away")
        return "; ".join([f"{self.warehouse}: holds every line", *(n for n in notes if n)])


def _local_day_start(warehouse: Warehouse, now: dt.datetime) -> dt.datetime:
    tz = ZoneInfo(warehouse.time_zone)
    return dt.datetime.combine(now.astimezone(tz).date(), dt.time(), tzinfo=tz)


def _capacity(warehouse: Warehouse, lines: int, now: dt.datetime) -> tuple[bool, str]:
    if warehouse.orders_per_day is None and warehouse.lines_per_day is None:
        return True, ""
    # Orders booked at the node today that still count: not cancelled, still holding or picked.
    today = (
        Reservation.objects.filter(
            warehouse=warehouse, created_at__gte=_local_day_start(warehouse, now)
        )
        .exclude(line__order__state=OrderState.CANCELLED)
        .filter(Q(quantity__gt=0) | Q(picked__gt=0))
    )
    orders = today.values("line__order").distinct().count()
    booked = today.values("line").distinct().count()
    if warehouse.orders_per_day is not None and orders >= warehouse.orders_per_day:
        return False, f"at capacity ({orders}/{warehouse.orders_per_day} orders today)"
    if warehouse.lines_per_day is not None and booked + lines > warehouse.lines_per_day:
        return False, f"at capacity ({booked}/{warehouse.lines_per_day} lines today)"
    limit = warehouse.orders_per_day or warehouse.lines_per_day
    return True, f"capacity left ({orders if warehouse.orders_per_day else booked}/{limit} today)"


def needs(order: Order) -> dict[int, int]:
    """Units per item still to be reserved: ordered − picked − already held."""
    held = dict(
        Reservation.objects.filter(line__order=order)
        .values_list("line__item_id")
        .annotate(n=Sum("quantity"))
    )
    want: dict[int, int] = defaultdict(int)
    for line in order.lines.all():
        want[line.item_id] += line.quantity - line.picked
    return {item: n - held.get(item, 0) for item, n in want.items() if n - held.get(item, 0) > 0}


def evaluate(
    order: Order,
    want: dict[int, int],
    warehouses: list[Warehouse],
    terms: ChannelTerms,
    now: dt.datetime,
) -> list[Candidate]:
    rows = StockPosition.objects.filter(item_id__in=want, warehouse__in=warehouses).select_related(
        "item"
    )
    avail = {(p.item_id, p.warehouse_id): atp(p, terms) for p in rows}
    lines = list(order.lines.values_list("item_id", "item__sku", "quantity", "picked"))
    skus = {item: sku for item, sku, _, _ in lines}
    open_lines = sum(1 for _, _, quantity, picked in lines if quantity > picked)
    out = []
    for w in warehouses:
        short = [
            f"{skus[i]} by {n - avail.get((i, w.pk), 0)}"
            for i, n in sorted(want.items())
            if avail.get((i, w.pk), 0) < n
        ]
        c = Candidate(w.code, w.pk, holds_all=not short, short=short)
        cutoff = cutoff_today(w, order.service, now)
        if cutoff is not None:
            c.makes_cutoff = now <= cutoff
            verb = "makes" if c.makes_cutoff else "missed"
            c.cutoff = f"{verb} today's {order.service.code} cutoff {cutoff:%H:%M} {w.time_zone}"
        c.capacity_left, c.capacity = _capacity(w, open_lines, now)
        c.distance_km = geo.distance_km(
            w.region, order.ship_to_region, to_country=order.ship_to_country
        )
        out.append(c)
    return sorted(out, key=Candidate.rank)


# --- deciding ---------------------------------------------------------------------------------


def _reserve(order: Order, plan: dict[int, dict[int, int]], terms: ChannelTerms) -> None:
    """Reserve plan[warehouse][item] units for the order's lines (all or nothing)."""
    wanted = {(item, w): n for w, items in plan.items() for item, n in items.items()}
    rows = reservations.reserve(wanted=wanted, terms=terms, cause=f"order {order.external_id}")
    remaining = dict(wanted)
    now = timezone.now()
    for line in order.lines.all():
        for (item, w), n in remaining.items():
            if item != line.item_id or n == 0:
                continue
            held = Reservation.objects.filter(line=line).aggregate(s=Sum("quantity"))["s"] or 0
            take = min(n, line.quantity - line.picked - held)
            if take <= 0:
                continue
            Reservation.objects.create(
                line=line, position=rows[(item, w)], warehouse_id=w, quantity=take, created_at=now
            )
            remaining[(item, w)] -= take


def _split_plan(
    want: dict[int, int], candidates: list[Candidate], order: Order, terms: ChannelTerms
) -> dict[int, dict[int, int]] | None:
    """Each item from the best node that holds all of it; None when some item fits nowhere."""
    ids = [c.warehouse_id for c in candidates]
    rows = StockPosition.objects.filter(item_id__in=want, warehouse_id__in=ids)
    left = {(p.item_id, p.warehouse_id): atp(p, terms) for p in rows}
    plan: dict[int, dict[int, int]] = defaultdict(dict)
    for item, n in sorted(want.items(), key=lambda kv: -kv[1]):
        for c in sorted(
            candidates, key=lambda c: (not (c.makes_cutoff and c.capacity_left), c.distance_km)
        ):
            if left.get((item, c.warehouse_id), 0) >= n:
                plan[c.warehouse_id][item] = n
                left[(item, c.warehouse_id)] -= n
                break
        else:
            return None
    return dict(plan)


def allocate(
    order: Order, *, actor: User | None = None, now: dt.datetime | None = None
) -> AllocationDecision:
    """Decide where the order ships from and reserve there; record the decision and move the order."""
    now = now or timezone.now()
    policy = policy_of(order.client_id)
    terms = terms_for(client_id=order.client_id, channel=order.channel)
    want = needs(order)
    if policy.allocation == Allocation.UPSTREAM:
        return _allocate_upstream(order, want, terms, policy, actor, now)

    feeding = Warehouse.objects.filter(active=True)
    if terms.warehouse_ids is not None:
        feeding = feeding.filter(pk__in=terms.warehouse_ids)
    if order.warehouse_id is not None and order.lines.filter(picked__gt=0).exists():
        # Units are already picked there: the rest must join them, not start at another node.
        feeding = feeding.filter(pk=order.warehouse_id)
    candidates = evaluate(order, want, list(feeding.order_by("code")), terms, now)
    evaluated = [asdict(c) | {"summary": c.summary()} for c in candidates]
    for c in (c for c in candidates if c.holds_all):
        try:
            with transaction.atomic():
                _reserve(order, {c.warehouse_id: want}, terms)
        except InsufficientStock as lost:
            # Taken by a concurrent order since we looked: the node is short after all. Say so
            # (the stored evaluation too), then try the next node.
            c.holds_all = False
            c.short = [f"{s.sku} by {s.requested - s.available}" for s in lost.shortages]
            evaluated = [asdict(x) | {"summary": x.summary()} for x in candidates]
            continue
        others = [o.summary() for o in candidates if o is not c]
        reason = f"Ship complete from {c.summary()}." + (
            f" Others: {' | '.join(others)}." if others else ""
        )
        return _allocated(order, [c.warehouse_id], "allocated", reason, evaluated, actor, now)

    if policy.allow_split and len(candidates) > 1:
        plan = _split_plan(want, candidates, order, terms)
        if plan is not None:
            try:
                with transaction.atomic():
                    _reserve(order, plan, terms)
                codes = {c.warehouse_id: c.warehouse for c in candidates}
                parts = "; ".join(
                    f"{codes[w]} ships {len(items)} item(s)" for w, items in plan.items()
                )
                reason = f"No node holds every line; split allowed by policy: {parts}."
                return _allocated(order, list(plan), "split", reason, evaluated, actor, now)
            except InsufficientStock:
                pass

    shortfall = " | ".join(c.summary() for c in candidates) or "no warehouse feeds this channel"
    if policy.allow_backorder:
        decision = _decide(order, "backordered", [], f"Backordered: {shortfall}.", evaluated)
        if order.state != OrderState.BACKORDERED:
            states.move(
                order,
                OrderState.BACKORDERED,
                reason=decision.reason,
                actor=actor,
                policy="allow_backorder",
            )
        return decision
    decision = _decide(
        order, "refused", [], f"Cannot fill and backorders are not allowed: {shortfall}.", evaluated
    )
    _exception(
        order, "unfillable", decision.reason, owner=f"client {order.client.code}", actor=actor
    )
    return decision


def _allocate_upstream(
    order: Order,
    want: dict[int, int],
    terms: ChannelTerms,
    policy: AuthorityPolicy,
    actor: User | None,
    now: dt.datetime,
) -> AllocationDecision:
    node = order.requested_warehouse
    owner = f"upstream order system ({order.channel})"
    if node is None:
        decision = _decide(order, "refused", [], "The upstream system assigned no node.", [])
        _exception(order, "no_node_assigned", decision.reason, owner=owner, actor=actor)
        return decision
    if not node.active or not terms.feeds(node.pk):
        why = "is inactive" if not node.active else f"does not feed {order.channel}"
        reason = f"Node {node.code} was assigned upstream but {why}."
        decision = _decide(order, "refused", [node.code], reason, [])
        _exception(order, "node_cannot_fill", reason, owner=owner, actor=actor)
        return decision
    evaluated = [
        asdict(c) | {"summary": c.summary()} for c in evaluate(order, want, [node], terms, now)
    ]
    try:
        with transaction.atomic():
            _reserve(order, {node.pk: want}, terms)
    except InsufficientStock as short:
        reason = f"Node {node.code} was assigned upstream but cannot fill: " + "; ".join(
            str(s) for s in short.shortages
        )
        decision = _decide(order, "refused", [node.code], reason, evaluated)
        _exception(order, "node_cannot_fill", reason, owner=owner, actor=actor)
        return decision
    return _allocated(
        order,
        [node.pk],
        "allocated",
        f"Node {node.code} assigned by the upstream order system.",
        evaluated,
        actor,
        now,
    )


def _plain(value: object) -> object:
    """JSON for the stored evaluation: no infinity (unknown distance), distances to 0.1 km."""
    if isinstance(value, float):
        return round(value, 1) if math.isfinite(value) else None
    return value


def _decide(
    order: Order, outcome: str, codes: list[str], reason: str, evaluated: list[dict[str, object]]
) -> AllocationDecision:
    policy = policy_of(order.client_id)
    return AllocationDecision.objects.create(
        order=order,
        mode=policy.allocation,
        outcome=outcome,
        warehouses=codes,
        reason=reason,
        candidates=[{k: _plain(v) for k, v in c.items()} for c in evaluated],
    )


def _allocated(
    order: Order,
    warehouse_ids: list[int],
    outcome: str,
    reason: str,
    evaluated: list[dict[str, object]],
    actor: User | None,
    now: dt.datetime,
) -> AllocationDecision:
    nodes = {w.pk: w for w in Warehouse.objects.filter(pk__in=warehouse_ids)}
    primary = nodes[warehouse_ids[0]]
    decision = _decide(order, outcome, [nodes[w].code for w in warehouse_ids], reason, evaluated)
    order.warehouse = primary
    order.allocated_at = now
    order.due_at = due_at(order, primary, now)
    Order.objects.filter(pk=order.pk).update(
        warehouse=primary, allocated_at=now, due_at=order.due_at
    )
    states.move(
        order, OrderState.RESERVED, reason=reason, actor=actor, policy=f"allocation:{decision.mode}"
    )
    states.announce(order, "order_accepted", warehouses=decision.warehouses)
    return decision


def _exception(order: Order, kind: str, detail: str, *, owner: str, actor: User | None) -> None:
    OrderException.objects.create(order=order, kind=kind, detail=detail, owner=owner)
    if order.state != OrderState.EXCEPTION:
        states.move(
            order, OrderState.EXCEPTION, reason=detail, owner=owner, actor=actor, policy=kind
        )


def release_reservations(order: Order, *, cause: str) -> int:
    """Give back everything the order still holds; returns the units released."""
    held: dict[tuple[int, int], int] = defaultdict(int)
    rows = list(
        Reservation.objects.select_for_update()
        .filter(line__order=order, quantity__gt=0)
        .select_related("line")
    )
    for r in rows:
        held[(r.line.item_id, r.warehouse_id)] += r.quantity
    if held:
        reservations.release(held=held, cause=cause)
        Reservation.objects.filter(pk__in=[r.pk for r in rows]).update(quantity=0)
    return sum(held.values())
