"""Named refusals of the order workflow (waves, picking, packing, shipping, loading).

Each is a DomainError (wms/errors.py): the API maps `http_status`, the RF screens show `message`,
and a refused request records nothing. Subclasses of the generic floor errors (WrongContainer,
WrongLocationType) stay catchable as those."""

from __future__ import annotations

from wms.errors import DomainError, WrongLocationType


class EmptyCarton(DomainError):
    """A carton with nothing in it cannot be closed (weighed, labelled, shipped)."""


class NotAtPackStation(WrongLocationType):
    """Packing happens at a pack station: the tote and the carton must stand at one."""


class NotALoadingLane(WrongLocationType):
    """Loads are filled at a ship lane or dock door."""
