"""Returns receiving: RMA or order number → returns location (once) → for each unit: item (→ lot,
expiry) → grade → quantity (Enter alone = 1), recorded by `inbound.receive_return_units`."""

from __future__ import annotations

from wms.catalog import selectors as catalog_selectors
from wms.floor import held, scanning
from wms.floor.errors import (
    AmbiguousNumber,
    GoneMeanwhile,
    ScanRequired,
    UnknownReturn,
    UnknownStep,
)
from wms.floor.screens import Action, Flow, Outcome, RfContext, Screen, State, register, step
from wms.inbound import selectors as inbound_selectors
from wms.inbound import services as inbound
from wms.inbound.models import Grade, Return
from wms.inventory import touches
from wms.orders import selectors as order_selectors

GRADE_TONES = {Grade.SELLABLE: "ok"}  # any other grade is amber: it does not go back to stock


def _return(rf: RfContext, state: State) -> Return:
    found = inbound_selectors.return_in_warehouse(pk=state.get("ret", 0), warehouse=rf.wh)
    if found is None:
        raise GoneMeanwhile("That return is gone; scan the RMA again.")
    return found


def _find_return(rf: RfContext, value: str) -> tuple[Return, str]:
    """An RMA of this warehouse, or the return of a shipped order (opened now if it has none)."""
    code = scanning.clean(value)
    if not code:
        raise ScanRequired("Scan or type the RMA or the order number.")
    rmas = inbound_selectors.returns_by_rma(warehouse=rf.wh, rma=code)
    if len(rmas) > 1:
        raise AmbiguousNumber(f"RMA {code} exists for several brands here; type the order number.")
    if rmas:
        return rmas[0], f"RMA {code}."
    orders = order_selectors.orders_numbered(external_id=code)
    if len(orders) > 1:
        raise AmbiguousNumber(
            f"Order number {code} exists for several brands; scan the RMA instead."
        )
    if not orders:
        raise UnknownReturn(
            f"{code} is neither an RMA of {rf.wh.code} nor an order number. Scan the RMA on the "
            "parcel, or type the order number from the packing slip."
        )
    order = orders[0]
    existing = inbound_selectors.first_return_of(order=order, warehouse=rf.wh)
    if existing is not None:
        return existing, f"RMA {existing.rma} of order {order.external_id}."
    ret = inbound.open_return(
        client=order.client, warehouse=rf.wh, rma=f"RMA-{order.external_id}", order=order
    )
    return ret, f"Opened RMA {ret.rma} for order {order.external_id}."


