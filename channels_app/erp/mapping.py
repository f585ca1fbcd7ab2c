"""Pure translations between the ERP's JSON and our values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

# Item-level fields the ERP may send, and the type each must have.
ITEM_FIELDS: dict[str, type] = {
    "description": str,
    "base_unit": str,
    "tracks_lots": bool,
    "tracks_expiry": bool,
    "tracks_serials": bool,
    "hazmat": bool,
    "un_number": str,
    "active": bool,
}
DIMENSIONS = ("length_mm", "width_mm", "height_mm")


class BadPayload(ValueError):
    pass


@dataclass(frozen=True)
class PackIn:
    level: str
    quantity: int
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None
    weight_g: int | None = None


@dataclass(frozen=True)
class IdentifierIn:
    kind: str
    value: str
    channel: str = ""
    pack_level: str | None = None  # None: the each


@dataclass(frozen=True)
class ErpItem:
    sku: str
    version: str
    updated_at: dt.datetime
    fields: dict[str, Any] = field(default_factory=dict)
    pack_levels: tuple[PackIn, ...] = ()
    identifiers: tuple[IdentifierIn, ...] = ()


def parse_time(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise BadPayload(f"{value!r} has no time zone")
    return moment


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _optional_int(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise BadPayload(f"{what} must be a positive integer, not {value!r}")
    return value


def item_in(body: Any) -> ErpItem:
    """One item of the ERP's item list; BadPayload names what is wrong."""
    if not isinstance(body, dict):
        raise BadPayload("an item must be an object")
    sku = body.get("sku")
    if not isinstance(sku, str) or not sku.strip():
        raise BadPayload("item without a sku")
    fields: dict[str, Any] = {}
    for name, kind in ITEM_FIELDS.items():
        if name in body:
            value = body[name]
            if value is None and kind is str:
                value = ""
            if not isinstance(value, kind):
                raise BadPayload(f"{sku}: {name} must be {kind.__name__}, not {value!r}")
            fields[name] = value
    packs = []
    for p in body.get("pack_levels") or []:
        if not isinstance(p, dict) or not isinstance(p.get("level"), str):
            raise BadPayload(f"{sku}: each pack level needs a level name")
        quantity = _optional_int(p.get("quantity"), f"{sku} {p['level']} quantity")
        packs.append(
            PackIn(
                level=p["level"],
                quantity=quantity or 1,
                length_mm=_optional_int(p.get("length_mm"), f"{sku} {p['level']} length_mm"),
                width_mm=_optional_int(p.get("width_mm"), f"{sku} {p['level']} width_mm"),
                height_mm=_optional_int(p.get("height_mm"), f"{sku} {p['level']} height_mm"),
                weight_g=_optional_int(p.get("weight_g"), f"{sku} {p['level']} weight_g"),
            )
        )
    identifiers = []
    for i in body.get("identifiers") or []:
        if not isinstance(i, dict) or not i.get("kind") or not i.get("value"):
            raise BadPayload(f"{sku}: each identifier needs a kind and a value")
        identifiers.append(
            IdentifierIn(
                kind=str(i["kind"]),
                value=str(i["value"]),
                channel=str(i.get("channel") or ""),
                pack_level=str(i["pack_level"]) if i.get("pack_level") else None,
            )
        )
    try:
        updated_at = parse_time(str(body["updated_at"]))
        version = str(body["version"])
    except (KeyError, ValueError) as exc:
        raise BadPayload(f"{sku}: version and updated_at (ISO 8601) are required") from exc
    return ErpItem(
        sku=sku.strip(),
        version=version,
        updated_at=updated_at,
        fields=fields,
        pack_levels=tuple(packs),
        identifiers=tuple(identifiers),
    )


def shipment_confirmation(payload: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "order": payload.get("order"),
        "channel": payload.get("channel"),
        "shipped_at": payload.get("at"),
        "carrier": payload.get("carrier"),
        "service": payload.get("service"),
        "parcels": payload.get("parcels", []),
        "lines": lines,
    }


def receipt_confirmation(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "reference": payload.get("reference"),
        "kind": payload.get("kind"),
        "completed_at": payload.get("at"),
        "short_approved": payload.get("short_approved", False),
        "lines": payload.get("lines", []),
    }


def return_receipt(payload: dict[str, Any]) -> dict[str, Any]:
    """A return received and graded: the RMA, the order it came back from (if known) and the units
    with their grade. What becomes of them (restock, quarantine, scrap) is decided later."""
    return {
        "rma": payload.get("rma"),
        "order": payload.get("order"),
        "received_at": payload.get("at"),
        "lines": [
            {
                "sku": payload.get("sku"),
                "lot": payload.get("lot") or None,
                "quantity": payload.get("quantity"),
                "grade": payload.get("grade"),
            }
        ],
    }


def return_disposition(payload: dict[str, Any]) -> dict[str, Any]:
    """What became of returned units: restocked (sellable again), quarantined or disposed, and the
    location they went to — the ERP's stock and the refund or credit follow from it."""
    return {
        "rma": payload.get("rma"),
        "order": payload.get("order"),
        "decided_at": payload.get("at"),
        "lines": [
            {
                "sku": payload.get("sku"),
                "quantity": payload.get("quantity"),
                "grade": payload.get("grade"),
                "disposition": payload.get("disposition"),
                "location": payload.get("location"),
            }
        ],
    }


def inventory_snapshot(payload: dict[str, Any]) -> dict[str, Any]:
    return {"taken_at": payload.get("taken_at"), "items": payload.get("items", [])}
