"""Pure translations: our records and values <-> the carrier's JSON, and the webhook signature."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from decimal import Decimal
from typing import Any

from channels_app.carrier.adapter import Label, ParcelSpec, Rate, TrackingEvent
from channels_app.carrier.models import TrackingKind
from wms.layout.models import Warehouse
from wms.orders.address import Address, region_code
from wms.orders.models import Order, Parcel

SIGNATURE_HEADER = "X-Carrier-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class BadPayload(ValueError):
    pass


def address_json(a: Address) -> dict[str, str]:
    return {
        "name": a.name,
        "line1": a.line1,
        "line2": a.line2,
        "city": a.city,
        "region": a.region,
        "postal_code": a.postal_code,
        "country": a.country,
        "phone": a.phone,
        "email": a.email,
    }


def parcel_json(p: ParcelSpec) -> dict[str, Any]:
    return {
        "ship_from": address_json(p.ship_from),
        "ship_to": address_json(p.ship_to),
        "weight_g": p.weight_g,
        "dimensions_mm": [p.length_mm, p.width_mm, p.height_mm],
        "reference": p.reference,
    }


def rates_from(body: Any) -> list[Rate]:
    try:
        return [
            Rate(
                service=str(r["service"]),
                amount=Decimal(str(r["amount"])),
                currency=str(r.get("currency", "USD")),
                days=int(r["days"]),
            )
            for r in body["rates"]
        ]
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise BadPayload(f"rates answer not understood: {exc!r}") from exc


def label_from(body: Any) -> Label:
    try:
        return Label(
            tracking_number=str(body["tracking_number"]),
            pdf=base64.b64decode(body["label"]["pdf_base64"], validate=True),
            zpl=str(body["label"]["zpl"]),
            service=str(body["service"]),
            amount=Decimal(str(body["amount"])) if body.get("amount") is not None else None,
            currency=str(body.get("currency", "USD")),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise BadPayload(f"label answer not understood: {exc!r}") from exc


def parse_time(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return moment


def event_from(body: Any) -> TrackingEvent:
    """One tracking event (webhook body or an element of a track answer)."""
    try:
        kind = str(body["type"])
        if kind not in TrackingKind.values:
            raise ValueError(f"unknown event type {kind!r}")
        return TrackingEvent(
            event_id=str(body["id"]),
            tracking_number=str(body["tracking_number"]),
            kind=kind,
            occurred_at=parse_time(str(body["occurred_at"])),
            location=str(body.get("location") or ""),
            description=str(body.get("description") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadPayload(f"tracking event not understood: {exc}") from exc


def sign(secret: str, body: bytes) -> str:
    """The webhook signature: HMAC-SHA256 of the raw body, hex, as ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not secret:
        return False
    return hmac.compare_digest(sign(secret, body), header.strip())


def warehouse_address(w: Warehouse) -> Address:
    return Address(
        name=w.name,
        line1=w.address_line1 or w.code,
        line2=w.address_line2,
        city=w.city or "-",
        region=region_code(w.country, w.region),
        postal_code=w.postal_code or "-",
        country=w.country,
    )


def parcel_spec(parcel: Parcel, order: Order, warehouse: Warehouse) -> ParcelSpec:
    return ParcelSpec(
        ship_from=warehouse_address(warehouse),
        ship_to=Address.of(order),
        weight_g=parcel.weight_g or 0,
        length_mm=parcel.length_mm or 0,
        width_mm=parcel.width_mm or 0,
        height_mm=parcel.height_mm or 0,
        reference=order.external_id,
    )
