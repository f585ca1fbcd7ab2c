"""Writing the outbox in the caller's transaction, and handing the new rows to the broker on commit.

Called by the domain where it appends its events (`states.announce`, the inbound services, and
`availability.publish`). The broker is never touched inside the transaction: the dispatcher that
`channels_app` installs runs after commit and may fail (Redis down) without undoing anything —
beat's sweeper enqueues whatever is still pending (docs/outbox.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from wms.errors import DomainError
from wms.inventory.models import AvailabilityEvent
from wms.orders.models import Event
from wms.outbox import routing
from wms.outbox.models import DeliveryException, OutboxMessage, OutboxState

log = logging.getLogger(__name__)

# (message id, seconds to wait before sending)
Dispatcher = Callable[[Sequence[tuple[int, float]]], None]
_dispatcher: Dispatcher | None = None


def set_dispatcher(dispatcher: Dispatcher | None) -> None:
    """Installed by channels_app at start-up: puts message ids on the broker."""
    global _dispatcher
    _dispatcher = dispatcher


def _dispatch(batch: Sequence[tuple[int, float]]) -> None:
    if _dispatcher is None or not batch:
        return
    try:
        _dispatcher(batch)
    except Exception:
        # Never let a broker problem surface in a committed request: the sweeper re-enqueues.
        log.exception("outbox: could not enqueue %d message(s); the sweeper will", len(batch))


def dispatch_on_commit(batch: Sequence[tuple[int, float]]) -> None:
    if batch:
        transaction.on_commit(partial(_dispatch, list(batch)), robust=True)


def queue_event(event: Event, *, channel: str | None) -> list[OutboxMessage]:
    """One delivery row per destination that must hear `event`, in the caller's transaction."""
    if not routing.active():
        return []
    fact = routing.Outbound(
        kind=event.kind, client_id=event.client_id, channel=channel, order_id=event.order_id
    )
    targets = routing.destinations(fact)
    if not targets:
        return []
    now = timezone.now()
    payload = {"event": event.pk, "kind": event.kind, **event.payload}
    rows = OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                destination=destination,
                kind=event.kind,
                client_id=event.client_id,
                event=event,
                payload=payload,
                idempotency_key=f"tl-event-{event.pk}-{destination}",
                next_attempt_at=now,
                enqueued_at=now,
                created_at=now,
            )
            for destination in targets
        ]
    )
    dispatch_on_commit([(row.pk, 0.0) for row in rows])
    return rows


def listing_key(*, client_id: int, item_id: int, channel: str, destination: str) -> str:
    return f"availability:{client_id}:{item_id}:{channel}:{destination}"


# One row per listing for its whole life. Writers of one listing hold its channel-availability row
# lock (availability.publish), so they upsert one after the other; the delivery worker never
# touches that lock. An in-flight row stays in flight (the worker records delivered_version and
# turns it back to pending when a newer version is waiting).
_UPSERT = """
INSERT INTO wms_outbox_message AS m
    (destination, kind, client_id, availability_id, listing, payload, version, delivered_version,
     coalesced, idempotency_key, state, attempts, next_attempt_at, enqueued_at, claimed_by,
     last_error, created_at)
VALUES {values}
ON CONFLICT (listing) DO UPDATE SET
    payload = excluded.payload,
    availability_id = excluded.availability_id,
    version = m.version + 1,
    coalesced = m.coalesced + CASE WHEN m.state = 'pending' THEN 1 ELSE 0 END,
    state = CASE WHEN m.state = 'in_flight' THEN 'in_flight' ELSE 'pending' END,
    attempts = CASE WHEN m.state IN ('delivered', 'dead') THEN 0 ELSE m.attempts END,
    last_error = CASE WHEN m.state IN ('delivered', 'dead') THEN '' ELSE m.last_error END,
    next_attempt_at = CASE WHEN m.state IN ('delivered', 'dead') THEN excluded.next_attempt_at
                           ELSE m.next_attempt_at END,
    enqueued_at = CASE WHEN m.state IN ('delivered', 'dead') THEN excluded.enqueued_at
                       ELSE m.enqueued_at END
RETURNING id, state = 'pending' AND enqueued_at = %s
"""
_ROW = "(%s, %s, %s, %s, %s, %s, 1, 0, 0, %s, 'pending', 0, %s, %s, '', '', %s)"


def queue_availability(events: Iterable[AvailabilityEvent]) -> int:
    """Fold each changed quantity into its listing's row (latest wins); returns rows written."""
    if not routing.active():
        return 0
    now = timezone.now()
    due = now + timedelta(seconds=settings.OUTBOX_COALESCE_SECONDS)
    ops = connection.ops
    payload_field = OutboxMessage._meta.get_field("payload")
    rows: dict[str, list[Any]] = {}
    for ev in events:
        fact = routing.Outbound(
            kind=routing.AVAILABILITY, client_id=ev.client_id, channel=ev.channel
        )
        for destination in routing.destinations(fact):
            key = listing_key(
                client_id=ev.client_id,
                item_id=ev.item_id,
                channel=ev.channel,
                destination=destination,
            )
            payload = {
                "availability_event": ev.pk,
                "item_id": ev.item_id,
                "channel": ev.channel,
                "quantity": ev.quantity,
            }
            rows[key] = [
                destination,
                routing.AVAILABILITY,
                ev.client_id,
                ev.pk,
                key,
                payload_field.get_db_prep_value(payload, connection),
                key,
                ops.adapt_datetimefield_value(due),
                ops.adapt_datetimefield_value(now),
                ops.adapt_datetimefield_value(now),
            ]
    if not rows:
        return 0
    # Sorted by listing: two transactions upserting several listings lock them in one order.
    ordered = [rows[key] for key in sorted(rows)]
    sql = _UPSERT.format(values=", ".join([_ROW] * len(ordered)))
    params = [value for row in ordered for value in row] + [ops.adapt_datetimefield_value(now)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = cursor.fetchall()
    delay = float(settings.OUTBOX_COALESCE_SECONDS)
    dispatch_on_commit([(pk, delay) for pk, fresh in written if fresh])
    return len(written)


class NotRetryable(DomainError):
    code = "not_retryable"
    http_status = 409


@transaction.atomic
def retry(message: OutboxMessage) -> OutboxMessage:
    """Give a dead (or waiting) message another go now, attempts counted afresh.

    Resolves its open delivery exception: the integration engineer has acted on it.
    """
    now = timezone.now()
    updated = OutboxMessage.objects.filter(
        pk=message.pk, state__in=[OutboxState.DEAD, OutboxState.PENDING]
    ).update(state=OutboxState.PENDING, attempts=0, next_attempt_at=now, enqueued_at=now)
    if not updated:
        fresh = OutboxMessage.objects.only("state").get(pk=message.pk)
        raise NotRetryable(
            f"Message {message.pk} is {OutboxState(fresh.state).label.lower()}; only a dead or "
            "waiting message can be retried. Look at it again in a moment."
        )
    DeliveryException.objects.filter(message_id=message.pk, resolved_at__isnull=True).update(
        resolved_at=now
    )
    dispatch_on_commit([(message.pk, 0.0)])
    message.refresh_from_db()
    return message
