"""Stow / put-away: scan the plate or the location the stock is at, take the item, confirm where.

The suggestion comes from `inbound.suggest_putaway`; a location the system did not suggest asks the
operator why, and the reason is recorded on the touch. A pallet can go away whole. Asking why is the
screen's own question (it made the suggestion); what a reason may be is the service's.
"""

from __future__ import annotations

from wms.errors import ReasonRequired, WrongLocation
from wms.floor import scanning
from wms.floor.errors import UnknownStep
from wms.floor.flows.move import (
    MENU,
    RESTART,
    describe,
    item_facts,
    on_hand,
    scan_item_among,
    scan_lot_among,
    scan_place,
    selected,
    stock_here,
    summary,
    take_quantity,
    where,
)
from wms.floor.screens import Action, Flow, Outcome, RfContext, Screen, State, register, step
from wms.inbound.services import suggest_putaway
from wms.inventory import touches
from wms.inventory.models import Balance
from wms.layout import selectors as layout_selectors
from wms.layout.models import Container, ContainerType, Location

REASONS = [
    ("suggested_full", "Suggested full"),
    ("suggested_blocked", "Suggested blocked"),
    ("closer_to_pick_face", "Closer to pick face"),
]
SHOWN_SUGGESTIONS = 3


def _suggest(rf: RfContext, rows: list[Balance], quantity: int) -> list[int]:
    """The first few suggestions; a whole pallet is placed for its largest line."""
    main = max(rows, key=lambda b: b.quantity)
    found = suggest_putaway(item=main.item, warehouse=rf.wh, quantity=quantity)
    return [loc.pk for loc in found[:SHOWN_SUGGESTIONS]]


def _locations(pks: list[int]) -> list[Location]:
    by_pk = layout_selectors.locations_by_pk(pks=pks)
    return [by_pk[pk] for pk in pks if pk in by_pk]


