"""Checks other apps plug into the floor workflow, so the core never imports them.

Compliance registers its routing-guide checks here when Django starts (compliance/apps.py). A check
raises a DomainError to refuse the scan; it runs inside the scan's transaction before anything is
written, so a refused scan records nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Check = Callable[..., None]
_checks: dict[str, list[Check]] = defaultdict(list)

EVENTS = ("pack", "close", "ship")


def register(event: str, check: Check) -> None:
    if event not in EVENTS:
        raise ValueError(f"Unknown workflow event {event!r}; one of {EVENTS}.")
    if check not in _checks[event]:
        _checks[event].append(check)


def run(event: str, **context: Any) -> None:
    for check in _checks[event]:
        check(**context)
