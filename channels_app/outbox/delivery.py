"""The delivery worker's service: claim one row, call its handler, record the outcome.

Every state change is a conditional UPDATE checked by its count (docs/outbox.md): the claim on
(pending and due) or (in flight with an expired lease); the outcome only by the claim's token. The
worker locks nothing but its own outbox row, so it never waits on, or deadlocks with, a scan.
"""

from __future__ import annotations

import enum
import logging
import os
import random
import socket
import uuid
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from channels_app.outbox.handlers import Delivery, RateLimited, TransportError, handler_for
from wms.orders import states
from wms.orders.models import OrderException
from wms.outbox.models import (
    INTEGRATION_ENGINEER,
    DeliveryException,
    OutboxMessage,
    OutboxState,
)

log = logging.getLogger(__name__)
S = OutboxState


class Outcome(enum.StrEnum):
    NOT_CLAIMED = "not_claimed"  # someone else has it, it is done, or it is not due
    DELIVERED = "delivered"
    RESCHEDULED = "rescheduled"  # rate-limited: no attempt counted
    RETRYING = "retrying"
    DEAD = "dead"
    LOST_CLAIM = "lost_claim"  # our lease expired and another worker took it over


def worker_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds before the next call: exponential with full jitter, never before Retry-After."""
    ceiling = min(settings.OUTBOX_BACKOFF_CAP, settings.OUTBOX_BACKOFF_BASE * 2 ** (attempts - 1))
    delay = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret
    return max(delay, retry_after or 0.0)


# The claim is one conditional UPDATE (healthchecks style), returning the row it claimed so that
# its payload and version are read in the same statement — even if a scan bumps the listing right
# after. No row back: someone else holds it, it is done, or it is not due.
_CLAIM = """
UPDATE wms_outbox_message
   SET state = 'in_flight', claimed_by = %s, claimed_at = %s, lease_until = %s,
       attempts = attempts + 1, enqueued_at = NULL
 WHERE id = %s
   AND ((state = 'pending' AND next_attempt_at <= %s) OR (state = 'in_flight' AND lease_until < %s))
RETURNING *
"""


def claim(message_id: int, *, token: str) -> OutboxMessage | None:
    now = timezone.now()
    at = connection.ops.adapt_datetimefield_value
    lease = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    params = [token, at(now), at(lease), message_id, at(now), at(now)]
    claimed = list(OutboxMessage.objects.raw(_CLAIM, params))
    return claimed[0] if claimed else None


def deliver(message_id: int, *, token: str | None = None) -> Outcome:
    """Claim the row, call its handler once, and record what happened."""
    token = token or worker_token()
    message = claim(message_id, token=token)
    if message is None:
        return Outcome.NOT_CLAIMED
    sent_version = message.version
    try:
        handler, target = handler_for(message.destination)
        handler(
            Delivery(
                message_id=message.pk,
                destination=message.destination,
                target=target,
                kind=message.kind,
                client_id=message.client_id,
                payload=message.payload,
                idempotency_key=message.key_for(sent_version),
                attempt=message.attempts,
            )
        )
    except RateLimited as exc:
        return _reschedule(message, token, exc)
    except TransportError as exc:
        return _failed(
            message, token, str(exc), permanent=exc.permanent, retry_after=exc.retry_after
        )
    except Exception as exc:  # a handler's bug is a failed attempt, never a lost message
        log.exception("outbox: handler for %s raised", message.destination)
        return _failed(message, token, f"{type(exc).__name__}: {exc}", permanent=False)
    return _delivered(message, token, sent_version)


def _mine(message: OutboxMessage, token: str) -> Q:
    return Q(pk=message.pk, state=S.IN_FLIGHT, claimed_by=token)


# Only the claim's holder may finish it. A newer version that arrived while this one was on the
# wire turns the row back to pending, due after the coalescing window, with attempts afresh.
_DELIVERED = """
UPDATE wms_outbox_message
   SET state = CASE WHEN version > %s THEN 'pending' ELSE 'delivered' END,
       attempts = CASE WHEN version > %s THEN 0 ELSE attempts END,
       enqueued_at = CASE WHEN version > %s THEN %s ELSE NULL END,
       delivered_version = %s, delivered_at = %s, next_attempt_at = %s,
       last_error = '', lease_until = NULL
 WHERE id = %s AND state = 'in_flight' AND claimed_by = %s
