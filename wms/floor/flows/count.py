"""Cycle count: location → item (→ lot) → blind count → recount on a difference; and the
supervisor's queue of counts waiting for approval.

The rules (agree, recount, threshold, approval) are `wms.inventory.counting`'s; these screens only
ask. Blind means blind: no screen, fact, message or state of the count flow holds the system
quantity.
"""

from __future__ import annotations

from wms.accounts.models import Role
from wms.errors import DomainError
from wms.floor import held, scanning
from wms.floor.errors import ChoiceRequired, GoneMeanwhile, UnknownStep
from wms.floor.screens import Action, Flow, Outcome, RfContext, Screen, State, register, step
from wms.floor.supervisor import badge_screen, pin_screen, supervisor_by_badge, supervisor_with_pin
from wms.inventory import counting
from wms.inventory import selectors as stock
from wms.inventory.counting import CountOutcome
from wms.inventory.models import ApprovalState, CountApproval
from wms.layout.models import Location

TONES = {
    CountOutcome.AGREES: "ok",
    CountOutcome.RECORDED: "ok",
    CountOutcome.RECOUNT: "warn",
    CountOutcome.PENDING: "warn",
}


@register
class Count(Flow):
    slug = "count"
    title = "Count"
    blurb = "Blind count of a location"

    def start(self, rf: RfContext) -> State:
        return {"step": "location"}

    def render(self, rf: RfContext, state: State) -> Screen:
        if state["step"] == "location":
            return Screen(
                prompt="Scan the location to count",
                hint="Stock on a pallet or in a carton: scan its plate.",
                label="Location or plate",
                state=state,
            )
        location = held.location(rf, state)
        other = Action("location", "Another location")
        if state["step"] == "item":
            here = Action("approve_here", "Supervisor approves here", "primary")
            return Screen(
                prompt=f"Scan an item at {location.code}",
                hint="Scan each item you find here, then count it.",
                label="Item",
                state=state,
                facts=[("Location", held.where(rf, state))],
                actions=[here, other] if state.get("waiting") else [other],
            )
        if state["step"] in ("badge", "pin"):
            return self._supervisor_screen(rf, state, location)
        item = held.item(rf, state)
        lot = held.lot(rf, state)
        facts = [("Location", held.where(rf, state)), ("Item", f"{item.sku} · {item.description}")]
        if lot is not None:
            facts.append(("Lot", lot.code))
        again = Action("item", "Another item")
        match state["step"]:
            case "lot":
                return Screen(
                    prompt=f"Scan the lot of {item.sku}",
                    label="Lot",
                    state=state,
                    facts=facts,
                    actions=[again],
                )
            case "count":
                return Screen(
                    prompt=f"Count {item.sku} at {location.code}",
                    hint="Count every unit here (open cases), then type how many. 0 if none.",
                    label="Counted",
                    numeric=True,
                    state=state,
                    facts=facts,
                    actions=[again],
                )
            case "recount":
                return Screen(
                    prompt=f"Count {item.sku} at {location.code} again",
                    hint="Count it once more from the start; this count is final.",
                    label="Counted",
                    numeric=True,
                    state=state,
                    facts=facts,
                    actions=[again],
                )
        raise UnknownStep(f"Unknown count step {state['step']!r}; start again.")

    def submit(self, rf: RfContext, state: State, value: str, action: str) -> Outcome:
        if action == "location":
            return Outcome({"step": "location"}, "", "info")
        if action == "item":
            return Outcome(step(state, "item", item=None, lot=None, first=None), "", "info")
        if action == "approve_here" and state.get("waiting"):
            return Outcome(step(state, "badge"), "A supervisor must approve this count.", "info")
        if action == "cancel":
            return Outcome(
                step(state, "item"), "Not approved here; it waits in Count approvals.", "info"
            )
        match state["step"]:
            case "location":
                changes, said = held.place_changes(rf, value)
                return Outcome(step(state, "item", **changes), said)
            case "item":
                item = scanning.item(value).item
                rf.once(("item", item.pk), lambda: item)
                next_step = "lot" if item.tracks_lots else "count"
                changes = {"item": item.pk, "lot": None, "waiting": None}
                return Outcome(step(state, next_step, **changes), f"{item.sku}.")
            case "badge" | "pin":
                return self._approve_here(rf, state, value)
            case "lot":
                lot = scanning.lot_of(held.item(rf, state), value)
                return Outcome(step(state, "count", lot=lot.pk), f"Lot {lot.code}.")
            case "count" | "recount":
                return self._count(rf, state, value)
        raise UnknownStep(f"Unknown count step {state['step']!r}; start again.")

    @staticmethod
    def _count(rf: RfContext, state: State, value: str) -> Outcome:
        counted = scanning.quantity(value, least=0, what="count")
        result = counting.record_count(
            rf.ctx(),
            item=held.item(rf, state),
            location=held.location(rf, state),
            lot=held.lot(rf, state),
            container=held.container(rf, state),
            counted=counted,
            first_count=state.get("first") if state["step"] == "recount" else None,
        )
        tone = TONES[result.outcome]
        if result.outcome == CountOutcome.RECOUNT:
            return Outcome(step(state, "recount", first=counted), result.message, tone)
        waiting = result.approval.pk if result.approval is not None else None
        after = step(state, "item", item=None, lot=None, first=None, waiting=waiting)
        return Outcome(after, result.message, tone)

    # A supervisor at the operator's scanner approves the count that waits (docs/floor.md). The
    # screens stay blind: the supervisor has looked at the location; the numbers are in Approvals.

    @staticmethod
    def _supervisor_screen(rf: RfContext, state: State, location: Location) -> Screen:

        approval = stock.pending_approval(warehouse=rf.wh, pk=state.get("waiting", 0))
        facts = [("Location", held.where(rf, state))]
        if approval is not None:
            facts.append(("Item", approval.item.sku))
            facts.append(("Counted", f"{approval.counted} by {approval.counted_by.username}"))
        if state["step"] == "badge":
            return badge_screen(state, "Approving this count", facts)
        return pin_screen(state, str(state.get("supervisor_name", "Supervisor")), facts)

    @staticmethod
    def _approve_here(rf: RfContext, state: State, value: str) -> Outcome:

        if state["step"] == "badge":
            boss = supervisor_by_badge(value)
            changes = {"supervisor": boss.pk, "supervisor_name": boss.username}
            return Outcome(step(state, "pin", **changes), "", "info")
        boss = supervisor_with_pin(state, value)  # checked in the submit that records the approval
        approval = stock.pending_approval(warehouse=rf.wh, pk=state.get("waiting", 0))
        if approval is None:
            raise GoneMeanwhile("That count was already decided; press Cancel and count on.")
        counting.approve_count(rf.ctx(actor=boss), approval=approval)
        after = step(state, "item", waiting=None, supervisor=None, supervisor_name=None)
        what = f"{approval.counted} × {approval.item.sku} at {approval.location.code}"
        return Outcome(after, f"Approved by {boss.username}: recorded {what}.")


