"""Named errors of the inventory services (wms/inventory). Each is a `DomainError`, so the API maps
it like any other (400 unless it says otherwise, see wms/api/errors.py) and the RF screens show its
message. The errors shared with other concepts (WrongLocation, InvalidQuantity, …) stay in
wms/errors.py.
"""

from __future__ import annotations

from wms.errors import DomainError, ReasonRequired, WrongContainer, WrongLocationType


class VirtualLocationMissing(DomainError):
    """A warehouse lacks one of its four virtual locations (supplier, customer, adjustment, scrap):
    a set-up fault, not the operator's; no stock can move through it until an admin creates it."""

    code = "virtual_location_missing"


# --- what the RF screens used to refuse alone: now every door refuses it, in the same words ------


class PlateOfAnotherWarehouse(WrongContainer):
    """A license plate registered at another warehouse: stock crosses warehouses only by shipping
    and receiving, so its plates never take stock here."""


class PlateClosed(WrongContainer):
    """A plate that has shipped, or a carton closed and labelled: it takes no more units."""


class PlateElsewhere(WrongContainer):
    """A plate standing at another location than the one the units are received at."""


class PlateNotOnFloor(WrongContainer):
    """A plate that is not standing anywhere (shipped, closed or never placed): nothing to take."""


class LotCodeTooLong(DomainError):
    """A lot code longer than the ledger holds: usually two labels read as one."""

    code = "lot_code_too_long"


class ReasonTooLong(ReasonRequired):
    """A typed reason longer than a touch records."""


class NotAReturnsLocation(WrongLocationType):
    """Customer returns are received into a returns location only, never straight onto a shelf:
    they are graded and given a disposition first."""
