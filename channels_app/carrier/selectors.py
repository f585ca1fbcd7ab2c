"""Labels the carrier has not scanned: bought more than N hours ago, still active, and no pick-up
or later scan since. Either the carton never left (it waits on a lane) or the carrier lost it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from channels_app.carrier.models import CarrierLabel, LabelState


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
