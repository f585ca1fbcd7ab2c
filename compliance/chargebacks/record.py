"""Recording a partner's chargeback: validated, once per partner claim number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from compliance.models import (
    Chargeback,
    ChargebackCategory,
    RuleSet,
)
from wms.catalog.models import Client
from wms.errors import DomainError, WrongClient
from wms.orders.models import Order, Shipment

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("10") ** 10  # DecimalField(max_digits=12, decimal_places=2)
MAX_REFERENCE = 80  # Chargeback.reference


# --- errors -------------------------------------------------------------------------------------


class ChargebackInvalid(DomainError):
    code = "chargeback_invalid"


class InvalidAmount(ChargebackInvalid):
    code = "invalid_amount"


class DuplicateChargeback(ChargebackInvalid):
    code = "duplicate_chargeback"
    http_status = 409


# --- recording a claim --------------------------------------------------------------------------


def _amount(amount: object) -> Decimal:
    if isinstance(amount, bool | float):
        raise InvalidAmount(
            f"Give the amount as a decimal such as 125.50, not {amount!r}.", field="amount"
        )
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise InvalidAmount(
            f"'{amount}' is not an amount; enter it like 125.50.", field="amount"
        ) from None
    if not value.is_finite() or value <= 0:
        raise InvalidAmount(
            f"A chargeback is a positive amount; {value} is not. Enter what the partner debited.",
            field="amount",
        )
    if value >= MAX_AMOUNT:
        raise InvalidAmount(f"{value} is too large for a chargeback amount.", field="amount")
    if value != value.quantize(CENT):
        raise InvalidAmount(
            f"{value} has more than two decimals; enter the amount in cents, as on the debit memo.",
            field="amount",
        )
    return value.quantize(CENT)


def record_chargeback(
    *,
    rule_set: RuleSet,
    client: Client,
    category: str,
    amount: Decimal,
    reference: str,
    order: Order | None = None,
    shipment: Shipment | None = None,
    currency: str = "USD",
    notes: str = "",
    received_at: dt.datetime | None = None,
) -> Chargeback:
    """Record a partner's chargeback against a client (and the order or shipment it names).

    A shipment without an order is recorded against the shipment's order. Everything is checked
    before anything is written; the partner's claim number is accepted once per rule set.
    """
    # Long on purpose: every field's check before the one write, in the order the form shows them.
    if category not in ChargebackCategory.values:
        kinds = ", ".join(ChargebackCategory.values)
        raise ChargebackInvalid(
            f"Unknown chargeback category '{category}'; use one of {kinds}.", field="category"
        )
    value = _amount(amount)
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise ChargebackInvalid(
            f"'{currency}' is not a currency code; use three letters such as USD.", field="currency"
        )
    ref = (reference or "").strip()
    if not ref:
        raise ChargebackInvalid(
            "Enter the partner's debit memo or claim number.", field="reference"
        )
    if len(ref) > MAX_REFERENCE:
        raise ChargebackInvalid(
            "A claim number is at most 80 characters; check what was entered.", field="reference"
        )
    if received_at is not None and timezone.is_naive(received_at):
        raise ChargebackInvalid("Give the received time with its time zone.", field="received_at")
    if shipment is not None:
        shipment = Shipment.objects.select_related("order").get(pk=shipment.pk)
        if shipment.order.client_id != client.pk:
            raise WrongClient(
                f"Shipment {shipment.pk} (order {shipment.order.external_id}) belongs to another "
                f"client, not {client.code}; check the claim's PO or tracking number.",
                field="shipment",
            )
        if order is not None and shipment.order_id != order.pk:
            raise ChargebackInvalid(
                f"Shipment {shipment.pk} is of order {shipment.order.external_id}, not "
                f"{order.external_id}; link the shipment of the claimed order.",
                field="shipment",
            )
        order = order or shipment.order
    if order is not None and order.client_id != client.pk:
        raise WrongClient(
            f"Order {order.external_id} belongs to another client, not {client.code}; "
            "check the claim's PO number.",
            field="order",
        )
    listed = list(rule_set.clients.values_list("pk", flat=True))
    if listed and client.pk not in listed:
        raise WrongClient(
            f"Rule set {rule_set.code} does not apply to {client.code}; pick the partner's rule "
            "set for this client.",
            field="client",
        )

    def duplicate() -> DuplicateChargeback | None:
        earlier = Chargeback.objects.filter(rule_set=rule_set, reference__iexact=ref).first()
        if earlier is None:
            return None
        return DuplicateChargeback(
            f"Claim {earlier.reference} from {rule_set.code} is already recorded (chargeback "
            f"{earlier.pk}, {earlier.amount} {earlier.currency}); do not enter it twice.",
            field="reference",
        )

    if (dup := duplicate()) is not None:
        raise dup
    try:
        with transaction.atomic():
            return Chargeback.objects.create(
                rule_set=rule_set,
                client=client,
                category=category,
                amount=value,
                currency=code,
                reference=ref,
                order=order,
                shipment=shipment,
                notes=notes.strip(),
                received_at=received_at or timezone.now(),
            )
    except IntegrityError:
        # Entered twice at once: the unique constraint decided; answer as the pre-check would.
        if (dup := duplicate()) is not None:
            raise dup from None
        raise
