"""What each label shows, as small frozen values.

The renderers never touch the database: a caller (the label station, a task) loads the rows,
builds one of these, and hands it over. That keeps rendering testable and lets a reprint use
exactly the data of the first print. Construction checks the things that would make a label
wrong rather than merely ugly (a bad SSCC check digit, carton 3 of 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from compliance.labels import gs1


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _check_sscc(value: str) -> None:
    _require(
        len(value) == 18 and gs1.has_valid_check_digit(value),
        f"SSCC {value!r} must be 18 digits with a valid check digit.",
    )


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    line1: str
    city: str
    state: str
    postal_code: str
    country: str = "US"
    line2: str = ""

    def lines(self) -> tuple[str, ...]:
        """Address block lines in US postal order, blank lines left out."""
        last = f"{self.city}, {self.state} {self.postal_code}".strip()
        return tuple(s for s in (self.name, self.line1, self.line2, last, self.country) if s)


@dataclass(frozen=True, slots=True)
class FnskuLabel:
    """Amazon item label: Code 128 of the FNSKU, the FNSKU, a short title and the condition."""

    fnsku: str
    title: str
    condition: str = "New"

    def __post_init__(self) -> None:
        _require(bool(self.fnsku.strip()), "An FNSKU label needs the FNSKU.")


@dataclass(frozen=True, slots=True)
class CartonLabel:
    """GS1 logistic (UCC-128) carton label. `content_gtin` + `content_count` only for cartons
    holding one GTIN: GS1 allows AI (02) only then, and only together with (37)."""

    sscc: str
    ship_from: Address
    ship_to: Address
    po_number: str
    carton_number: int
    carton_count: int
    carrier: str
    pro_number: str = ""
    bol_number: str = ""
    content_gtin: str | None = None
    content_count: int | None = None
    lot: str | None = None

    def __post_init__(self) -> None:
        _check_sscc(self.sscc)
        _require(
            1 <= self.carton_number <= self.carton_count,
            f"Carton {self.carton_number} of {self.carton_count} is impossible.",
        )
        _require(
            (self.content_gtin is None) == (self.content_count is None),
            "Content GTIN (02) and count (37) go together: give both or neither.",
        )
        _require(
            self.lot is None or self.content_gtin is not None,
            "A lot (10) is printed only with the content GTIN (02) of a single-SKU carton.",
        )
        if self.content_pairs():
            gs1.encoded(self.content_pairs())  # raises on a bad GTIN check digit, count or lot

    def content_pairs(self) -> list[tuple[str, str]]:
        """AIs of the optional content barcode: (02) GTIN, (37) count, (10) lot."""
        if self.content_gtin is None or self.content_count is None:
            return []
        pairs = [("02", self.content_gtin), ("37", str(self.content_count))]
        return [*pairs, ("10", self.lot)] if self.lot else pairs


@dataclass(frozen=True, slots=True)
class PalletLabel:
    sscc: str
    ship_from: Address
    ship_to: Address
    po_number: str
    carton_count: int
    weight: Decimal
    weight_unit: str = "LB"

    def __post_init__(self) -> None:
        _check_sscc(self.sscc)
        _require(self.carton_count >= 1, "A pallet label needs at least one carton.")
        _require(self.weight > 0, "Pallet weight must be positive.")


@dataclass(frozen=True, slots=True)
class FbaBoxLabel:
    """Amazon inbound box label. `box_id` is encoded exactly as Amazon gives it."""

    shipment_id: str
    box_id: str
    box_number: int
    box_count: int
    ship_from: Address
    ship_to: Address
    fc_code: str
    shipment_name: str = ""

    def __post_init__(self) -> None:
        _require(
            1 <= self.box_number <= self.box_count,
            f"Box {self.box_number} of {self.box_count} is impossible.",
        )


@dataclass(frozen=True, slots=True)
class ShippingLabel:
    carrier: str
    service: str
    tracking_number: str
    ship_to: Address
    ship_from: Address
    weight: Decimal
    weight_unit: str = "LB"
    reference: str = ""

    def __post_init__(self) -> None:
        _require(bool(self.tracking_number), "A shipping label needs a tracking number.")
        _require(self.weight > 0, "Parcel weight must be positive.")


@dataclass(frozen=True, slots=True)
class PackingSlipLine:
    sku: str
    description: str
    quantity: int


@dataclass(frozen=True, slots=True)
class PackingSlip:
    order_ref: str
    ship_to: Address
    lines: tuple[PackingSlipLine, ...]
    ship_from: Address | None = None
    note: str = ""

    def __post_init__(self) -> None:
        _require(bool(self.lines), f"Packing slip {self.order_ref} has no lines.")


@dataclass(frozen=True, slots=True)
class CodeLabel:
    """A floor barcode: item, location or license plate. `caption` says which (e.g. LOCATION)."""

    code: str
    caption: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        _require(bool(self.code), "A barcode label needs a code.")
