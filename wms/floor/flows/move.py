"""Move: a location or a license plate to another location.

A plate moves as a unit (`touches.move_container`); from a location the operator scans the item (the
lot when several are there), the quantity and the destination (`touches.move`). The helpers that
read "what is here" are shared with the stow flow.
"""

from __future__ import annotations

from wms.catalog import selectors as catalog_selectors
from wms.catalog.models import Item, Lot
from wms.errors import LotMismatch, UnknownBarcode, WrongContainer, WrongLocation
from wms.floor import scanning
from wms.floor.errors import UnknownStep
from wms.floor.screens import Action, Flow, Outcome, RfContext, Screen, State, register, step
from wms.inventory import selectors as stock
from wms.inventory import touches
from wms.inventory.models import Balance
from wms.layout import selectors as layout_selectors
from wms.layout.models import Container, Location

MENU = Action("menu", "Menu")
RESTART = Action("restart", "Start over")


# --- what is here: shared with the stow flow -----------------------------------------------------


def on_floor(rf: RfContext, plate: Container) -> Container:
    """A plate the operator can take stock from: the service's rule, asked as the plate is scanned."""
    return touches.check_on_floor(plate, warehouse=rf.wh)


def scan_place(rf: RfContext, value: str) -> Location | Container:
    """A location label, or a license plate standing in this warehouse."""
    code = scanning.clean(value)
    if not code:
        raise WrongLocation("Scan a location label or a license plate.")
    try:
        return scanning.location(rf.wh, code)
    except WrongLocation:
        try:
            plate = scanning.container(code)
        except WrongContainer:
            raise WrongLocation(
                f"{code} is not a location or license plate of {rf.wh.code}. Scan the location "
                "label or the plate."
            ) from None
    return on_floor(rf, plate)


def where(state: State) -> tuple[Location, Container | None]:
    """The place a state's stock comes from: the plate (where it stands) or the location."""
    if state.get("plate"):
        plate = layout_selectors.get_plate(pk=state["plate"])
        if plate.location is None:
            raise WrongContainer(f"{plate.barcode} has left the floor; start again.")
        return plate.location, plate
    return layout_selectors.get_location(pk=state["loc"]), None


def describe(location: Location, plate: Container | None) -> str:
    return plate.barcode if plate else location.code


def stock_here(location: Location, plate: Container | None) -> list[Balance]:
    """Available stock in the plate, or loose at the location (stock on plates moves with them)."""
    return stock.available_here(location=location, plate=plate)


def summary(rows: list[Balance]) -> str:
    return ", ".join(
        f"{b.quantity} × {b.item.sku}" + (f" ({b.lot.code})" if b.lot else "") for b in rows
    )


def scan_item_among(rows: list[Balance], value: str, here: str) -> list[Balance]:
    """The rows of the item scanned, which must be one of those here."""
    skus = sorted({b.item.sku for b in rows})
    expected = " or ".join(skus) if len(skus) <= 3 else f"one of the {len(skus)} items at {here}"
    clients = {b.item.client_id for b in rows}
    try:
        resolved = scanning.item(
            value, client_id=next(iter(clients)) if len(clients) == 1 else None
        )
    except UnknownBarcode:
        code = scanning.clean(value)
        if not code:
            raise
        raise UnknownBarcode(f"Scan {expected} — you scanned {code}.") from None
    matches = [b for b in rows if b.item_id == resolved.item.pk]
    if not matches:
        raise UnknownBarcode(f"Scan {expected} — you scanned {resolved.item.sku}, not at {here}.")
    return matches


def scan_lot_among(rows: list[Balance], value: str) -> Lot:
    """The lot scanned, which must be one of the item's lots here."""
    item = rows[0].item
    codes = [b.lot.code for b in rows if b.lot]
    code = scanning.clean(value)
    found = next((b.lot for b in rows if b.lot and b.lot.code == code), None)
    if found is None:
        raise LotMismatch(
            f"Scan lot {' or '.join(codes)} of {item.sku} — you scanned {code or 'nothing'}."
        )
    return found


def selected(state: State) -> tuple[Item, Lot | None]:
    item = catalog_selectors.get_item(pk=state["item"])
    lot = catalog_selectors.get_lot(pk=state["lot"]) if state.get("lot") else None
    return item, lot


def on_hand(location: Location, plate: Container | None, item: Item, lot: Lot | None) -> int:
    return stock.available_on_hand(item=item, lot=lot, location=location, plate=plate)


def take_quantity(value: str, available: int) -> int:
    """Enter alone takes all of it."""
    if not scanning.clean(value):
        return available
    return scanning.quantity(value, most=available)


