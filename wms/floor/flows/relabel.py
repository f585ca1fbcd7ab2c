"""Relabel: location → the label on the units now (→ lot) → how many → the new label.

The new label is scanned last, as the operator sticks it on, and that scan records the touch:
`touches.relabel` is what checks that the new label belongs to the same item, so a wrong label is
refused on the very step where it was scanned (red, nothing recorded) and can simply be rescanned.
"""

from __future__ import annotations

from wms.floor import held, scanning
from wms.floor.errors import ScanRequired, UnknownStep
from wms.floor.screens import Action, Flow, Outcome, RfContext, Screen, State, register, step
from wms.inventory import touches


@register
class Relabel(Flow):
    slug = "relabel"
    title = "Relabel"
    blurb = "Apply new labels (e.g. FNSKU) to units"

    def start(self, rf: RfContext) -> State:
        return {"step": "location"}

    def render(self, rf: RfContext, state: State) -> Screen:
        if state["step"] == "location":
            return Screen(prompt="Scan the location of the units", label="Location", state=state)
        location = held.location(rf, state)
        facts = [("Location", location.code)]
        other = [Action("location", "Another location")]
        if state["step"] == "old":
            return Screen(
                prompt="Scan the label on the units now",
                hint="Any of the item's barcodes: UPC, EAN, old FNSKU or SKU.",
                label="Current label",
                state=state,
                facts=facts,
                actions=other,
            )
        item = held.item(rf, state)
        facts += [("Item", f"{item.sku} · {item.description}"), ("Current label", state["old"])]
        if state.get("lot"):
            lot = held.lot(rf, state)
            facts.append(("Lot", lot.code if lot else "?"))
        again = [Action("old", "Another item")]
        match state["step"]:
            case "lot":
                return Screen(
                    prompt=f"Scan the lot of {item.sku}",
                    label="Lot",
                    state=state,
                    facts=facts,
                    actions=again,
                )
            case "quantity":
                return Screen(
                    prompt=f"How many units of {item.sku} will you relabel?",
                    label="Quantity",
                    numeric=True,
                    state=state,
                    facts=facts,
                    actions=again,
                )
            case "new":
                return Screen(
                    prompt=f"Label {state['qty']} units, then scan the new label",
                    hint="The label printed for this item, e.g. its FNSKU.",
                    label="New label",
                    state=state,
                    facts=[*facts, ("Quantity", str(state["qty"]))],
                    actions=again,
                )
        raise UnknownStep(f"Unknown relabel step {state['step']!r}; start again.")

    def submit(self, rf: RfContext, state: State, value: str, action: str) -> Outcome:
        if action == "location":
            return Outcome(self.start(rf), "", "info")
        if action == "old":
            return Outcome(step(state, "old", item=None, lot=None, qty=None), "", "info")
        match state["step"]:
            case "location":
                location = scanning.location(rf.wh, value)
                rf.once(("location", location.pk), lambda: location)
                return Outcome(step(state, "old", location=location.pk), f"At {location.code}.")
            case "old":
                item = scanning.item(value).item
                rf.once(("item", item.pk), lambda: item)
                next_step = "lot" if item.tracks_lots else "quantity"
                old = scanning.clean(value)
                return Outcome(
                    step(state, next_step, item=item.pk, old=old, lot=None), f"{item.sku}."
                )
            case "lot":
                lot = scanning.lot_of(held.item(rf, state), value)
                return Outcome(step(state, "quantity", lot=lot.pk), f"Lot {lot.code}.")
            case "quantity":
                qty = scanning.quantity(value)
                return Outcome(
                    step(state, "new", qty=qty), f"{qty} × {held.item(rf, state).sku}.", "info"
                )
            case "new":
                new_label = scanning.clean(value)
                if not new_label:
                    raise ScanRequired("Scan the new label you stuck on the units.")
                result = touches.relabel(
                    rf.ctx(),
                    item=held.item(rf, state),
                    lot=held.lot(rf, state),
                    quantity=int(state["qty"]),
                    location=held.location(rf, state),
                    old_label=str(state["old"]),
                    new_label=new_label,
                )
                return Outcome(step(state, "old", item=None, lot=None, qty=None), result.message)
        raise UnknownStep(f"Unknown relabel step {state['step']!r}; start again.")
