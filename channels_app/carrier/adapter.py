"""The one carrier interface, and the values it speaks in.

Every carrier the 3PL ships with is a ``Carrier``: rate, buy a label, void it, track it. Our
implementation is ``client.HttpCarrier`` (JSON over HTTP); the floor never sees which carrier it
is talking to. Calls raise the outbox's ``TransportError`` (``permanent``: retrying cannot help)
and never retry themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings

from channels_app.carrier.models import CarrierAccount
from wms.orders.address import Address


@dataclass(frozen=True)
class ParcelSpec:
    """One carton as the carrier needs it: where from, where to (the core's ``Address``: region as
    its ISO 3166-2 code, the buyer's phone and e-mail for the carrier), how heavy and big."""

    ship_from: Address
    ship_to: Address
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    reference: str = ""


@dataclass(frozen=True)
class Rate:
    service: str
    amount: Decimal
    currency: str
    days: int


@dataclass(frozen=True)
class Label:
    tracking_number: str
    pdf: bytes
    zpl: str
    service: str
    amount: Decimal | None = None
    currency: str = "USD"


@dataclass(frozen=True)
class TrackingEvent:
    event_id: str
    tracking_number: str
    kind: str  # label_created, picked_up, in_transit, delivered, exception
    occurred_at: dt.datetime
    location: str = ""
    description: str = ""


class Carrier(Protocol):
    def rate(self, parcels: Sequence[ParcelSpec]) -> list[Rate]:
        """What each service would cost for these parcels (one shipment)."""
        ...

    def buy_label(self, parcel: ParcelSpec, service: str, *, idempotency_key: str) -> Label:
        """Buy one label. The same key again answers the same label (never a second charge)."""
        ...

    def void(self, tracking_number: str) -> None:
        """Cancel an unused label; refused (permanent) once the carrier has the parcel."""
        ...

    def track(self, tracking_number: str) -> list[TrackingEvent]:
        """Every event the carrier has for the label, oldest first."""
        ...


def carrier_for(account: CarrierAccount) -> Carrier:
    from channels_app.carrier.client import HttpCarrier

    return HttpCarrier(
        base_url=settings.CARRIER_API_URL,
        api_key=account.secret("API_KEY"),
        timeout=settings.CARRIER_TIMEOUT,
    )