@register
class Stow(Flow):
    slug = "stow"
    title = "Stow"
    blurb = "Put away from the dock"

    def render(self, rf: RfContext, state: State) -> Screen:
        if state["step"] == "start":
            return Screen(
                prompt="Scan the plate or the dock location",
                label="License plate or location",
                state=state,
                actions=[MENU],
            )
        location, plate = where(state)
        facts = [("From", location.code + (f" · plate {plate.barcode}" if plate else ""))]
        actions = [RESTART, MENU]
        if plate is not None and plate.type == ContainerType.PALLET and not state.get("whole"):
            actions.insert(0, Action("pallet", "Whole pallet", "primary"))
        if state.get("whole") or state["step"] == "item":
            facts.append(("Holds", summary(stock_here(location, plate))))
        else:
            item, lot = selected(state)
            facts += item_facts(item, lot)
            if state.get("qty"):
                facts.append(("Quantity", str(state["qty"])))
        match state["step"]:
            case "item":
                return Screen(
                    prompt="Scan the item",
                    label="Item barcode",
                    state=state,
                    facts=facts,
                    actions=actions,
                )
            case "lot":
                return Screen(
                    prompt="Scan the lot", label="Lot", state=state, facts=facts, actions=actions
                )
            case "quantity":
                available = on_hand(location, plate, item, lot)
                return Screen(
                    prompt=f"How many of {available}?",
                    label="Quantity",
                    hint=f"Enter alone puts away all {available}.",
                    numeric=True,
                    state=state,
                    facts=facts,
                    actions=actions,
                )
            case "confirm":
                suggested = _locations(state["suggest"])
                if len(suggested) > 1:
                    facts.append(("Or", ", ".join(loc.code for loc in suggested[1:])))
                what = f"pallet {plate.barcode}" if state.get("whole") and plate else "it"
                return Screen(
                    prompt=f"Put away to {suggested[0].code} and scan it"
                    if suggested
                    else f"Scan a storage location for {what}",
                    hint="" if suggested else "No empty storage location is known; choose one.",
                    label="Location",
                    state=state,
                    facts=facts,
                    actions=[RESTART, MENU],
                )
            case "reason":
                to = layout_selectors.get_location(pk=state["to"])
                return Screen(
                    prompt=f"{to.code} is not the suggestion. Why?",
                    label="Reason",
                    hint="Choose one, or type the reason.",
                    state=state,
                    facts=facts,
                    actions=[*(Action(code, label, "primary") for code, label in REASONS), RESTART],
                )
        raise UnknownStep(f"Unknown stow step {state['step']!r}; start again.")

    def submit(self, rf: RfContext, state: State, value: str, action: str) -> Outcome:
        if action == "restart":
            return Outcome(self.start(rf), "", "info")
        if state["step"] == "start":
            return self._source(rf, state, value)
        location, plate = where(state)
        if action == "pallet" and plate is not None and not state.get("whole"):
            rows = stock_here(location, plate)
            total = sum(b.quantity for b in rows)
            suggest = _suggest(rf, rows, total) if rows else []
            return Outcome(
                step(state, "confirm", whole=True, item=None, lot=None, suggest=suggest),
                f"Whole pallet {plate.barcode}.",
                "info",
            )
        match state["step"]:
            case "item":
                rows = scan_item_among(
                    stock_here(location, plate), value, describe(location, plate)
                )
                if len(rows) > 1:
                    return Outcome(
                        step(state, "lot", item=rows[0].item_id, lot=None), f"{rows[0].item.sku}."
                    )
                return Outcome(
                    step(state, "quantity", item=rows[0].item_id, lot=rows[0].lot_id),
                    f"{rows[0].item.sku}.",
                )
            case "lot":
                item, _ = selected(state)
                here = [b for b in stock_here(location, plate) if b.item_id == item.pk]
                chosen = scan_lot_among(here, value)
                return Outcome(step(state, "quantity", lot=chosen.pk), f"Lot {chosen.code}.")
            case "quantity":
                item, lot = selected(state)
                qty = take_quantity(value, on_hand(location, plate, item, lot))
                found = suggest_putaway(item=item, warehouse=rf.wh, quantity=qty)
                suggest = [loc.pk for loc in found[:SHOWN_SUGGESTIONS]]
                return Outcome(
                    step(state, "confirm", qty=qty, suggest=suggest), f"{qty} × {item.sku}."
                )
            case "confirm":
                to = touches.check_stow_location(scanning.location(rf.wh, value))
                if state["suggest"] and to.pk not in state["suggest"]:
                    return Outcome(step(state, "reason", to=to.pk), "", "info")
                return self._stow(rf, state, location, plate, to, reason="")
            case "reason":
                reason = action if action in dict(REASONS) else scanning.clean(value)
                # Asked only because the screen made a suggestion (docs/floor.md); how long a
                # reason may be is the touch's rule (`touches.check_reason_code`).
                if not reason:
                    raise ReasonRequired("Choose why it goes somewhere else, or type the reason.")
                to = layout_selectors.get_location(pk=state["to"])
                return self._stow(rf, state, location, plate, to, reason=reason)
        raise UnknownStep(f"Unknown stow step {state['step']!r}; start again.")

    def _source(self, rf: RfContext, state: State, value: str) -> Outcome:
        place = scan_place(rf, value)
        if isinstance(place, Container):
            location, plate = place.location, place
            assert location is not None
        else:
            location, plate = place, None
        rows = stock_here(location, plate)
        if not rows:
            plates = "" if plate else self._plates_at(location)
            raise WrongLocation(
                f"Nothing loose to put away at {location.code}; scan a plate: {plates}."
                if plates
                else f"Nothing to put away in {describe(location, plate)}; scan another."
            )
        state = step(state, "item", loc=location.pk, plate=plate.pk if plate else None)
        if len(rows) > 1:
            return Outcome(state, f"{describe(location, plate)}: {summary(rows)}.", "info")
        only = rows[0]
        return Outcome(
            step(state, "quantity", item=only.item_id, lot=only.lot_id),
            f"{describe(location, plate)}: {summary(rows)}.",
        )

    @staticmethod
    def _plates_at(location: Location) -> str:
        plates = layout_selectors.plates_holding_stock_at(location=location)
        return ", ".join(sorted(set(plates))[:5])

    @staticmethod
    def _stow(
        rf: RfContext,
        state: State,
        location: Location,
        plate: Container | None,
        to: Location,
        *,
        reason: str,
    ) -> Outcome:
        if state.get("whole"):
            assert plate is not None
            result = touches.stow_container(
                rf.ctx(), container=plate, to_location=to, reason_code=reason
            )
        else:
            item, lot = selected(state)
            result = touches.stow(
                rf.ctx(),
                item=item,
                lot=lot,
                quantity=state["qty"],
                from_location=location,
                from_container=plate,
                to_location=to,
                reason_code=reason,
            )
        why = f" Reason: {dict(REASONS).get(reason, reason)}." if reason else ""
        if state.get("whole"):
            return Outcome({"step": "start"}, result.message + why)
        # More on the same plate or dock spot: the next item, not the plate scan again.
        rows = stock_here(location, plate)
        if not rows:
            return Outcome({"step": "start"}, result.message + why)
        left = {"loc": location.pk, "plate": plate.pk if plate else None}
        said = f"{result.message}{why} Left: {summary(rows)}."
        if len(rows) == 1:
            only = rows[0]
            return Outcome(
                {"step": "quantity", **left, "item": only.item_id, "lot": only.lot_id}, said
            )
        return Outcome({"step": "item", **left}, said)
