"""The rows a flow's state names (by id), read once per request and checked to still be there."""

from __future__ import annotations

from wms.catalog import selectors as catalog_selectors
from wms.catalog.models import Item, Lot
from wms.floor.errors import GoneMeanwhile
from wms.floor.screens import RfContext, State
from wms.layout import selectors as layout_selectors
from wms.layout.models import Container, Location


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


def container(rf: RfContext, state: State) -> Container | None:
    """The plate the stock is in, when the operator scanned a plate rather than a location."""
    pk = state.get("container")
    if not pk:
        return None
    found = rf.once(("container", pk), lambda: layout_selectors.get_plate(pk=pk))
    if found.location_id != state.get("location"):
        raise GoneMeanwhile(f"{found.barcode} has moved meanwhile; scan it again.")
    return found


def where(rf: RfContext, state: State) -> str:
    """The location, and the plate when the stock is in one: "P-01 · plate LP…"."""
    plate = container(rf, state)
    return location(rf, state).code + (f" · plate {plate.barcode}" if plate else "")


def place_changes(rf: RfContext, value: str) -> tuple[dict[str, int | None], str]:
    """A scanned location, or a plate standing in this warehouse: the state it names and what to
    say. Stock in a plate is counted, quarantined or released in that plate."""
    from wms.floor.flows.move import scan_place  # the flows import this module

    place = scan_place(rf, value)
    if isinstance(place, Container):
        assert place.location is not None  # scan_place: on the floor
        rf.once(("location", place.location.pk), lambda: place.location)
        rf.once(("container", place.pk), lambda: place)
        return (
            {"location": place.location.pk, "container": place.pk},
            f"Plate {place.barcode} at {place.location.code}.",
        )
    rf.once(("location", place.pk), lambda: place)
    return {"location": place.pk, "container": None}, f"At {place.code}."
