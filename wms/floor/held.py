"""The rows a flow's state names (by id), read once per request and checked to still be there."""

from __future__ import annotations

from wms.catalog import selectors as catalog_selectors
from wms.catalog.models import Item, Lot
from wms.floor.errors import GoneMeanwhile
from wms.floor.screens import RfContext, State
from wms.layout import selectors as layout_selectors
from wms.layout.models import Location


def location(rf: RfContext, state: State) -> Location:
    pk = state.get("location", 0)
    found = rf.once(
        ("location", pk), lambda: layout_selectors.location_in_warehouse(pk=pk, warehouse=rf.wh)
    )
    if found is None:
        raise GoneMeanwhile("That location is gone; scan the location again.")
    return found


def item(rf: RfContext, state: State) -> Item:
    pk = state.get("item", 0)
    found = rf.once(("item", pk), lambda: catalog_selectors.item_or_none(pk=pk))
    if found is None:
        raise GoneMeanwhile("That item is gone; scan the item again.")
    return found


def lot(rf: RfContext, state: State) -> Lot | None:
    pk = state.get("lot")
    return rf.once(("lot", pk), lambda: catalog_selectors.lot_or_none(pk=pk)) if pk else None
