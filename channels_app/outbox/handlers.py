"""The handler interface every integration implements, and the registry the worker looks them up in.

A destination reads `"<handler>:<target>"`; the handler registered under `<handler>` sends the
message to `<target>` and returns, or raises `TransportError`. A handler is called at least once per
content, every time with the same idempotency key: it must pass the key to the receiver (a header,
a feed's message id…) so the receiver applies the content once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from channels_app.errors import RateLimited, TransportError

__all__ = ["Delivery", "Handler", "RateLimited", "TransportError", "handler_for", "register"]


@dataclass(frozen=True)
class Delivery:
    """What a handler is given: a copy of the row, never the row itself."""

    message_id: int
    destination: str
    target: str  # the part of the destination after the handler's name
    kind: str
    client_id: int
    payload: dict[str, Any]
    idempotency_key: str
    attempt: int  # 1 for the first call of this content


Handler = Callable[[Delivery], None]
_handlers: dict[str, Handler] = {}


def register(name: str, handler: Handler) -> None:
    if ":" in name or not name:
        raise ValueError(f"A handler's name is the part before ':' in a destination, not {name!r}.")
    _handlers[name] = handler


def handler_for(destination: str) -> tuple[Handler, str]:
    name, _, target = destination.partition(":")
    try:
        return _handlers[name], target
    except KeyError:
        raise TransportError(
            f"No handler is registered for {name!r} (destination {destination!r}); install the "
            "integration or correct the route.",
            permanent=True,
        ) from None
