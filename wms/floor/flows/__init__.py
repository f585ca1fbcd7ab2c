"""Every floor task, registered in menu order by importing its module."""

from wms.floor.flows import (  # noqa: F401
    receive,
    stow,
    move,
    pick,
    pack,
    load,
    count,
    quarantine,
    relabel,
    returns,
)
