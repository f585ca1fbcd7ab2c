"""Pick: the next task in priority order; scan location → item → quantity → tote."""

from __future__ import annotations

from wms.accounts.models import Role
from wms.catalog import selectors as catalog_selectors
from wms.errors import InvalidQuantity, LotMismatch, UnknownBarcode
from wms.floor import scanning
from wms.floor.errors import ChoiceRequired, GoneMeanwhile, ScanRequired, UnknownStep
from wms.floor.screens import Action, Flow, Outcome, RfContext, Screen, State, register, step
from wms.inventory import selectors as stock
from wms.layout.models import Container
from wms.orders import fulfilment
from wms.orders import selectors as order_selectors
from wms.orders.models import PickTask, TaskState

SHORT_REASONS = [("empty", "Location empty"), ("damaged", "Damaged"), ("not_found", "Not found")]
# A typed number this short is a quantity; anything longer is a barcode (UPC/EAN are 12+ digits).
MAX_TYPED_QUANTITY_DIGITS = 5


def _task(rf: RfContext, state: State) -> PickTask:
    task_id: int = state.get("task", 0)

    def load() -> PickTask | None:
        return order_selectors.pick_task_for_screen(pk=task_id)

    task = rf.once(("task", task_id), load) if task_id else None
    if task is None:
        raise GoneMeanwhile("This pick task is gone; take the next one.")
    return task


def _next(rf: RfContext) -> State:
    task = fulfilment.next_task(warehouse=rf.wh, picker=rf.user)
    if task is None:
        return {"step": "idle"}
    rf.cache[("task", task.pk)] = task  # the next screen shows it: no second read
    return {"step": "location", "task": task.pk}


def order_tote(task: PickTask) -> Container | None:
    """The tote this order's earlier picks went into, while it still holds them: what the tote
    step's prompt names. Whether a scanned tote takes the pick is `confirm_pick`'s to say."""
    earlier = order_selectors.earlier_tote_pick(task=task)
    if earlier is None or earlier.tote is None:
        return None
    # A split order has one tote per warehouse, as confirm_pick holds: never name another node's.
    if earlier.tote.warehouse_id != task.location.warehouse_id:
        return None
    if not stock.holds_stock(container=earlier.tote):
        return None
    return earlier.tote


