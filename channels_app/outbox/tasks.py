"""Celery tasks of the outbox: a task carries only the row id; beat sweeps what is due."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from celery import shared_task

from channels_app.outbox import delivery

log = logging.getLogger(__name__)

# A countdown is only ever the coalescing window: far below the broker's visibility timeout.
# Anything due later waits in the outbox for the sweeper, never in the broker.
MAX_COUNTDOWN = 60.0
BREAKER_SECONDS = 5.0  # after a broker failure, stop trying (and paying its timeout) for a while
_broker_down_until = 0.0


class BrokerUnavailable(Exception):
    pass


@shared_task(name="channels_app.outbox.tasks.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver(message_id: int) -> str:
    return delivery.deliver(message_id).value


@shared_task(name="channels_app.outbox.tasks.sweep")
def sweep() -> int:
    return delivery.sweep()


def enqueue(batch: Sequence[tuple[int, float]]) -> None:
    """Put message ids on the broker; raises BrokerUnavailable (fast, while the breaker is open)."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        raise BrokerUnavailable("broker was unreachable moments ago; the sweeper will enqueue")
    try:
        with deliver.app.producer_or_acquire() as producer:
            for pk, delay in batch:
                deliver.apply_async(
                    args=(pk,), countdown=min(delay, MAX_COUNTDOWN), retry=False, producer=producer
                )
    except Exception as exc:
        _broker_down_until = time.monotonic() + BREAKER_SECONDS
        raise BrokerUnavailable(f"could not reach the broker: {exc}") from exc
    _broker_down_until = 0.0


def dispatch(batch: Sequence[tuple[int, float]]) -> None:
    """The dispatcher wms calls after commit: a broker outage is logged, never raised."""
    try:
        enqueue(batch)
    except BrokerUnavailable as exc:
        log.warning("outbox: %d message(s) wait for the sweeper: %s", len(batch), exc)


def reset_breaker() -> None:
    global _broker_down_until
    _broker_down_until = 0.0
