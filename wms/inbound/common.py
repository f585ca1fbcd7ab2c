"""What receipts and returns share: their errors, how they name a quantity, and how they tell the
brand's systems (`announce_inbound`)."""

from __future__ import annotations

from django.utils import timezone

from wms.catalog.models import Item
from wms.errors import (
    DomainError,
)
from wms.orders.models import Event, Order
from wms.outbox.queue import queue_event


class DuplicateReference(DomainError):
    code = "duplicate_reference"
    http_status = 409


class NotExpected(DomainError):
    """The item, or the order, is not what the paperwork says is coming."""

    code = "not_expected"


class OverReceipt(DomainError):
    code = "over_receipt"
    http_status = 409


class AlreadyClosed(DomainError):
    """The receipt is complete, or the return unit already has its disposition."""

    code = "already_closed"
    http_status = 409


class InvalidTolerance(DomainError):
    code = "invalid_tolerance"


class UnknownReceiptKind(DomainError):
    code = "unknown_receipt_kind"


class ReferenceRequired(DomainError):
    """The paperwork's number (ASN, PO, RMA) is what the brand will quote back: it is required."""

    code = "reference_required"


class EmptyReceipt(DomainError):
    code = "empty_receipt"


class DuplicateLine(DomainError):
    code = "duplicate_line"


class InvalidGrade(DomainError):
    code = "invalid_grade"


class DispositionRequired(DomainError):
    code = "disposition_required"


class DispositionNotAllowed(DomainError):
    code = "disposition_not_allowed"


def _qty(quantity: int, item: Item) -> str:
    return f"{quantity} × {item.sku}"


def announce_inbound(
    kind: str, /, *, client_id: int, about: Order | None = None, **payload: object
) -> None:
    """Queue what the brand's systems must hear, in the caller's transaction.

    Not `wms.orders.states.announce`, on purpose: inbound events are the brand's, often about no
    order at all (a receipt, a return without its order), and their payload is exactly what the
    caller gives plus `at` — `announce` needs an order and adds `order` and `channel` to every
    payload, which would change what the ERP and the brand's systems receive. With an order, the
    event is routed to the order's channel as `announce` does.
    """
    event = Event.objects.create(
        kind=kind,
        client_id=client_id,
        order=about,
        payload={"at": timezone.now().isoformat(), **payload},
    )
    queue_event(event, channel=about.channel if about is not None else None)
