"""Inbound dedupe: a webhook or notification is taken in once, by the sender's id for it.

Call `record_inbound` inside the transaction that applies the message: if applying fails, the
record rolls back with it and a redelivery is processed again. A concurrent duplicate waits on the
unique index until the first transaction ends, then sees its row (or, if it rolled back, wins).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from wms.outbox.models import InboundMessage


def external_id_for(order_id: str, last_updated: str) -> str:
    """An order notification's id when the sender gives none: the order at its last-updated time."""
    return f"{order_id}@{last_updated}"


def seen(*, source: str, external_id: str) -> bool:
    return InboundMessage.objects.filter(source=source, external_id=external_id).exists()


def record_inbound(*, source: str, external_id: str) -> bool:
    """True the first time (source, external_id) is recorded; False for a duplicate."""
    if not source or not external_id:
        raise ValueError("An inbound message needs its source and its external id.")
    try:
        with transaction.atomic():  # a savepoint: a duplicate must not spoil the caller's work
            InboundMessage.objects.create(source=source, external_id=external_id)
    except IntegrityError:
        if not seen(source=source, external_id=external_id):
            raise
        return False
    return True
