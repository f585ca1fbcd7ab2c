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
from typing import Any

Check = Callable[..., Any]
_checks: dict[str, list[Check]] = defaultdict(list)

EVENTS = ("pack", "close", "ship", "closed")


def register(event: str, check: Check) -> None:
    if event not in EVENTS:
        raise ValueError(f"Unknown workflow event {event!r}; one of {EVENTS}.")
    if check not in _checks[event]:
        _checks[event].append(check)


def run(event: str, **context: Any) -> list[str]:
    """Run every check of `event`; what they answer (lines for the operator) in order."""
    said: list[str] = []
    for check in _checks[event]:
        answer = check(**context)
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
