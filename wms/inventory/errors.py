"""Named errors of the inventory services (wms/inventory). Each is a `DomainError`, so the API maps
it like any other (400 unless it says otherwise, see wms/api/errors.py) and the RF screens show its
message. The errors shared with other concepts (WrongLocation, InvalidQuantity, …) stay in
wms/errors.py.
"""

from __future__ import annotations

from wms.errors import DomainError


class VirtualLocationMissing(DomainError):
    """A warehouse lacks one of its four virtual locations (supplier, customer, adjustment, scrap):
    a set-up fault, not the operator's; no stock can move through it until an admin creates it."""

    code = "virtual_location_missing"
