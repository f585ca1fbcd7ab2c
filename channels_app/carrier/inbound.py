"""What the carrier tells us (inbound): tracking events, every one stored on its label (and
shipment) and written on the order's timeline; ``delivered`` delivers the shipment once every
labelled parcel of it is delivered; ``exception`` opens an order exception owned by the carrier.

Carrier events own delivery reality (DESIGN §4). A redelivered event (same carrier event id) is
dropped by the outbox's inbound dedupe, recorded in the same transaction that applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from channels_app.carrier import adapter
from channels_app.carrier.models import (
    SCANS,
    CarrierAccount,
    CarrierLabel,
    LabelState,
    TrackingEvent,
    TrackingKind,
)
from wms.orders import fulfilment, states
from wms.orders.locking import lock_order
from wms.orders.models import OrderException, OrderState, ShipmentParcel
from wms.outbox.inbound import record_inbound

OWNER = "carrier"


@dataclass(frozen=True)
class Applied:
    outcome: str  # applied, delivered, duplicate, unknown_tracking
    event: TrackingEvent | None = None


def source(account: CarrierAccount) -> str:
    return f"carrier:{account.name}"


def _say(event: adapter.TrackingEvent) -> str:
    said = TrackingKind(event.kind).label
    if event.description:
        said += f": {event.description}"
    if event.location:
        said += f" ({event.location})"
    return said


@transaction.atomic
def apply_event(
    *, account: CarrierAccount, event: adapter.TrackingEvent, payload: dict[str, Any]
) -> Applied:
    label = CarrierLabel.objects.filter(
        account=account, tracking_number=event.tracking_number
    ).first()
    if label is None:
        # Not one of ours (or another account's): nothing to store, and nothing to retry.
        return Applied("unknown_tracking")
    # The order row first, as every order verb does; then the dedupe row.
    order = lock_order(label.order_id)
    if not record_inbound(source=source(account), external_id=event.event_id):
        return Applied("duplicate")
    shipped = (
        ShipmentParcel.objects.filter(parcel_id=label.parcel_id).select_related("shipment").first()
    )
    shipment = shipped.shipment if shipped is not None else None
    row = TrackingEvent.objects.create(
        label=label,
        shipment=shipment,
        event_id=event.event_id,
        kind=event.kind,
        occurred_at=event.occurred_at,
        location=event.location[:120],
        description=event.description[:300],
        payload=payload,
    )
    if event.kind in SCANS:
        CarrierLabel.objects.filter(pk=label.pk, first_scan_at__isnull=True).update(
            first_scan_at=event.occurred_at
        )
    states.record(
        order,
        kind="carrier_event",
        reason=f"{account.carrier} {event.tracking_number}: {_say(event)}.",
        owner=OWNER,
        reference=event.tracking_number,
    )
    if event.kind == TrackingKind.EXCEPTION:
        OrderException.objects.create(
            order=order,
            kind="carrier_exception",
            owner=OWNER,
            detail=f"{account.carrier} reports a problem with {event.tracking_number}: "
            f"{event.description or 'no detail given'}"
            + (f" at {event.location}" if event.location else "")
            + ". The carrier owns the next step; follow up with them if it is not resolved.",
        )
    if event.kind != TrackingKind.DELIVERED:
        return Applied("applied", row)
    CarrierLabel.objects.filter(pk=label.pk, delivered_at__isnull=True).update(
        delivered_at=event.occurred_at
    )
    if shipment is None:
        OrderException.objects.create(
            order=order,
            kind="delivered_not_shipped",
            owner="warehouse supervisor",
            detail=f"{account.carrier} delivered {event.tracking_number}, but order "
            f"{order.external_id} is {order.state} here: find the carton and ship it in the WMS.",
        )
        return Applied("applied", row)
    parcels = shipment.parcels.values_list("parcel_id", flat=True)
    waiting = CarrierLabel.objects.filter(
        parcel_id__in=parcels, state=LabelState.ACTIVE, delivered_at__isnull=True
    )
    if waiting.exists() or order.state != OrderState.SHIPPED:
        return Applied("applied", row)
    fulfilment.mark_delivered(shipment=shipment, owner=OWNER)
    return Applied("delivered", row)
