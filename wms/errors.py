"""Typed domain errors. Each message tells an operator what was wrong and what to do.

Raised by the services before anything is written (or inside the transaction, which then rolls back),
so a refused request records nothing. The API maps `http_status`; the RF screens show `message`.
"""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class UnknownBarcode(DomainError):
    code = "unknown_barcode"


class WrongLocation(DomainError):
    code = "wrong_location"


class WrongLocationType(DomainError):
    code = "wrong_location_type"


class WrongContainer(DomainError):
    code = "wrong_container"


class ItemInactive(DomainError):
    code = "item_inactive"


class LotRequired(DomainError):
    code = "lot_required"


class LotMismatch(DomainError):
    code = "lot_mismatch"


class SerialRequired(DomainError):
    code = "serial_required"


class InvalidQuantity(DomainError):
    code = "invalid_quantity"


class ReasonRequired(DomainError):
    code = "reason_required"


class LabelMismatch(DomainError):
    code = "label_mismatch"


class WrongClient(DomainError):
    """An object named in the request belongs to another client (brand) than the one in hand."""

    code = "wrong_client"


class NotPermitted(DomainError):
    code = "not_permitted"
    http_status = 403


class ScanIdReused(DomainError):
    code = "scan_id_reused"
    http_status = 409


class IdentifierInvalid(DomainError):
    code = "identifier_invalid"


class IdentifierCollision(DomainError):
    code = "identifier_collision"
    http_status = 409


@dataclass(frozen=True)
class Shortage:
    sku: str
    where: str
    requested: int
    available: int

    def __str__(self) -> str:
        return f"{self.sku} at {self.where}: need {self.requested}, only {self.available} there"


class InsufficientStock(DomainError):
    """One error listing every short line, so the operator sees the whole problem at once."""

    code = "insufficient_stock"
    http_status = 409

    def __init__(self, shortages: list[Shortage]) -> None:
        self.shortages = shortages
        lines = "; ".join(str(s) for s in shortages)
        super().__init__(f"Not enough stock — {lines}. Check the location and count it if unsure.")
