"""Receive: against an ASN / PO or blind; the dock; a license plate; then item after item.

Each item is scanned (a case barcode proposes the case quantity), its lot and expiry asked when the
item tracks them, and the quantity committed with `inbound.receive_against` (or `touches.receive`
for a blind receipt). Tolerances, the lot rules, the receiving locations and which plates take
units are the services'; the screen asks them (`check_receiving_location`, `check_receiving_plate`,
`check_lot_code`, `check_expected`) as each answer is scanned, so a wrong one is refused at once.
"""

from __future__ import annotations

import datetime as dt

from wms.catalog import selectors as catalog_selectors
from wms.catalog.models import Item
from wms.errors import WrongContainer
from wms.floor import scanning
from wms.floor.errors import ScanRequired, UnknownStep
from wms.floor.screens import Action, Flow, Outcome, RfContext, Screen, State, register, step
from wms.inbound import selectors as inbound_selectors
from wms.inbound.models import ExpectedReceipt, ReceiptKind, ReceiptState
from wms.inbound.services import (
    AlreadyClosed,
    NotExpected,
    check_expected,
    complete_receipt,
    receive_against,
)
from wms.inventory import touches
from wms.layout import selectors as layout_selectors
from wms.layout import services as layout
from wms.layout.models import Container, ContainerType, Location

BLIND_REFERENCE = "BLIND"
MENU = Action("menu", "Menu")
SSCC_LENGTHS = (18, 20)  # an SSCC, with or without its application identifier (00)


def _label(receipt: ExpectedReceipt) -> str:
    return f"{ReceiptKind(receipt.kind).name} {receipt.reference}"


def _receipt(state: State) -> ExpectedReceipt | None:
    if not state.get("receipt"):
        return None
    return inbound_selectors.get_receipt(pk=state["receipt"])


def _find_receipt(rf: RfContext, value: str) -> ExpectedReceipt:
    """The open ASN or PO with this number, expected at this warehouse."""
    code = scanning.clean(value)
    if not code:
        raise NotExpected("Scan or type the ASN or PO number, or press Blind receipt.")
    found = inbound_selectors.receipts_numbered(warehouse=rf.wh, reference=code)
    open_ = [r for r in found if r.state != ReceiptState.COMPLETE]
    if not found:
        raise NotExpected(
            f"No ASN or PO {code} is expected at {rf.wh.code}. Check the number on the paperwork, "
            "or press Blind receipt."
        )
    if not open_:
        raise AlreadyClosed(
            f"{_label(found[0])} is already complete. Receive blind, or ask the office."
        )
    if len(open_) > 1:
        brands = ", ".join(sorted(r.client.code for r in open_))
        raise NotExpected(
            f"{code} is open for {len(open_)} brands ({brands}); ask the office which."
        )
    return open_[0]


def _plate(rf: RfContext, location: Location, value: str) -> tuple[Container, bool]:
    """A known plate at (or new to) this location, or a new pallet from a plate label of a series
    (`layout.register_scanned_plate` refuses anything else). Returns (plate, new)."""
    code = scanning.clean(value)
    try:
        plate = scanning.container(code)
    except WrongContainer:
        if not code:
            raise
        new = layout.register_scanned_plate(
            warehouse=rf.wh, type=ContainerType.PALLET, code=code, location=location
        )
        return new, True
    touches.check_receiving_plate(plate, location=location)
    return plate, False


def _lines(receipt_id: int) -> list[tuple[str, str]]:
    """The receipt's lines as facts: expected, received so far, and what is over or short."""
    facts = []
    for sku, expected, received in inbound_selectors.receipt_lines(receipt_id=receipt_id):
        off = received - expected
        said = f"{received} of {expected}" + (
            f" · {off} over" if off > 0 else f" · {-off} short" if off < 0 else " ✓"
        )
        facts.append((sku, said))
    return facts


