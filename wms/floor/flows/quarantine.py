"""Quarantine and release: location → item (→ lot) → quantity → reason; release needs a supervisor.

On an operator's scanner, release asks for a supervisor's badge, then their PIN (wms/floor/supervisor.py).
"""

from __future__ import annotations

from wms.accounts.models import Role, User
from wms.floor import held, scanning
from wms.floor.errors import UnknownStep
from wms.floor.screens import Action, Flow, Outcome, RfContext, Screen, State, register, step
from wms.floor.supervisor import badge_screen, pin_screen, supervisor_by_badge, supervisor_with_pin
from wms.inventory import selectors as stock
from wms.inventory import touches

QUARANTINE_REASONS = [
    ("damaged", "Damaged"),
    ("expired", "Expired"),
    ("recall", "Recall"),
    ("suspect_count", "Suspect count"),
]
RELEASE_REASONS = [
    ("inspected_ok", "Inspected: OK"),
    ("recall_lifted", "Recall lifted"),
    ("count_resolved", "Count resolved"),
    ("in_error", "Quarantined in error"),
]


# --- shared steps ------------------------------------------------------------------------------


def _facts(rf: RfContext, state: State) -> list[tuple[str, str]]:
    facts = [("Location", held.where(rf, state))]
    if state.get("item"):
        item = held.item(rf, state)
        facts.append(("Item", f"{item.sku} · {item.description}"))
    if state.get("lot"):
        lot = held.lot(rf, state)
        facts.append(("Lot", lot.code if lot else "?"))
    if state.get("qty"):
        facts.append(("Quantity", str(state["qty"])))
    if state.get("reason"):
        facts.append(("Reason", str(state.get("reason_label") or state["reason"])))
    return facts


class _StatusChange(Flow):
    """Location → item → lot → quantity → reason; `commit` records the touch."""

    reasons: list[tuple[str, str]]
    verb: str  # "Quarantine", "Release"
    location_prompt = "Scan the location"

    def start(self, rf: RfContext) -> State:
        return {"step": "location"}

    def commit(self, rf: RfContext, state: State, value: str) -> Outcome:
        raise NotImplementedError

    def render_more(self, rf: RfContext, state: State) -> Screen | None:
        return None

    def render(self, rf: RfContext, state: State) -> Screen:
        if state["step"] == "location":
            return Screen(
                prompt=self.location_prompt,
                hint="Stock on a pallet or in a carton: scan its plate.",
                label="Location or plate",
                state=state,
            )
        facts = _facts(rf, state)
        cancel = [Action("cancel", "Cancel")]
        match state["step"]:
            case "item":
                return Screen(
                    prompt=f"Scan the item to {self.verb.lower()}",
                    label="Item",
                    state=state,
                    facts=facts,
                    actions=cancel,
                )
            case "lot":
                return Screen(
                    prompt=f"Scan the lot of {held.item(rf, state).sku}",
                    label="Lot",
                    state=state,
                    facts=facts,
                    actions=cancel,
                )
            case "quantity":
                return Screen(
                    prompt=f"How many to {self.verb.lower()}?",
                    label="Quantity",
                    numeric=True,
                    state=state,
                    facts=facts + self.quantity_facts(rf, state),
                    actions=cancel,
                )
            case "reason":
                return Screen(
                    prompt=f"{self.verb} {state['qty']} × {held.item(rf, state).sku}: why?",
                    label="Reason",
                    hint=f"Type its number and Enter, or press it: {scanning.numbered(self.reasons)}.",
                    state=state,
                    facts=facts,
                    actions=[Action(c, label, "primary") for c, label in self.reasons] + cancel,
                )
        more = self.render_more(rf, state)
        if more is None:
            raise UnknownStep(f"Unknown {self.slug} step {state['step']!r}; start again.")
        return more

    def quantity_facts(self, rf: RfContext, state: State) -> list[tuple[str, str]]:
        return []

    def submit(self, rf: RfContext, state: State, value: str, action: str) -> Outcome:
        if action == "cancel":
            return Outcome(self.start(rf), "Cancelled; nothing recorded.", "info")
        match state["step"]:
            case "location":
                changes, said = held.place_changes(rf, value)
                return Outcome(step(state, "item", **changes), said)
            case "item":
                item = scanning.item(value).item
                rf.once(("item", item.pk), lambda: item)
                next_step = "lot" if item.tracks_lots else "quantity"
                return Outcome(step(state, next_step, item=item.pk, lot=None), f"{item.sku}.")
            case "lot":
                lot = scanning.lot_of(held.item(rf, state), value)
                return Outcome(step(state, "quantity", lot=lot.pk), f"Lot {lot.code}.")
            case "quantity":
                qty = scanning.quantity(value)
                return Outcome(
                    step(state, "reason", qty=qty), f"{qty} × {held.item(rf, state).sku}.", "info"
                )
            case "reason":
                reasons = dict(self.reasons)
                code = (
                    action
                    if action in reasons
                    else scanning.choice(value, self.reasons, what="reason")
                )
                return self.reasoned(
                    rf, step(state, "reason", reason=code, reason_label=reasons[code])
                )
        return self.commit(rf, state, value)

    def reasoned(self, rf: RfContext, state: State) -> Outcome:
        return self.commit(rf, state, "")


