"""Available-to-promise and what each channel is told (docs/orders.md, "Published availability").

ATP at a warehouse for a channel = on_hand − reserved − client safety buffer − channel buffer, never
below zero. A channel is told the sum over the warehouses that feed it, then capped and scaled.
on_hand counts exactly the units `wms.inventory.sellable` calls sellable (the ledger keeps it so).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from wms.inventory import selectors
from wms.inventory.models import (
    AvailabilityEvent,
    ChannelAvailability,
    ChannelRule,
    StockPosition,
)
from wms.outbox.queue import queue_availability


@dataclass(frozen=True)
class ChannelTerms:
    """What one channel of one client may promise: buffers, cap, share and feeding warehouses."""

    channel: str
    safety_buffer: int
    buffer: int
    cap: int | None
    share_percent: int | None
    warehouse_ids: frozenset[int] | None  # None: every active warehouse

    def feeds(self, warehouse_id: int) -> bool:
        return self.warehouse_ids is None or warehouse_id in self.warehouse_ids

    def held_back(self) -> int:
        return self.safety_buffer + self.buffer

    def publishable(self, atp: int) -> int:
        value = atp
        if self.share_percent is not None:
            value = value * self.share_percent // 100
        if self.cap is not None:
            value = min(value, self.cap)
        return max(0, value)


def _safety_buffers(client_ids: Iterable[int]) -> dict[int, int]:
    # The policy row is the client's, kept with orders.
    from wms.orders.models import AuthorityPolicy

    return dict(
        AuthorityPolicy.objects.filter(client_id__in=set(client_ids)).values_list(
            "client_id", "safety_buffer"
        )
    )


def terms_for(*, client_id: int, channel: str) -> ChannelTerms:
    """The terms a channel of a client works under (defaults when the client set no rule)."""
    safety = _safety_buffers([client_id]).get(client_id, 0)
    rule = ChannelRule.objects.filter(client_id=client_id, channel=channel).first()
    if rule is None:
        return ChannelTerms(channel, safety, 0, None, None, None)
    ids = frozenset(rule.warehouses.values_list("pk", flat=True))
    return ChannelTerms(channel, safety, rule.buffer, rule.cap, rule.share_percent, ids or None)


def _rules_by_client(client_ids: set[int]) -> dict[int, list[ChannelTerms]]:
    safety = _safety_buffers(client_ids)
    out: dict[int, list[ChannelTerms]] = defaultdict(list)
    for rule in ChannelRule.objects.filter(client_id__in=client_ids).prefetch_related("warehouses"):
        ids = frozenset(w.pk for w in rule.warehouses.all())
        out[rule.client_id].append(
            ChannelTerms(
                rule.channel,
                safety.get(rule.client_id, 0),
                rule.buffer,
                rule.cap,
                rule.share_percent,
                ids or None,
            )
        )
    return out


def atp(position: StockPosition, terms: ChannelTerms) -> int:
    return max(0, position.on_hand - position.reserved - terms.held_back())


def channel_quantity(
    positions: Iterable[StockPosition], terms: ChannelTerms, active: set[int]
) -> int:
    total = sum(
        atp(p, terms) for p in positions if terms.feeds(p.warehouse_id) and p.warehouse_id in active
    )
    return terms.publishable(total)


NEVER_PUBLISHED = -1


def publish(touched: set[tuple[int, int]], *, clients: Mapping[int, int], cause: str) -> None:
    """Recompute each affected channel's quantity; where it changed, record it and append an event.

    `clients` maps each touched item to its client (every caller has it at hand already).
    The channel rows are locked before positions are read: two scans of one item at different
    warehouses lock different positions, and the second must see the first's committed numbers.
    """
    item_ids = {item for item, _ in touched}
    client_of = {item: clients[item] for item in item_ids}
    rules = _rules_by_client(set(client_of.values()))
    needed = {
        (item_id, terms.channel): terms
        for item_id in item_ids
        for terms in rules.get(client_of[item_id], [])
        if any(terms.feeds(w) for i, w in touched if i == item_id)
    }
    if not needed:
        return
    ChannelAvailability.objects.bulk_create(
        [
            ChannelAvailability(
                client_id=client_of[i], item_id=i, channel=channel, quantity=NEVER_PUBLISHED
            )
            for i, channel in sorted(needed)
        ],
        ignore_conflicts=True,
    )
    current = {
        (a.item_id, a.channel): a
        for a in ChannelAvailability.objects.select_for_update()
        .filter(item_id__in=item_ids, channel__in={c for _, c in needed})
        .order_by("pk")
    }
    by_item: dict[int, list[StockPosition]] = defaultdict(list)
    active: set[int] = set()
    for p in StockPosition.objects.filter(item_id__in=item_ids).annotate(
        node_active=F("warehouse__active")
    ):
        by_item[p.item_id].append(p)
        if p.node_active:
            active.add(p.warehouse_id)
    now = timezone.now()
    events = []
    changed: dict[int, int] = {}
    for (item_id, channel), terms in sorted(needed.items()):
        quantity = channel_quantity(by_item[item_id], terms, active)
        row = current[(item_id, channel)]
        if row.quantity == quantity:
            continue
        changed[row.pk] = quantity
        events.append(
            AvailabilityEvent(
                client_id=client_of[item_id],
                item_id=item_id,
                channel=channel,
                quantity=quantity,
                previous=None if row.quantity == NEVER_PUBLISHED else row.quantity,
                cause=cause[:120],
                created_at=now,
            )
        )
    if changed:
        ChannelAvailability.objects.filter(pk__in=changed).update(
            quantity=Case(*(When(pk=pk, then=Value(q)) for pk, q in changed.items())),
            updated_at=now,
        )
    AvailabilityEvent.objects.bulk_create(events)
    # After the channel rows: their locks serialise the writers of each listing's outbox row.
    queue_availability(events)


def atp_by_warehouse(*, item_id: int, client_id: int, channel: str) -> dict[int, int]:
    """Selector: ATP per warehouse that feeds the channel (for allocation and the API)."""
    terms = terms_for(client_id=client_id, channel=channel)
    return {
        p.warehouse_id: atp(p, terms)
        for p in selectors.positions(item_ids=[item_id])
        if terms.feeds(p.warehouse_id)
    }


@transaction.atomic
def republish(*, client_id: int, cause: str = "channel_rule") -> None:
    """Recompute every channel of a client for all its stock (after its channel rules changed)."""
    from wms.inventory import positions

    rows = StockPosition.objects.filter(client_id=client_id).values_list("item_id", "warehouse_id")
    keys = dict.fromkeys(rows, client_id)
    if keys:
        positions.lock(keys)  # the order every writer of positions uses, before the channel rows
        publish(set(keys), clients={item: client_id for item, _ in keys}, cause=cause)