@register
class Pick(Flow):
    slug = "pick"
    title = "Pick"
    blurb = "Next task on the path"

    def start(self, rf: RfContext) -> State:
        return _next(rf)

    def render(self, rf: RfContext, state: State) -> Screen:
        if state["step"] == "idle":
            actions = [Action("refresh", "Check again", "primary")]
            if rf.user.has_role(Role.SUPERVISOR):
                actions.append(Action("wave", "Release a wave"))
            return Screen(
                prompt=f"No picks waiting in {rf.wh.code}",
                hint="A supervisor releases the next wave of orders. Scan anything to check again.",
                state=state,
                actions=[*actions],
            )
        task = _task(rf, state)
        remaining = task.quantity - task.picked
        qty = state.get("qty", 0)
        facts = [
            ("Location", task.location.code),
            ("Item", f"{task.item.sku} · {task.item.description}"),
            ("Pick", f"{remaining}" + (f" of {task.quantity}" if task.picked else "")),
            ("Order", f"{task.order.external_id} ({task.order.channel})"),
        ]
        if state.get("lot_code"):
            facts.insert(
                2,
                (
                    "Lot",
                    f"{state['lot_code']} (not {task.lot.code})" if task.lot else state["lot_code"],
                ),
            )
        elif task.lot:
            facts.insert(2, ("Lot", task.lot.code))
        short = Action("short", "Short pick", "danger")
        match state["step"]:
            case "location":
                return Screen(
                    prompt=f"Go to {task.location.code} and scan it",
                    state=state,
                    facts=facts,
                    actions=[short],
                )
            case "item":
                return Screen(
                    prompt=f"Scan {task.item.sku}",
                    hint=task.item.description,
                    state=state,
                    facts=facts,
                    actions=[short],
                )
            case "lot":
                return Screen(
                    prompt=f"Scan the lot of {task.item.sku}",
                    hint=f"First to expire here: lot {task.lot.code}." if task.lot else "",
                    label="Lot",
                    state=state,
                    facts=facts,
                    actions=[short],
                )
            case "quantity":
                hint = (
                    f"Type the quantity, or scan more units. Enter alone confirms {qty}."
                    if qty == remaining
                    else "Scan the next unit, or type the quantity you picked."
                )
                return Screen(
                    prompt=f"Counted {qty} of {remaining}",
                    hint=hint,
                    label="Quantity or next unit",
                    state=state,
                    facts=facts,
                    actions=[short],
                )
            case "short":
                return Screen(
                    prompt=f"Short pick: {qty} of {remaining}. Why?",
                    label="Reason",
                    hint="Choose a reason, or type it.",
                    state=state,
                    facts=facts,
                    actions=[
                        *(Action(code, label, "primary") for code, label in SHORT_REASONS),
                        Action("back", "Back to the count"),
                    ],
                )
            case "tote":
                tote = order_tote(task)
                return Screen(
                    prompt=(
                        f"Put {qty} in tote {tote.barcode} and scan it"
                        if tote
                        else f"Put {qty} in an empty tote and scan it"
                    ),
                    label="Tote",
                    state=state,
                    facts=facts,
                )
        raise UnknownStep(f"Unknown pick step {state['step']!r}; start again.")

    def submit(self, rf: RfContext, state: State, value: str, action: str) -> Outcome:
        if state["step"] == "idle":
            if action == "wave":
                wave = fulfilment.release_wave(warehouse=rf.wh, actor=rf.user, max_orders=20)
                if wave is None:
                    return Outcome(_next(rf), "No orders are ready for a wave.", "warn")
                return Outcome(_next(rf), f"Wave {wave.pk} released.")
            return Outcome(_next(rf), "", "info")
        task = _task(rf, state)
        if task.state != TaskState.OPEN:
            return Outcome(
                _next(rf), f"That task is already {task.state}; here is the next one.", "warn"
            )
        remaining = task.quantity - task.picked
        if action == "short" and state["step"] != "short":
            return Outcome(step(state, "short", qty=state.get("qty", 0)), "", "info")
        match state["step"]:
            case "location":
                scanning.location(rf.wh, value, expected=task.location)
                return Outcome(step(state, "item"), f"At {task.location.code}.")
            case "item":
                units = self._units(task, value, counted=0, remaining=remaining)
                nxt = "lot" if task.item.tracks_lots else "quantity"
                return Outcome(step(state, nxt, qty=units), f"{units} × {task.item.sku}.")
            case "lot":
                return self._lot(task, state, value)
            case "quantity":
                qty = state.get("qty", 0)
                if not value:
                    if qty < remaining:  # Enter alone confirms only a full count
                        raise ScanRequired(
                            f"Counted {qty} of {remaining}: scan the next unit, type the quantity "
                            "you picked, or press Short pick."
                        )
                elif value.isdigit() and len(value) <= MAX_TYPED_QUANTITY_DIGITS:
                    qty = scanning.quantity(value, least=0, most=remaining)
                else:
                    try:
                        qty += self._units(task, value, counted=qty, remaining=remaining)
                    except UnknownBarcode:
                        if any(ch.isdigit() for ch in value):
                            raise  # a barcode, of another item: its own message names it
                        raise InvalidQuantity(
                            f"Type the quantity as a number, or scan a unit of {task.item.sku}; "
                            f"'{value}' is neither."
                        ) from None
                    if qty < remaining:
                        return Outcome(step(state, "quantity", qty=qty), f"Counted {qty}.")
                if qty == remaining:
                    return Outcome(step(state, "tote", qty=qty, short=""), f"{qty} to pick.")
                return Outcome(step(state, "short", qty=qty), "", "info")
            case "short":
                if action == "back":
                    return Outcome(step(state, "quantity"), "", "info")
                reason = dict(SHORT_REASONS).get(action) or value
                if not reason:
                    raise ChoiceRequired("Choose why the location is short.")
                return Outcome(step(state, "tote", short=reason), f"Short: {reason}.", "warn")
            case "tote":
                # Which tote is `confirm_pick`'s rule (the order's, while it holds its earlier
                # picks), refused there in the same words; the prompt above names it.
                tote = scanning.container(value)
                # The dispatcher's transaction rolls back whole on any error: no savepoint needed.
                outcome = fulfilment.confirm_pick_within(
                    rf.ctx(),
                    task=task,
                    tote=tote,
                    quantity=state.get("qty", 0),
                    short_reason=state.get("short", ""),
                    lot=catalog_selectors.get_lot(pk=state["lot"]) if state.get("lot") else None,
                )
                return Outcome(_next(rf), outcome.message, "warn" if state.get("short") else "ok")
        raise UnknownStep(f"Unknown pick step {state['step']!r}; start again.")

    @staticmethod
    def _lot(task: PickTask, state: State, value: str) -> Outcome:
        """The lot on the units taken. Another than the planned (first-expiring) one is asked
        about here and recorded by `confirm_pick` on the touch and the task."""
        lot = scanning.lot_of(task.item, value)
        if task.lot is not None and lot.pk == task.lot.pk:
            return Outcome(step(state, "quantity", lot=None, lot_code=""), f"Lot {lot.code}.")
        fulfilment.check_pick_lot(task, lot)
        here = stock.available_on_hand(
            item=task.item, lot=lot, location=task.location, plate=task.from_container
        )
        if here <= 0:
            raise LotMismatch(
                f"Lot {lot.code} is not at {task.location.code}; scan the lot on the units you took."
            )
        planned = f" instead of {task.lot.code} (first to expire)" if task.lot else ""
        return Outcome(
            step(state, "quantity", lot=lot.pk, lot_code=lot.code),
            f"Lot {lot.code}{planned}: recorded with the pick.",
            "warn",
        )

    @staticmethod
    def _units(task: PickTask, value: str, *, counted: int, remaining: int) -> int:
        resolved = scanning.item(value, expected=task.item)
        if counted + resolved.units > remaining:
            raise InvalidQuantity(
                f"That makes {counted + resolved.units}; only {remaining} to pick here. "
                + ("Scan single units, not the case." if resolved.units > 1 else "Put one back.")
            )
        return resolved.units
