"""What the simulated carrier holds, and its operations. Effects that exactly-once proofs need are
counted in ``effects``: labels bought per idempotency key, voids per tracking number."""

from __future__ import annotations

import base64
import datetime as dt
import threading
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from channels_app.simulation import Effects
from compliance.labels import pdf, zpl
from compliance.labels.data import Address, ShippingLabel

Result = tuple[int, Any]
GRAMS_PER_LB = Decimal("453.59237")

# service → (base price, price per kg, days in transit)
SERVICES: dict[str, tuple[Decimal, Decimal, int]] = {
    "GROUND": (Decimal("6.50"), Decimal("0.90"), 5),
    "2DAY": (Decimal("12.00"), Decimal("1.60"), 2),
    "OVERNIGHT": (Decimal("24.00"), Decimal("2.75"), 1),
}


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def error(message: str) -> dict[str, str]:
    return {"message": message}


def _address(a: dict[str, Any]) -> Address:
    return Address(
        name=str(a["name"]),
        line1=str(a["line1"]),
        line2=str(a.get("line2") or ""),
        city=str(a["city"]),
        state=str(a.get("region") or "-"),
        postal_code=str(a["postal_code"]),
        country=str(a.get("country") or "US"),
    )


def _check_parcel(p: Any) -> str | None:
    if not isinstance(p, dict):
        return "parcel must be an object"
    for name in ("ship_from", "ship_to"):
        a = p.get(name)
        if not isinstance(a, dict) or not all(a.get(k) for k in ("name", "line1", "city")):
            return f"parcel.{name} needs name, line1 and city"
        if not a.get("postal_code"):
            return f"parcel.{name}.postal_code is required"
    weight = p.get("weight_g")
    if not isinstance(weight, int) or weight <= 0:
        return "parcel.weight_g must be a positive integer"
    dims = p.get("dimensions_mm")
    if not (
        isinstance(dims, list)
        and len(dims) == 3
        and all(isinstance(d, int) and d > 0 for d in dims)
    ):
        return "parcel.dimensions_mm must be three positive integers"
    return None


def price(service: str, weight_g: int) -> Decimal:
    base, per_kg, _days = SERVICES[service]
    return (base + per_kg * Decimal(weight_g) / 1000).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class CarrierState:
    carrier: str = "SIMX"
    lock: threading.RLock = field(default_factory=threading.RLock)
    sequence: int = 0
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)  # tracking → label
    by_key: dict[str, str] = field(default_factory=dict)  # idempotency key → tracking
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # tracking → events
    webhook_url: str = ""
    deliveries: list[dict[str, Any]] = field(default_factory=list)  # webhook calls we made
    # labels: idempotency key → labels issued under it (1 = exactly once); keys: idempotency key →
    # times it arrived; voids: tracking number → voids applied
    effects: Effects = field(default_factory=lambda: Effects("labels", "keys", "voids"))

    def rate(self, body: Any) -> Result:
        parcels = body.get("parcels") if isinstance(body, dict) else None
        if not isinstance(parcels, list) or not parcels:
            return 400, error("parcels: a non-empty list is required")
        for p in parcels:
            problem = _check_parcel(p)
            if problem:
                return 400, error(problem)
        rates = []
        for service, (_base, _kg, days) in SERVICES.items():
            total = sum((price(service, p["weight_g"]) for p in parcels), Decimal("0"))
            rates.append(
                {"service": service, "amount": str(total), "currency": "USD", "days": days}
            )
        return 200, {"rates": rates}

    def buy(self, body: Any, key: str | None) -> Result:
        if not key:
            return 400, error("Idempotency-Key header is required to buy a label")
        self.effects["keys"][key] += 1
        if key in self.by_key:  # a retry: the same label, never a second charge
            return 200, self.labels[self.by_key[key]]["answer"]
        if not isinstance(body, dict):
            return 400, error("body must be an object")
        service = body.get("service")
        if service not in SERVICES:
            return 400, error(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
        parcel = body.get("parcel")
        problem = _check_parcel(parcel)
        if problem:
            return 400, error(problem)
        assert isinstance(parcel, dict)
        self.sequence += 1
        tracking = f"SX{self.sequence:04d}{uuid.uuid4().int % 10**8:08d}"
        weight = max(
            Decimal("0.1"),
            (Decimal(parcel["weight_g"]) / GRAMS_PER_LB).quantize(Decimal("0.1")),
        )
        data = ShippingLabel(
            carrier=self.carrier,
            service=service,
            tracking_number=tracking,
            ship_to=_address(parcel["ship_to"]),
            ship_from=_address(parcel["ship_from"]),
            weight=weight,
            reference=str(parcel.get("reference") or ""),
        )
        answer = {
            "tracking_number": tracking,
            "service": service,
            "amount": str(price(service, parcel["weight_g"])),
            "currency": "USD",
            "label": {
                "format": "4x6",
                "pdf_base64": base64.b64encode(pdf.shipping_label(data)).decode(),
                "zpl": zpl.shipping_label(data),
            },
        }
        self.labels[tracking] = {"key": key, "voided": False, "parcel": parcel, "answer": answer}
        self.by_key[key] = tracking
        self.events[tracking] = []
        self.effects["labels"][key] += 1
        self.event(tracking, "label_created", description="Shipping label created")
        return 201, answer

    def void(self, tracking: str) -> Result:
        label = self.labels.get(tracking)
        if label is None:
            return 404, error(f"no label {tracking}")
        if any(e["type"] != "label_created" for e in self.events[tracking]):
            return 422, error(f"{tracking} has been scanned; it can no longer be voided")
        if not label["voided"]:
            label["voided"] = True
            self.effects["voids"][tracking] += 1
        return 200, {"tracking_number": tracking, "voided": True}

    def track(self, tracking: str) -> Result:
        if tracking not in self.labels:
            return 404, error(f"no label {tracking}")
        return 200, {"tracking_number": tracking, "events": self.events[tracking]}

    def event(
        self,
        tracking: str,
        kind: str,
        *,
        location: str = "",
        description: str = "",
        event_id: str | None = None,
        occurred_at: str | None = None,
    ) -> dict[str, Any]:
        ev = {
            "id": event_id or f"evt_{uuid.uuid4().hex[:16]}",
            "type": kind,
            "tracking_number": tracking,
            "occurred_at": occurred_at or iso(dt.datetime.now(dt.UTC)),
            "location": location,
            "description": description,
        }
        self.events[tracking].append(ev)
        return ev

    def snapshot(self) -> dict[str, Any]:
        return {
            "labels": {
                t: {
                    "key": v["key"],
                    "voided": v["voided"],
                    "service": v["answer"]["service"],
                    "ship_to": v["parcel"]["ship_to"],
                }
                for t, v in self.labels.items()
            },
            "events": self.events,
            "deliveries": self.deliveries,
            "effects": self.effects.snapshot(),
        }
