"""Every floor task, registered by importing its module; MENU is the order the menu shows them."""

from wms.floor.flows import (  # noqa: F401
    count,
    load,
    move,
    pack,
    pick,
    quarantine,
    receive,
    relabel,
    returns,
    stow,
)

MENU = [
    "receive",
    "stow",
    "move",
    "pick",
    "pack",
    "load",
    "count",
    "approvals",
    "quarantine",
    "release",
    "relabel",
    "returns",
]