# The review's buttons, typed: their number on the screen or their word (Enter alone approves).
DECISIONS = [("approve", "Approve"), ("reject", "Reject"), ("next", "Next")]


def _approval(rf: RfContext, state: State) -> CountApproval:
    found = stock.pending_approval(warehouse=rf.wh, pk=state.get("approval", 0))
    if found is None:
        raise GoneMeanwhile("That count was decided meanwhile; here is the next one.")
    return found


def _next_approval(rf: RfContext, after: int = 0) -> State:
    """The next waiting count after `after`, wrapping round to the oldest."""
    found = stock.next_pending_approval(warehouse=rf.wh, after=after)
    return {"step": "review", "approval": found.pk} if found else {"step": "idle"}


@register
class Approvals(Flow):
    slug = "approvals"
    title = "Approvals"
    blurb = "Counts waiting for a supervisor"
    role = Role.SUPERVISOR

    def start(self, rf: RfContext) -> State:
        return _next_approval(rf)

    def render(self, rf: RfContext, state: State) -> Screen:
        if state["step"] == "idle":
            return Screen(
                prompt=f"No counts waiting in {rf.wh.code}",
                hint="Scan anything to check again.",
                state=state,
                actions=[Action("refresh", "Check again", "primary")],
            )
        approval = _approval(rf, state)
        now = counting.system_quantity(
            item=approval.item,
            location=approval.location,
            lot=approval.lot,
            container=approval.container,
            status=approval.status,
        )
        where = approval.location.code + (
            f" in {approval.container.barcode}" if approval.container else ""
        )
        facts = [
            ("Location", where),
            ("Item", f"{approval.item.sku} · {approval.item.description}"),
            ("Counted", str(approval.counted)),
            ("System then", f"{approval.system} (variance {approval.variance:+d})"),
            ("System now", str(now)),
            ("Counted by", f"{approval.counted_by.username}, {approval.counted_at:%Y-%m-%d %H:%M}"),
        ]
        if approval.lot is not None:
            facts.insert(2, ("Lot", approval.lot.code))
        return Screen(
            prompt=f"Approve the count of {approval.item.sku} at {approval.location.code}?",
            hint="Approve records the count against the stock as it is now; reject asks for a "
            "new count. Enter alone approves; or type 2 (reject), 3 (next) and Enter.",
            label="Enter to approve",
            state=state,
            facts=facts,
            actions=[
                Action("approve", "Approve", "primary"),
                Action("reject", "Reject", "danger"),
                Action("next", "Next"),
            ],
        )

    def submit(self, rf: RfContext, state: State, value: str, action: str) -> Outcome:
        if state["step"] == "idle":
            return Outcome(_next_approval(rf), "", "info")
        current = int(state.get("approval") or 0)
        if not action:
            # A confirmation accepts Enter (the bounce guard has already dropped a bounced one).
            typed = scanning.clean(value)
            action = scanning.choice(typed, DECISIONS, what="choice") if typed else "approve"
        if action == "next":
            return Outcome(_next_approval(rf, current), "", "info")
        if action not in ("approve", "reject"):
            raise ChoiceRequired("Press Approve, Reject or Next.")
        try:
            approval = _approval(rf, state)
        except DomainError as exc:
            return Outcome(_next_approval(rf, current), exc.message, "warn")
        what = f"{approval.counted} × {approval.item.sku} at {approval.location.code}"
        if action == "approve":
            counting.approve_count(rf.ctx(), approval=approval)
            return Outcome(_next_approval(rf, current), f"Approved: recorded {what}.")
        counting.reject_count(approval=approval, actor=rf.user)
        decided = ApprovalState.REJECTED.label
        return Outcome(_next_approval(rf, current), f"Rejected {what}. {decided}.", "warn")
