"""Who must hear what: routers that integrations plug in at start-up, so the core never imports them.

A router looks at one outbound fact and names the destinations (`"<handler>:<target>"`) that must
receive it. Routers run inside the domain transaction: keep them to an indexed lookup at most.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

AVAILABILITY = "availability"


@dataclass(frozen=True)
class Outbound:
    """What a router sees: the kind of fact and whose it is."""

    kind: str  # an Event kind (order_shipped…) or AVAILABILITY
    client_id: int
    channel: str | None  # the order's or listing's channel; None for a brand-level fact
    order_id: int | None = None


Router = Callable[[Outbound], Iterable[str]]
_routers: list[Router] = []


def register(router: Router) -> None:
    if router not in _routers:
        _routers.append(router)


def unregister(router: Router) -> None:
    if router in _routers:
        _routers.remove(router)


@contextmanager
def routed(router: Router) -> Iterator[None]:
    """Route through `router` for the duration of the block (tests, benchmarks)."""
    register(router)
    try:
        yield
    finally:
        unregister(router)


def active() -> bool:
    return bool(_routers)


def destinations(fact: Outbound) -> list[str]:
    """Every destination any router names, each once, in a stable order."""
    found: dict[str, None] = {}
    for router in _routers:
        for destination in router(fact):
            if ":" not in destination:
                raise ValueError(
                    f"Destination {destination!r} must read '<handler>:<target>', e.g. amazon:7."
                )
            found[destination] = None
    return sorted(found)
