"""A partner's routing guide as pure checks: plain data in, the violations out. No database here;
compliance/enforce.py gathers the facts at the scan and raises the first violation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Terms:
    partner: str
    max_carton_weight_g: int | None = None
    max_carton_length_mm: int | None = None
    max_carton_width_mm: int | None = None
    max_carton_height_mm: int | None = None
    max_pallet_height_mm: int | None = None
    sscc_required: bool = False
    carton_labels: tuple[str, ...] = ()
    pallet_labels: tuple[str, ...] = ()
    mixed_sku_cartons: bool = True
    min_shelf_life_days: int | None = None
    uom_must_match_po: bool = False


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str


def carton_measure(
    t: Terms, *, carton: str, weight_g: int, length_mm: int, width_mm: int, height_mm: int
) -> list[Violation]:
    out = []
    if t.max_carton_weight_g is not None and weight_g > t.max_carton_weight_g:
        out.append(
            Violation(
                "carton maximum weight",
                f"{carton} weighs {weight_g / 1000:.1f} kg; {t.partner} accepts at most "
                f"{t.max_carton_weight_g / 1000:.1f} kg. Split it into two cartons.",
            )
        )
    # Compare sorted sides: a carton may stand on any face.
    limits = [t.max_carton_length_mm, t.max_carton_width_mm, t.max_carton_height_mm]
    if any(v is not None for v in limits):
        sides = sorted((length_mm, width_mm, height_mm), reverse=True)
        caps = sorted((v if v is not None else 10**9 for v in limits), reverse=True)
        if any(s > c for s, c in zip(sides, caps, strict=True)):
            shown = " × ".join(str(v) if v is not None else "any" for v in limits)
            out.append(
                Violation(
                    "carton maximum dimensions",
                    f"{carton} measures {length_mm} × {width_mm} × {height_mm} mm; {t.partner} accepts "
                    f"at most {shown} mm. Repack into a smaller carton.",
                )
            )
    return out


def carton_contents(
    t: Terms, *, carton: str, skus_inside: set[str], adding: str
) -> list[Violation]:
    if t.mixed_sku_cartons or not skus_inside or skus_inside == {adding}:
        return []
    return [
        Violation(
            "single-SKU cartons",
            f"{carton} already holds {', '.join(sorted(skus_inside))}; {t.partner} does not accept "
            f"mixed-SKU cartons. Pack {adding} into a new carton.",
        )
    ]


def shelf_life(
    t: Terms, *, sku: str, lot: str, expiry: dt.date | None, today: dt.date
) -> list[Violation]:
    if t.min_shelf_life_days is None or expiry is None:
        return []
    left = (expiry - today).days
    if left >= t.min_shelf_life_days:
        return []
    return [
        Violation(
            "minimum shelf life on arrival",
            f"Lot {lot} of {sku} expires {expiry} ({left} days left); {t.partner} requires at least "
            f"{t.min_shelf_life_days}. Pick a later lot.",
        )
    ]


def case_quantity(
    t: Terms, *, sku: str, uom: str, quantity: int, case_quantity: int | None
) -> list[Violation]:
    if not t.uom_must_match_po or uom != "case":
        return []
    if case_quantity is None:
        return [
            Violation(
                "unit of measure matches the PO",
                f"{sku} is ordered in cases but has no case pack in the item master; "
                "ask the item-master admin.",
            )
        ]
    if quantity % case_quantity:
        return [
            Violation(
                "unit of measure matches the PO",
                f"{sku} is ordered in cases of {case_quantity}; pack whole cases (you scanned {quantity}). "
                "Scan the case barcode.",
            )
        ]
    return []


def carton_ready(t: Terms, *, carton: str, sscc: str | None, printed: set[str]) -> list[Violation]:
    out = []
    if t.sscc_required and not sscc:
        out.append(
            Violation(
                "SSCC on every carton",
                f"{carton} has no SSCC; print its carton label at the label station before shipping.",
            )
        )
    missing = [label for label in t.carton_labels if label not in printed]
    if missing:
        out.append(
            Violation(
                "labels on every carton",
                f"{carton} has no printed {', '.join(missing)} label; print it at the label station.",
            )
        )
    return out


def pallet_ready(
    t: Terms, *, pallet: str, height_mm: int | None, printed: set[str]
) -> list[Violation]:
    out = []
    if t.max_pallet_height_mm is not None and (
        height_mm is None or height_mm > t.max_pallet_height_mm
    ):
        shown = "unmeasured" if height_mm is None else f"{height_mm} mm high"
        out.append(
            Violation(
                "pallet maximum height",
                f"Pallet {pallet} is {shown}; {t.partner} accepts at most {t.max_pallet_height_mm} mm. "
                "Measure it, or break it down.",
            )
        )
    missing = [label for label in t.pallet_labels if label not in printed]
    if missing:
        out.append(
            Violation(
                "labels on every pallet",
                f"Pallet {pallet} has no printed {', '.join(missing)} label; print it at the label station.",
            )
        )
    return out
