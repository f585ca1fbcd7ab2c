"""ASN timing: partners want the advance ship notice within minutes of the truck leaving.

Shipments whose ASN is not sent (or not acknowledged) are listed as their deadline nears, with who
owns the next step; a late ASN becomes a compliance event once — evidence for a chargeback dispute.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from compliance.enforce import RuleSetChooser, rule_set_for
from compliance.models import ComplianceEvent, PartnerKind, RuleSet
from wms.orders.models import Shipment

LATE = "late_asn"


def owner_of(rule_set: RuleSet) -> str:
    if rule_set.kind == PartnerKind.AMAZON_FBA:
        return "Amazon inbound integration"
    return f"EDI integration (856 to {rule_set.name})"


def deadline(shipment: Shipment, rule_set: RuleSet | None) -> dt.datetime | None:
    if rule_set is None or rule_set.asn_deadline_minutes is None:
        return None
    if shipment.shipped_at < rule_set.created_at:
        return None  # shipped before the partner's rule was on record here
    return shipment.shipped_at + dt.timedelta(minutes=rule_set.asn_deadline_minutes)


def watchlist(
    *, within: dt.timedelta = dt.timedelta(minutes=30), now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Shipments whose ASN is unsent or unacknowledged and due within `within` (or late), soonest first."""
    now = now or timezone.now()
    rows = []
    pending = Shipment.objects.filter(asn_acknowledged_at__isnull=True).select_related(
        "order", "order__client"
    )
    chooser = RuleSetChooser()  # one read of the rule sets for the whole list
    for shipment in pending.filter(shipped_at__gte=now - dt.timedelta(days=30)):
        rule_set = chooser.for_order(shipment.order)
        due = deadline(shipment, rule_set)
        if due is None or rule_set is None or due - now > within:
            continue
        sent = shipment.asn_sent_at
        rows.append(
            {
                "shipment": shipment.pk,
                "order": shipment.order.external_id,
                "client": shipment.order.client.code,
                "partner": rule_set.name,
                "due_at": due,
                "asn_sent_at": sent,
                "minutes_left": int((due - now).total_seconds() // 60),
                "state": "sent, not acknowledged" if sent else ("late" if now > due else "due"),
                "owner": owner_of(rule_set),
            }
        )
    return sorted(rows, key=lambda r: r["due_at"])


def _record_late(
    shipment: Shipment, rule_set: RuleSet, due: dt.datetime, sent: dt.datetime | None
) -> bool:
    minutes = int(((sent or timezone.now()) - due).total_seconds() // 60)
    detail = (
        f"ASN for {shipment.order.external_id} "
        + (f"sent {minutes} minutes after" if sent else f"still not sent {minutes} minutes after")
        + f" its deadline ({due:%Y-%m-%d %H:%M %Z}, {rule_set.asn_deadline_minutes} minutes after shipping)."
    )
    try:
        with transaction.atomic():
            ComplianceEvent.objects.create(
                rule_set=rule_set,
                kind=LATE,
                detail=detail,
                owner=owner_of(rule_set),
                order=shipment.order,
                shipment=shipment,
            )
    except IntegrityError:
        return False  # recorded already: once per shipment
    return True


def record_late_asns(*, now: dt.datetime | None = None) -> int:
    """Record each unsent ASN past its deadline as a compliance event (idempotent)."""
    now = now or timezone.now()
    recorded = 0
    for shipment in Shipment.objects.filter(asn_sent_at__isnull=True).select_related("order"):
        rule_set = rule_set_for(shipment.order)
        due = deadline(shipment, rule_set)
        if due is not None and rule_set is not None and now > due:
            recorded += _record_late(shipment, rule_set, due, None)
    return recorded


@transaction.atomic
def mark_asn_sent(*, shipment: Shipment, at: dt.datetime | None = None) -> Shipment:
    """The integration sent the ASN; if it went after the deadline, that is on record too."""
    at = at or timezone.now()
    Shipment.objects.filter(pk=shipment.pk, asn_sent_at__isnull=True).update(asn_sent_at=at)
    shipment.refresh_from_db()
    rule_set = rule_set_for(shipment.order)
    due = deadline(shipment, rule_set)
    if (
        due is not None
        and rule_set is not None
        and shipment.asn_sent_at
        and shipment.asn_sent_at > due
    ):
        _record_late(shipment, rule_set, due, shipment.asn_sent_at)
    return shipment


def mark_asn_acknowledged(*, shipment: Shipment, at: dt.datetime | None = None) -> Shipment:
    Shipment.objects.filter(pk=shipment.pk, asn_acknowledged_at__isnull=True).update(
        asn_acknowledged_at=at or timezone.now()
    )
    shipment.refresh_from_db()
    return shipment