def _over_short(receipt_id: int) -> str:
    """What Finish receipt would close with: each line received over or short, or that all agree."""
    off = []
    for sku, expected, received in inbound_selectors.receipt_lines(receipt_id=receipt_id):
        if received < expected:
            off.append(f"{sku} short {expected - received} ({received} of {expected})")
        elif received > expected:
            off.append(f"{sku} over {received - expected} ({received} of {expected})")
    return "; ".join(off)


def _short_lines(receipt: ExpectedReceipt) -> str:
    lines = inbound_selectors.short_lines(receipt=receipt)
    return "; ".join(f"{sku} {received} of {quantity}" for sku, received, quantity in lines)


def _progress(expected: int, received: int, sku: str) -> str:
    return f"{expected} × {sku} · {received} received"


def _place(state: State) -> tuple[Location, Container | None]:
    """The receiving location and the plate; one query when the plate stands there already."""
    if not state.get("plate"):
        return layout_selectors.get_location(pk=state["loc"]), None
    plate = layout_selectors.get_plate(pk=state["plate"])
    if plate.location is not None and plate.location.pk == state["loc"]:
        return plate.location, plate
    return layout_selectors.get_location(pk=state["loc"]), plate


@register
class Receive(Flow):
    slug = "receive"
    title = "Receive"
    blurb = "ASN, PO or blind, onto a plate"

    def render(self, rf: RfContext, state: State) -> Screen:
        """Facts come from the strings the state carries; only the line's progress is read."""
        # Long because it is a table: one screen per step of the receive flow, in floor order.
        if state["step"] == "start":
            return Screen(
                prompt="Scan the ASN or PO number",
                label="ASN / PO",
                hint="No paperwork? Press Blind receipt.",
                state=state,
                actions=[Action("blind", "Blind receipt"), MENU],
            )
        facts = [("Receipt", state["head"])]
        if state["step"] == "location":
            return Screen(
                prompt="Scan the dock location",
                label="Location",
                hint="A dock, staging or quarantine location.",
                state=state,
                facts=facts,
                actions=[MENU],
            )
        facts += [("Location", state["at"]), ("Plate", state.get("plate_code") or "none")]
        if state["step"] == "plate":
            return Screen(
                prompt="Scan the pallet or carton plate",
                label="License plate",
                hint="A new SSCC or LP label starts a new pallet here; no label? New plate.",
                state=state,
                facts=facts,
                actions=[Action("newplate", "New plate"), Action("noplate", "No plate"), MENU],
            )
        # The line's progress: live for the item in hand; after a receipt, as that scan left it.
        progress = state.get("progress", "")
        if state.get("receipt") and state.get("item"):
            line = inbound_selectors.line_progress(
                receipt_id=state["receipt"], item_id=state["item"]
            )
            progress = _progress(*line, state["sku"]) if line else ""
        if progress:
            facts.append(("Expected", progress))
        if state["step"] == "item":
            actions = [Action("plate", "Other plate")]
            if state.get("receipt"):
                actions.append(Action("finish", "Finish receipt", "primary"))
                facts = [*facts[:3], *_lines(state["receipt"])]
            return Screen(
                prompt="Scan an item",
                label="Item barcode",
                state=state,
                facts=facts,
                actions=[*actions, MENU],
            )
        if state["step"] == "finish":
            off = _over_short(state["receipt"])
            return Screen(
                prompt=f"Finish {state['head']}?",
                label="Enter to finish",
                hint=f"Over / short: {off}." if off else "Every line received as expected.",
                state=state,
                facts=[facts[0], *_lines(state["receipt"])],
                actions=[
                    Action("confirm", "Finish receipt", "primary"),
                    Action("item", "Keep receiving"),
                ],
            )
        sku = state["sku"]
        facts.insert(1, ("Item", f"{sku} · {state['description']}"))
        if state.get("lot"):
            facts.append(("Lot", state["lot"]))
        if state.get("expiry"):
            facts.append(("Expiry", state["expiry"]))
        back = Action("item", "Other item")
        match state["step"]:
            case "lot":
                return Screen(
                    prompt=f"Scan the lot of {sku}",
                    label="Lot",
                    state=state,
                    facts=facts,
                    actions=[back, MENU],
                )
            case "expiry":
                known = catalog_selectors.lot_expiry(item_id=state["item"], code=state["lot"])
                return Screen(
                    prompt="Type the expiry date",
                    label="Expiry (YYYY-MM-DD)",
                    hint=f"Lot {state['lot']} is known with expiry {known}."
                    if known
                    else "As printed: 2027-03-31, 31/03/2027 or 270331.",
                    state=state,
                    facts=facts,
                    actions=[back, MENU],
                )
            case "serial":
                return Screen(
                    prompt=f"Scan the serial of {sku}",
                    label="Serial number",
                    hint="One unit per serial.",
                    state=state,
                    facts=facts,
                    actions=[back, MENU],
                )
            case "quantity":
                units = state.get("units") or 1
                if units > 1:  # a case barcode: the count is of cases
                    return Screen(
                        prompt=f"How many cases of {sku}?",
                        label="Cases",
                        hint=f"Count cases of {units} units. Enter alone receives 1 case "
                        f"({units} units).",
                        numeric=True,
                        state=state,
                        facts=[*facts, ("Case", f"{units} units")],
                        actions=[back, MENU],
                    )
                return Screen(
                    prompt=f"How many units of {sku}?",
                    label="Units",
                    hint="Count units. Enter alone receives 1 unit.",
                    numeric=True,
                    state=state,
                    facts=facts,
                    actions=[back, MENU],
                )
        raise UnknownStep(f"Unknown receive step {state['step']!r}; start again.")

    def submit(self, rf: RfContext, state: State, value: str, action: str) -> Outcome:
        match state["step"]:
            case "start":
                if action == "blind":
                    blind = step(state, "location", receipt=None, head="Blind receipt")
                    return Outcome(blind, "Blind receipt.", "info")
                found = _find_receipt(rf, value)
                head = f"{_label(found)} · {found.client.code}"
                return Outcome(
                    step(state, "location", receipt=found.pk, head=head), f"{_label(found)}."
                )
            case "location":
                location = touches.check_receiving_location(scanning.location(rf.wh, value))
                at = step(state, "plate", loc=location.pk, at=location.code)
                return Outcome(at, f"At {location.code}.")
            case "plate":
                if action == "noplate":
                    loose = step(state, "item", plate=None, plate_code="")
                    return Outcome(loose, "No plate.", "info")
                location = layout_selectors.get_location(pk=state["loc"])
                if action == "newplate":
                    plate = layout.create_new_plate(
                        warehouse=rf.wh, type=ContainerType.PALLET, location=location
                    )
                    said = (
                        f"New pallet {plate.barcode}: print its plate label at the label station."
                    )
                    return Outcome(
                        step(state, "item", plate=plate.pk, plate_code=plate.barcode), said
                    )
                plate, new = _plate(rf, location, value)
                said = f"New pallet {plate.barcode}." if new else f"Plate {plate.barcode}."
                return Outcome(step(state, "item", plate=plate.pk, plate_code=plate.barcode), said)
        if action == "plate":
            return Outcome(self._item(state, "plate", plate=None, plate_code=""), "", "info")
        if action == "item":
            return Outcome(self._item(state, "item", progress=""), "", "info")
        receipt = _receipt(state)
        match state["step"]:
            case "item":
                if action == "finish" and receipt is not None:
                    return Outcome(step(state, "finish"), "", "info")
                return self._scan_item(receipt, state, value)
            case "finish":
                if receipt is None or action not in ("", "confirm"):
                    return Outcome(step(state, "item"), "", "info")
                if value:
                    raise ScanRequired(
                        "Press Enter (nothing typed) or Finish receipt to finish; Keep receiving "
                        "to scan more."
                    )
                done = complete_receipt(receipt=receipt, actor=rf.user)
                short = _short_lines(done)
                if short:
                    return Outcome(
                        {"step": "start"}, f"{_label(done)} is complete, short: {short}.", "warn"
                    )
                return Outcome({"step": "start"}, f"{_label(done)} is complete.")
            case "lot":
                code = scanning.clean(value)
                if not code:
                    raise ScanRequired("Scan or type the lot printed on the label.")
                touches.check_lot_code(code)
                item = catalog_selectors.get_item(pk=state["item"])
                return Outcome(step(state, self._after_lot(item), lot=code), f"Lot {code}.")
            case "expiry":
                expiry = scanning.expiry(value)
                item = catalog_selectors.get_item(pk=state["item"])
                nxt = "serial" if item.tracks_serials else "quantity"
                return Outcome(step(state, nxt, expiry=expiry.isoformat()), f"Expires {expiry}.")
            case "serial":
                serial = scanning.clean(value)
                if not serial:
                    raise ScanRequired("Scan the serial number on the unit.")
                return self._commit(rf, receipt, state, quantity=1, serial=serial)
            case "quantity":
                # After a case barcode the count is of cases (the prompt says so).
                per = state.get("units") or 1
                what = "number of cases" if per > 1 else "quantity"
                count = scanning.quantity(value, what=what) if scanning.clean(value) else 1
                return self._commit(rf, receipt, state, quantity=count * per)
        raise UnknownStep(f"Unknown receive step {state['step']!r}; start again.")

    @staticmethod
    def _item(state: State, name: str, **changes: object) -> State:
        """Back to an item-less step: what the last item captured is forgotten."""
        return step(state, name, item=None, units=None, lot="", expiry="", **changes)

    @staticmethod
    def _after_item(item: Item) -> str:
        if item.tracks_lots:
            return "lot"
        return "serial" if item.tracks_serials else "quantity"

    @staticmethod
    def _after_lot(item: Item) -> str:
        if item.tracks_expiry:
            return "expiry"
        return "serial" if item.tracks_serials else "quantity"

    def _scan_item(self, receipt: ExpectedReceipt | None, state: State, value: str) -> Outcome:
        resolved = scanning.item(value, client_id=receipt.client_id if receipt else None)
        item = resolved.item
        if receipt is not None:
            check_expected(receipt=receipt, item=item)
        said = f"{item.sku}" + (f": a case of {resolved.units}." if resolved.units > 1 else ".")
        return Outcome(
            step(
                state,
                self._after_item(item),
                item=item.pk,
                sku=item.sku,
                description=item.description,
                units=resolved.units,
                lot="",
                expiry="",
            ),
            said,
        )

    def _commit(
        self,
        rf: RfContext,
        receipt: ExpectedReceipt | None,
        state: State,
        *,
        quantity: int,
        serial: str = "",
    ) -> Outcome:
        item = catalog_selectors.get_item(pk=state["item"])
        location, plate = _place(state)
        expiry = dt.date.fromisoformat(state["expiry"]) if state.get("expiry") else None
        after = self._item(state, "item", progress="")
        if receipt is None:
            scan = touches.receive(
                rf.ctx(),
                item=item,
                quantity=quantity,
                location=location,
                container=plate,
                lot_code=state.get("lot", ""),
                expiry_date=expiry,
                serial=serial,
                reference=BLIND_REFERENCE,
            )
            return Outcome(after, scan.message)
        result = receive_against(
            rf.ctx(),
            receipt=receipt,
            item=item,
            quantity=quantity,
            location=location,
            container=plate,
            lot_code=state.get("lot", ""),
            expiry_date=expiry,
            serial=serial,
        )
        after["progress"] = _progress(result.expected, result.received, item.sku)
        if result.warning:
            return Outcome(after, f"{result.scan.message} {result.warning}", "warn")
        return Outcome(
            after, f"{result.scan.message} {result.received} of {result.expected} received."
        )
