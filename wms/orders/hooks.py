"""Checks and follow-ups other apps plug into the floor workflow, so the core never imports them.

Compliance registers its routing-guide checks here when Django starts (compliance/apps.py). A check
raises a DomainError to refuse the scan; it runs inside the scan's transaction before anything is
written, so a refused scan records nothing.

A tracking lookup (`register_tracking`) answers the tracking numbers of carrier labels already
bought for parcels; `ship_order` ships with those instead of a typed number or a load's reference.

"closed" runs after a carton is weighed and closed at a pack station: compliance prints the labels
the carton needs to that station's printer and answers with what it printed (one line each), which
the screen shows the packer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from wms.accounts.models import User
    from wms.catalog.models import Item, Lot
    from wms.layout.models import Container, Location
    from wms.orders.models import Order, OrderLine, Parcel


@dataclass(frozen=True)
class Pack:
    """Units about to be packed into a carton (before anything is written)."""

    name: ClassVar[str] = "pack"
    order: Order
    carton: Container
    item: Item
    lot: Lot | None
    quantity: int
    lines: list[OrderLine]


@dataclass(frozen=True)
class Close:
    """A carton about to be closed with this weight and size (before anything is written)."""

    name: ClassVar[str] = "close"
    parcel: Parcel
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int


@dataclass(frozen=True)
class Ship:
    """An order's cartons (and the pallets they were built onto) about to ship."""

    name: ClassVar[str] = "ship"
    order: Order
    parcels: list[Parcel]
    pallets: list[Container]


@dataclass(frozen=True)
class Closed:
    """A carton just closed at a pack station; receivers answer lines for the packer."""

    name: ClassVar[str] = "closed"
    parcel: Parcel
    station: Location
    actor: User


Event = Pack | Close | Ship | Closed
Check = Callable[[Any], Any]
_checks: dict[str, list[Check]] = defaultdict(list)

EVENTS = tuple(e.name for e in (Pack, Close, Ship, Closed))


def register(event: str, check: Check) -> None:
    """Call `check(event)` on every workflow event of that name, with the event's dataclass."""
    if event not in EVENTS:
        raise ValueError(f"Unknown workflow event {event!r}; one of {EVENTS}.")
    if check not in _checks[event]:
        _checks[event].append(check)


def run(event: Event) -> list[str]:
    """Run every check of the event; what they answer (lines for the operator) in order."""
    said: list[str] = []
    for check in _checks[event.name]:
        answer = check(event)
        if isinstance(answer, str):
            said.append(answer)
        elif answer:
            said.extend(answer)
    return said


# parcels → {parcel id: tracking number of the label it carries}
TrackingLookup = Callable[[Sequence[Any]], Mapping[int, str]]
_tracking: list[TrackingLookup] = []


def register_tracking(lookup: TrackingLookup) -> None:
    if lookup not in _tracking:
        _tracking.append(lookup)


def bought_tracking(parcels: Sequence[Any]) -> dict[int, str]:
    """The tracking numbers of the labels bought for these parcels (none without a carrier)."""
    found: dict[int, str] = {}
    for lookup in _tracking:
        found.update(lookup(parcels))
    return found