@register
class Returns(Flow):
    slug = "returns"
    title = "Returns"
    blurb = "Receive and grade customer returns"

    def start(self, rf: RfContext) -> State:
        return {"step": "rma"}

    def render(self, rf: RfContext, state: State) -> Screen:
        if state["step"] == "rma":
            return Screen(
                prompt="Scan the RMA or the order number", label="RMA or order", state=state
            )
        ret = _return(rf, state)
        facts = [("RMA", ret.rma + (f" · order {ret.order.external_id}" if ret.order else ""))]
        if state["step"] == "location":
            return Screen(
                prompt="Scan the returns location",
                hint="The returns bench or cage (RET-…) the units go to.",
                label="Location",
                state=state,
                facts=facts,
                actions=[Action("rma", "Another RMA")],
            )
        facts.append(("Into", held.location(rf, state).code))
        done = [Action("rma", "Another RMA"), Action("finish", "Finish")]
        if state["step"] == "item":
            return Screen(
                prompt="Scan the next returned item",
                label="Item",
                state=state,
                facts=facts,
                actions=done,
            )
        item = held.item(rf, state)
        facts.append(("Item", f"{item.sku} · {item.description}"))
        if state.get("lot"):
            facts.append(("Lot", str(state["lot"])))
        if state.get("expiry"):
            facts.append(("Expiry", str(state["expiry"])))
        if state.get("grade"):
            facts.append(("Grade", Grade(state["grade"]).label))
        other = [Action("item", "Another item")]
        match state["step"]:
            case "lot":
                return Screen(
                    prompt=f"Scan or type the lot of {item.sku}",
                    label="Lot",
                    state=state,
                    facts=facts,
                    actions=other,
                )
            case "expiry":
                return Screen(
                    prompt=f"Type the expiry of lot {state['lot']}",
                    hint="YYYY-MM-DD, or scan the GS1 date.",
                    label="Expiry",
                    state=state,
                    facts=facts,
                    actions=other,
                )
            case "grade":
                return Screen(
                    prompt=f"Grade {item.sku}",
                    label="Grade",
                    hint=f"Type its number and Enter, or press it: {scanning.numbered(Grade.choices)}.",
                    state=state,
                    facts=facts,
                    actions=[Action(g.value, g.label, "primary") for g in Grade] + other,
                )
            case "quantity":
                return Screen(
                    prompt=f"How many {item.sku} graded {Grade(state['grade']).label.lower()}?",
                    hint="Enter alone for 1.",
                    label="Quantity",
                    numeric=True,
                    state=state,
                    facts=facts,
                    actions=other,
                )
        raise UnknownStep(f"Unknown returns step {state['step']!r}; start again.")

    def submit(self, rf: RfContext, state: State, value: str, action: str) -> Outcome:
        unit = {"item": None, "lot": "", "expiry": "", "grade": ""}
        match action:
            case "finish":
                return Outcome({"redirect": "/rf/"})
            case "rma":
                return Outcome(self.start(rf), "", "info")
            case "item":
                return Outcome(step(state, "item", **unit), "", "info")
        match state["step"]:
            case "rma":
                ret, message = _find_return(rf, value)
                return Outcome(step(state, "location", ret=ret.pk), message)
            case "location":
                location = touches.check_returns_location(scanning.location(rf.wh, value))
                rf.once(("location", location.pk), lambda: location)
                return Outcome(step(state, "item", location=location.pk), f"Into {location.code}.")
            case "item":
                item = scanning.item(value, client_id=_return(rf, state).client_id).item
                next_step = "lot" if item.tracks_lots else "grade"
                return Outcome(step(state, next_step, **(unit | {"item": item.pk})), f"{item.sku}.")
            case "lot":
                return self._lot(rf, state, value)
            case "expiry":
                date = scanning.expiry(value)
                return Outcome(step(state, "grade", expiry=date.isoformat()), f"Expiry {date}.")
            case "grade":
                grade = (
                    action
                    if action in Grade.values
                    else scanning.choice(value, Grade.choices, what="grade")
                )
                return Outcome(
                    step(state, "quantity", grade=grade), Grade(grade).label + ".", "info"
                )
            case "quantity":
                return self._receive(rf, state, value)
        raise UnknownStep(f"Unknown returns step {state['step']!r}; start again.")

    @staticmethod
    def _lot(rf: RfContext, state: State, value: str) -> Outcome:
        code = scanning.clean(value)
        if not code:
            raise ScanRequired("Scan or type the lot printed on the unit.")
        touches.check_lot_code(code)
        item = held.item(rf, state)
        if not item.tracks_expiry:
            return Outcome(step(state, "grade", lot=code), f"Lot {code}.")
        # A lot the warehouse already knows has its expiry: asking again only invites a typo.
        known = catalog_selectors.lot_with_expiry(item=item, code=code)
        if known is not None and known.expiry_date is not None:
            expiry = known.expiry_date.isoformat()
            return Outcome(
                step(state, "grade", lot=code, expiry=expiry), f"Lot {code}, expiry {expiry}."
            )
        return Outcome(step(state, "expiry", lot=code), f"Lot {code}.")

    @staticmethod
    def _receive(rf: RfContext, state: State, value: str) -> Outcome:
        quantity = scanning.quantity(value) if scanning.clean(value) else 1
        grade = Grade(state["grade"])
        expiry = scanning.expiry(state["expiry"]) if state.get("expiry") else None
        ret = _return(rf, state)
        unit = inbound.receive_return_units(
            rf.ctx(),
            ret=ret,
            item=held.item(rf, state),
            quantity=quantity,
            grade=grade,
            location=held.location(rf, state),
            lot_code=str(state.get("lot") or ""),
            expiry_date=expiry,
        )
        message = (
            f"Received {unit.quantity} × {unit.item.sku} as {grade.label.lower()} on RMA {ret.rma}."
        )
        after = step(state, "item", item=None, lot="", expiry="", grade="")
        return Outcome(after, message, GRADE_TONES.get(grade, "warn"))
