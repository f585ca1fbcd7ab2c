"""Labels the carrier has not scanned: bought more than N hours ago, still active, and no pick-up
or later scan since. Either the carton never left (it waits on a lane) or the carrier lost it.
And parcels that should have a label and have none: closed while the carrier was down."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from channels_app.carrier.models import CarrierAccount, CarrierLabel, LabelState
from wms.orders.models import OrderState, Parcel


def without_carrier_scan(
    *, hours: float | None = None, now: dt.datetime | None = None
) -> QuerySet[CarrierLabel]:
    hours = settings.CARRIER_NO_SCAN_HOURS if hours is None else hours
    cutoff = (now or timezone.now()) - dt.timedelta(hours=hours)
    return (
        CarrierLabel.objects.filter(
            state=LabelState.ACTIVE, first_scan_at__isnull=True, bought_at__lte=cutoff
        )
        .select_related("order", "client", "account", "parcel__container")
        .order_by("bought_at", "pk")
    )


def parcels_missing_label() -> list[Parcel]:
    """Closed cartons of orders not yet shipped (or cancelled) that an active carrier account sells
    labels for, with no active label: their close could not reach the carrier."""
    services = set(CarrierAccount.objects.filter(active=True).values_list("services", flat=True))
    labelled = CarrierLabel.objects.filter(state=LabelState.ACTIVE).values("parcel_id")
    parcels = (
        Parcel.objects.filter(closed_at__isnull=False, order__service_id__in=services)
        .exclude(order__state__in=[OrderState.SHIPPED, OrderState.DELIVERED, OrderState.CANCELLED])
        .exclude(pk__in=labelled)
        .select_related("order__service", "container")
        .order_by("closed_at", "pk")
    )
    accounts = list(CarrierAccount.objects.filter(active=True).prefetch_related("services"))
    return [
        p
        for p in parcels
        if any(
            p.order.channel in a.channels and p.order.service in a.services.all() for a in accounts
        )
    ]
