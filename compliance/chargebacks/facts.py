"""What the evidence is made of: frozen facts read from the database, nothing typed in."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

# --- the evidence -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    id: int
    reference: str
    partner_code: str
    partner_name: str
    category: str
    category_label: str
    amount: Decimal
    currency: str
    client_code: str
    client_name: str
    received_at: dt.datetime
    notes: str
    order: str | None
    shipment_id: int | None


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    unit_of_measure: str
    picked: int
    packed: int
    shipped: int


@dataclass(frozen=True)
class OrderFacts:
    id: int
    external_id: str
    channel: str
    state: str
    service: str
    warehouse: str | None
    received_at: dt.datetime
    ship_by: dt.datetime | None
    due_at: dt.datetime | None
    label_printed_at: dt.datetime | None
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str
    from_state: str
    to_state: str
    owner: str
    actor: str | None
    reason: str
    policy: str
    reference: str


@dataclass(frozen=True)
class TouchFacts:
    id: int
    at: dt.datetime
    kind: str
    sku: str
    lot: str | None
    quantity: int
    from_location: str
    from_container: str | None
    to_location: str
    to_container: str | None
    actor: str
    device: str
    scan_id: str

    @property
    def source(self) -> str:
        return (
            f"{self.from_location}/{self.from_container}"
            if self.from_container
            else (self.from_location)
        )

    @property
    def target(self) -> str:
        return f"{self.to_location}/{self.to_container}" if self.to_container else self.to_location


@dataclass(frozen=True)
class ScanFacts:
    id: str
    kind: str
    at: dt.datetime
    actor: str
    device: str
    touches: int


@dataclass(frozen=True)
class Content:
    sku: str
    lot: str | None
    quantity: int


@dataclass(frozen=True)
class ParcelFacts:
    parcel_id: int
    carton: str
    sscc: str | None
    pallet: str | None
    tracking_number: str | None
    contents: tuple[Content, ...]
    weight_g: int | None
    length_mm: int | None
    width_mm: int | None
    height_mm: int | None
    closed_at: dt.datetime | None


@dataclass(frozen=True)
class ShipmentFacts:
    id: int
    carrier: str
    service: str
    warehouse: str
    shipped_at: dt.datetime
    delivered_at: dt.datetime | None
    asn_sent_at: dt.datetime | None
    asn_acknowledged_at: dt.datetime | None
    parcels: tuple[ParcelFacts, ...]


@dataclass(frozen=True)
class PrintFacts:
    id: int
    label: str
    printer: str
    printer_kind: str
    requested_by: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    state: str
    reprint_of: int | None
    container: str | None
    sscc: str
    order: str | None
    shipment_id: int | None
    error: str


@dataclass(frozen=True)
class AsnTiming:
    shipment_id: int
    shipped_at: dt.datetime
    asn_sent_at: dt.datetime | None
    asn_acknowledged_at: dt.datetime | None
    deadline_minutes: int | None
    minutes_after_shipping: float | None
    # Positive: minutes past the deadline; negative: minutes to spare. None when unknown.
    minutes_late: float | None
    late: bool | None
    verdict: str


@dataclass(frozen=True)
class ComplianceEventFacts:
    id: int
    kind: str
    detail: str
    owner: str
    created_at: dt.datetime
    order: str | None
    shipment_id: int | None


@dataclass(frozen=True)
class Evidence:
    """What the database says about a chargeback's order and shipment(s)."""

    claim: Claim
    order: OrderFacts | None
    shipments: tuple[ShipmentFacts, ...]
    asn: tuple[AsnTiming, ...]
    prints: tuple[PrintFacts, ...]
    touches: tuple[TouchFacts, ...]
    scans: tuple[ScanFacts, ...]
    timeline: tuple[TimelineEntry, ...]
    compliance_events: tuple[ComplianceEventFacts, ...]
    summary: str  # the category's one-line answer
    findings: tuple[str, ...]  # the detail behind it
    # True: the evidence contradicts the claim; False: it bears the claim out; None: cannot tell.
    supports_dispute: bool | None
    missing: tuple[str, ...]
    time_zone: str
    gathered_at: dt.datetime

    @property
    def verdict(self) -> str:
        if self.supports_dispute is True:
            return "The evidence supports a dispute."
        if self.supports_dispute is False:
            return "The evidence bears the claim out; a dispute is unlikely to succeed."
        return "The evidence is inconclusive."

    def as_dict(self) -> dict[str, Any]:
        out = _jsonable(self)
        assert isinstance(out, dict)
        out["verdict"] = self.verdict
        return out

    def local(self, at: dt.datetime | None) -> str:
        """A time as the warehouse saw it, for people reading the pack."""
        if at is None:
            return ""
        return timezone.localtime(at, ZoneInfo(self.time_zone)).strftime("%Y-%m-%d %H:%M:%S %Z")


def _jsonable(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _minutes(value: float) -> str:
    n = abs(value)
    text = f"{n:g}" if n == int(n) else f"{n:.1f}"
    return f"{text} minute" if n == 1 else f"{text} minutes"


def _duration(seconds: float) -> str:
    minutes = round(abs(seconds) / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if mins or not parts:
        parts.append(f"{mins} min")
    return " ".join(parts)
