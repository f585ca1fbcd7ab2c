"""What the layout services refuse, by name (each a DomainError with a message an admin can act on)."""

from __future__ import annotations

from wms.errors import DomainError


class InvalidTimeZone(DomainError):
    """A warehouse's time zone is not an IANA name (cutoffs are local times there)."""


class VirtualLocationRefused(DomainError):
    """Virtual locations come with the warehouse: never created, never sellable."""


class LocationLabelTaken(DomainError):
    """Another location of the warehouse already has this code or barcode."""


class UnknownContainerType(DomainError):
    pass


class ContainerPlacementInvalid(DomainError):
    """A new container may stand only at a physical location of its own warehouse."""


class PlateTaken(DomainError):
    """The licence plate or SSCC is already on another container."""


class UnknownPlate(DomainError):
    """A scanned plate that names no container and is not from a plate series: a mis-key or a
    label from somewhere else, never silently a new container (docs/floor.md, "New plates")."""
