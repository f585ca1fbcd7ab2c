"""Quantities as the floor and the API give them: "a positive whole number of units", written once.

A bool is an int to Python but never a quantity; a float or a string is refused, not rounded. The
services check here (the ledger's last line of defence), and the API's serializer fields call the
same function, so every door gives the same answer in the same words.
"""

from __future__ import annotations

from typing import TypeGuard

from wms.errors import InvalidQuantity

# The most units one scan may name: far above any real scan, and well inside a 32-bit column.
MAX_UNITS = 1_000_000


def is_whole(value: object) -> TypeGuard[int]:
    """A whole number (not a bool, not a float, not text)."""
    return isinstance(value, int) and not isinstance(value, bool)


def whole_quantity(value: object, *, field: str = "quantity") -> int:
    """`value` as a quantity of units: a whole number of at least 1, or `InvalidQuantity`."""
    if not is_whole(value) or value < 1:
        raise InvalidQuantity(
            f"Quantity must be a whole number of at least 1; you entered {value!r}.", field=field
        )
    return value