def item_facts(item: Item, lot: Lot | None) -> list[tuple[str, str]]:
    facts = [("Item", f"{item.sku} · {item.description}")]
    if lot is not None:
        facts.append(
            ("Lot", lot.code + (f" · expires {lot.expiry_date}" if lot.expiry_date else ""))
        )
    return facts


# --- the flow -----------------------------------------------------------------------------------


@register
class Move(Flow):
    slug = "move"
    title = "Move"
    blurb = "Location or plate to a location"

    def render(self, rf: RfContext, state: State) -> Screen:
        if state["step"] == "start":
            return Screen(
                prompt="Scan a location or a plate",
                label="Location or license plate",
                hint="A plate moves with everything on it.",
                state=state,
                actions=[MENU],
            )
        location, plate = where(state)
        facts = [("From", f"{location.code}" + (f" · plate {plate.barcode}" if plate else ""))]
        actions = [RESTART, MENU]
        match state["step"]:
            case "plate_to":
                assert plate is not None
                return Screen(
                    prompt=f"Scan where {plate.barcode} goes",
                    label="Destination",
                    state=state,
                    facts=[
                        *facts,
                        ("Holds", summary(stock_here(location, plate)) or "nothing loose"),
                    ],
                    actions=actions,
                )
            case "item":
                return Screen(
                    prompt="Scan the item",
                    label="Item barcode",
                    state=state,
                    facts=[*facts, ("Here", summary(stock_here(location, None)))],
                    actions=actions,
                )
        item, lot = selected(state)
        facts += item_facts(item, lot)
        match state["step"]:
            case "lot":
                lots = [
                    b.lot.code for b in stock_here(location, None) if b.item_id == item.pk and b.lot
                ]
                return Screen(
                    prompt=f"Scan the lot of {item.sku}",
                    label="Lot",
                    state=state,
                    facts=[*facts, ("Lots here", ", ".join(lots))],
                    actions=actions,
                )
            case "quantity":
                available = on_hand(location, None, item, lot)
                return Screen(
                    prompt=f"How many of {available}?",
                    label="Quantity",
                    hint=f"Enter alone moves all {available}.",
                    numeric=True,
                    state=state,
                    facts=facts,
                    actions=actions,
                )
            case "to":
                qty = state["qty"]
                return Screen(
                    prompt="Scan where the unit goes"
                    if qty == 1
                    else f"Scan where the {qty} units go",
                    label="Destination",
                    state=state,
                    facts=[*facts, ("Quantity", str(state["qty"]))],
                    actions=actions,
                )
        raise UnknownStep(f"Unknown move step {state['step']!r}; start again.")

    def submit(self, rf: RfContext, state: State, value: str, action: str) -> Outcome:
        if action == "restart":
            return Outcome(self.start(rf), "", "info")
        if state["step"] == "start":
            place = scan_place(rf, value)
            if isinstance(place, Container):
                return Outcome(step(state, "plate_to", plate=place.pk), f"Plate {place.barcode}.")
            if not stock_here(place, None):
                raise WrongLocation(
                    f"Nothing loose at {place.code} to move. Scan another location, or the plate."
                )
            return Outcome(step(state, "item", loc=place.pk, plate=None), f"At {place.code}.")
        location, plate = where(state)
        match state["step"]:
            case "plate_to":
                assert plate is not None
                to = scanning.location(rf.wh, value)
                result = touches.move_container(rf.ctx(), container=plate, to_location=to)
                return Outcome(self.start(rf), result.message)
            case "item":
                rows = scan_item_among(stock_here(location, None), value, location.code)
                item_id = rows[0].item_id
                if len(rows) > 1:
                    return Outcome(
                        step(state, "lot", item=item_id, lot=None), f"{rows[0].item.sku}."
                    )
                return Outcome(
                    step(state, "quantity", item=item_id, lot=rows[0].lot_id),
                    f"{rows[0].item.sku}.",
                )
            case "lot":
                item, _ = selected(state)
                here = [b for b in stock_here(location, None) if b.item_id == item.pk]
                chosen = scan_lot_among(here, value)
                return Outcome(step(state, "quantity", lot=chosen.pk), f"Lot {chosen.code}.")
            case "quantity":
                item, lot = selected(state)
                qty = take_quantity(value, on_hand(location, None, item, lot))
                return Outcome(step(state, "to", qty=qty), f"{qty} × {item.sku}.")
            case "to":
                item, lot = selected(state)
                to = scanning.location(rf.wh, value)
                result = touches.move(
                    rf.ctx(),
                    item=item,
                    lot=lot,
                    quantity=state["qty"],
                    from_location=location,
                    to_location=to,
                )
                return Outcome(self.start(rf), result.message)
        raise UnknownStep(f"Unknown move step {state['step']!r}; start again.")