RETURNING state
"""


def _delivered(message: OutboxMessage, token: str, sent_version: int) -> Outcome:
    now = timezone.now()
    window = settings.OUTBOX_COALESCE_SECONDS
    at = connection.ops.adapt_datetimefield_value
    due = now + timedelta(seconds=window)
    v = sent_version
    params = [v, v, v, at(now), v, at(now), at(due), message.pk, token]
    with connection.cursor() as cursor:
        cursor.execute(_DELIVERED, params)
        row = cursor.fetchone()
    if row is None:
        log.warning("outbox: message %s delivered, but its claim had been taken over", message.pk)
        return Outcome.LOST_CLAIM
    if row[0] == S.PENDING:
        # A newer quantity arrived while this one was on the wire: send it after the window (or,
        # if the broker is unreachable just now, the sweeper will).
        try:
            enqueue([(message.pk, window)])
        except Exception:
            log.warning("outbox: could not enqueue message %s; the sweeper will", message.pk)
    return Outcome.DELIVERED


def _reschedule(message: OutboxMessage, token: str, exc: RateLimited) -> Outcome:
    now = timezone.now()
    wait = exc.retry_after or 1.0
    updated = OutboxMessage.objects.filter(_mine(message, token)).update(
        state=S.PENDING,
        attempts=F("attempts") - 1,  # throttling is not a failure
        next_attempt_at=now + timedelta(seconds=wait),
        enqueued_at=None,
        lease_until=None,
        last_error=f"rate limited: {exc}",
    )
    return Outcome.RESCHEDULED if updated else Outcome.LOST_CLAIM


@transaction.atomic
def _failed(
    message: OutboxMessage,
    token: str,
    error: str,
    *,
    permanent: bool,
    retry_after: float | None = None,
) -> Outcome:
    now = timezone.now()
    attempts = message.attempts
    if permanent or attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        updated = OutboxMessage.objects.filter(_mine(message, token)).update(
            state=S.DEAD, last_error=error, lease_until=None, enqueued_at=None
        )
        if not updated:
            return Outcome.LOST_CLAIM
        _dead_letter(message, error, permanent=permanent)
        return Outcome.DEAD
    delay = backoff(attempts, retry_after)
    updated = OutboxMessage.objects.filter(_mine(message, token)).update(
        state=S.PENDING,
        last_error=error,
        next_attempt_at=now + timedelta(seconds=delay),
        enqueued_at=None,
        lease_until=None,
    )
    if not updated:
        return Outcome.LOST_CLAIM
    log.info(
        "outbox: message %s failed (attempt %s), retry in %.1fs: %s",
        message.pk,
        attempts,
        delay,
        error,
    )
    return Outcome.RETRYING


def _dead_letter(message: OutboxMessage, error: str, *, permanent: bool) -> None:
    why = "refused for good" if permanent else f"failed {message.attempts} times"
    order = message.event.order if message.event_id and message.event else None
    what = f"{message.kind} for order {order.external_id}" if order else message.kind
    detail = (
        f"Could not deliver {what} to {message.destination}: {why}. Last error: {error}. "
        f"Fix the integration (credentials, endpoint, mapping), then retry outbox message "
        f"{message.pk} in the back office or with POST /api/outbox/{message.pk}/retry/."
    )
    if not DeliveryException.objects.filter(message=message, resolved_at__isnull=True).exists():
        DeliveryException.objects.create(
            message=message, order=order, detail=detail, owner=INTEGRATION_ENGINEER
        )
    if order is not None:
        OrderException.objects.create(
            order=order, kind="delivery_failed", detail=detail, owner=INTEGRATION_ENGINEER
        )
        states.record(
            order,
            kind="delivery_failed",
            reason=detail,
            owner=INTEGRATION_ENGINEER,
            reference=f"outbox:{message.pk}",
        )
    log.error("outbox: dead-lettered message %s: %s", message.pk, detail)


# --- the broker side ---------------------------------------------------------------------------


def enqueue(batch: Sequence[tuple[int, float]]) -> None:
    from channels_app.outbox.tasks import enqueue as send  # the task module imports this one

    send(batch)


def sweep(*, limit: int = 1000) -> int:
    """Enqueue what is due and not on the broker, and every in-flight row whose lease expired."""
    now = timezone.now()
    requeue = now - timedelta(seconds=settings.OUTBOX_REQUEUE_SECONDS)
    due = list(
        OutboxMessage.objects.filter(state=S.PENDING, next_attempt_at__lte=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=requeue))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    stale = list(
        OutboxMessage.objects.filter(state=S.IN_FLIGHT, lease_until__lt=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=requeue))
        .values_list("pk", flat=True)[:limit]
    )
    ids = due + stale
    if not ids:
        return 0
    enqueue([(pk, 0.0) for pk in ids])  # raises when the broker is down: nothing marked
    OutboxMessage.objects.filter(pk__in=ids).update(enqueued_at=now)
    if stale:
        log.warning("outbox: %d claim(s) expired (worker lost?); re-enqueued", len(stale))
    return len(ids)