@register
class Quarantine(_StatusChange):
    slug = "quarantine"
    title = "Quarantine"
    blurb = "Take stock out of circulation"
    verb = "Quarantine"
    reasons = QUARANTINE_REASONS
    location_prompt = "Scan the location of the stock to quarantine"

    def commit(self, rf: RfContext, state: State, value: str) -> Outcome:
        result = touches.quarantine(
            rf.ctx(),
            item=held.item(rf, state),
            lot=held.lot(rf, state),
            quantity=int(state["qty"]),
            location=held.location(rf, state),
            container=held.container(rf, state),
            reason_code=str(state["reason"]),
        )
        return Outcome(self.start(rf), result.message, "warn")


@register
class Release(_StatusChange):
    slug = "release"
    title = "Release"
    blurb = "Return quarantined stock to available (supervisor)"
    verb = "Release"
    reasons = RELEASE_REASONS
    location_prompt = "Scan the location of the quarantined stock"

    def quantity_facts(self, rf: RfContext, state: State) -> list[tuple[str, str]]:
        if state.get("container"):  # in a plate: the plate's own count is on its label
            return []
        quarantined = stock.loose_in_quarantine(
            item_id=state["item"], lot=held.lot(rf, state), location_id=state["location"]
        )
        return [("In quarantine", str(quarantined))]

    def reasoned(self, rf: RfContext, state: State) -> Outcome:
        if rf.user.has_role(Role.SUPERVISOR):
            return self._release(rf, state, rf.user)
        return Outcome(step(state, "badge"), "A supervisor must confirm the release.", "info")

    def render_more(self, rf: RfContext, state: State) -> Screen | None:
        facts = _facts(rf, state)
        if state["step"] == "badge":
            return badge_screen(state, "Releasing stock from quarantine", facts)
        if state["step"] == "pin":
            return pin_screen(state, str(state.get("supervisor_name", "Supervisor")), facts)
        return None

    def commit(self, rf: RfContext, state: State, value: str) -> Outcome:
        match state["step"]:
            case "badge":
                supervisor = supervisor_by_badge(value)
                return Outcome(
                    step(
                        state, "pin", supervisor=supervisor.pk, supervisor_name=supervisor.username
                    ),
                    "",
                    "info",
                )
            case "pin":
                # The PIN check and the release are one submit: nothing proven outlives it.
                return self._release(rf, state, supervisor_with_pin(state, value))
        raise UnknownStep(f"Unknown release step {state['step']!r}; start again.")

    def _release(self, rf: RfContext, state: State, supervisor: User) -> Outcome:
        result = touches.release(
            rf.ctx(actor=supervisor),
            item=held.item(rf, state),
            lot=held.lot(rf, state),
            quantity=int(state["qty"]),
            location=held.location(rf, state),
            container=held.container(rf, state),
            reason_code=str(state["reason"]),
        )
        by = "" if supervisor.pk == rf.user.pk else f" Approved by {supervisor.username}."
        return Outcome(self.start(rf), result.message + by)
