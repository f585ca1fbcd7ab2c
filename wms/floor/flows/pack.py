"""Pack: scan the tote, then each unit into a carton; weigh and size it; its labels print here."""

from __future__ import annotations

from wms.catalog import selectors as catalog_selectors
from wms.errors import WrongContainer
from wms.floor import scanning
from wms.floor.errors import UnknownStep
from wms.floor.screens import Action, Flow, Outcome, RfContext, Screen, State, register, step
from wms.inventory import selectors as stock
from wms.inventory import touches
from wms.layout import selectors as layout_selectors
from wms.layout import services as layout
from wms.layout.models import Container, ContainerType, Location
from wms.orders import fulfilment
from wms.orders import selectors as order_selectors
from wms.orders.models import Order, OrderState

CARTON_SIZES = ["30x20x15", "40x30x20", "60x40x40"]  # the station's stock cartons, in cm
STATION_KEY = "rf_pack_station"


def _station(state: State) -> Location:
    return layout_selectors.get_location(pk=state["station"])


def _order(state: State) -> Order:
    return order_selectors.get_order(pk=state["order"])


def _container(pk: int) -> Container:
    return layout_selectors.get_container(pk=pk)


def _left(order: Order) -> list[tuple[str, int, int]]:
    """(sku, packed, picked) per SKU of the order still to pack."""
    return order_selectors.lines_left_to_pack(order=order)


def order_in_tote(tote: Container) -> Order:
    """The order whose picked units are in this tote (the last order picked into it)."""
    if not stock.holds_stock(container=tote):
        raise WrongContainer(f"Tote {tote.barcode} is empty; scan a tote with picked units.")
    task = order_selectors.last_pick_into(tote=tote)
    if task is None:
        raise WrongContainer(f"Tote {tote.barcode} holds no picked order; give it to a supervisor.")
    order = task.order
    if order.state == OrderState.PICKING:
        raise WrongContainer(
            f"Order {order.external_id} is still being picked; pack it once every pick is done."
        )
    if order.state not in (OrderState.PICKED, OrderState.PACKED):
        raise WrongContainer(
            f"Order {order.external_id} is {OrderState(order.state).label.lower()}: do not pack it; "
            "give the tote to a supervisor."
        )
    return order


@register
class Pack(Flow):
    slug = "pack"
    title = "Pack"
    blurb = "Tote to carton, labels"

    def start(self, rf: RfContext) -> State:
        station = rf.request.session.get(STATION_KEY)
        if station and layout_selectors.is_location_of(pk=station, warehouse=rf.wh):
            return {"step": "tote", "station": station}
        return {"step": "station"}

    def render(self, rf: RfContext, state: State) -> Screen:
        if state["step"] == "station":
            return Screen(prompt="Scan your pack station", state=state, label="Pack station")
        station = _station(state)
        facts = [("Station", station.code)]
        if state["step"] == "tote":
            return Screen(
                prompt="Scan a tote to pack",
                label="Tote",
                state=state,
                facts=facts,
                actions=[Action("station", "Other station")],
            )
        order = _order(state)
        facts.append(("Order", f"{order.external_id} ({order.channel})"))
        facts += [(sku, f"{packed} of {picked} packed") for sku, packed, picked in _left(order)]
        if state["step"] == "carton":
            return Screen(
                prompt=f"Scan a carton for order {order.external_id}",
                label="Carton",
                hint="A carton label (SSCC or LP); no label? New carton.",
                state=state,
                facts=facts,
                actions=[Action("newcarton", "New carton", "primary")],
            )
        carton = _container(state["carton"])
        facts.insert(1, ("Carton", carton.barcode))
        match state["step"]:
            case "unit":
                return Screen(
                    prompt=f"Scan each unit into {carton.barcode}",
                    label="Unit",
                    state=state,
                    facts=facts,
                    actions=[Action("close", "Close carton", "primary")],
                )
            case "lot":
                return Screen(
                    prompt=f"Scan the lot of {state['sku']}", label="Lot", state=state, facts=facts
                )
            case "weigh":
                return Screen(
                    prompt=f"Weigh {carton.barcode}: type the kg",
                    label="Weight (kg)",
                    numeric=True,
                    state=state,
                    facts=facts,
                )
            case "size":
                return Screen(
                    prompt=f"Size of {carton.barcode} (cm)",
                    hint="Choose the carton, or type length x width x height.",
                    label="L x W x H (cm)",
                    state=state,
                    facts=[*facts, ("Weight", f"{state['grams'] / 1000:.2f} kg")],
                    actions=[Action(s, s, "primary") for s in CARTON_SIZES]
                    + [Action("weigh", "Weigh again")],
                )
        raise UnknownStep(f"Unknown pack step {state['step']!r}; start again.")

    def submit(self, rf: RfContext, state: State, value: str, action: str) -> Outcome:
        if action == "station":
            return Outcome({"step": "station"}, "", "info")
        match state["step"]:
            case "station":
                station = scanning.location(rf.wh, value)
                fulfilment.check_pack_station(station)
                rf.request.session[STATION_KEY] = station.pk
                return Outcome(
                    {"step": "tote", "station": station.pk}, f"Packing at {station.code}."
                )
            case "tote":
                return self._tote(rf, state, value)
            case "carton":
                return self._carton(rf, state, value, action)
            case "unit":
                if action == "close":
                    fulfilment.check_closable(carton_id=state["carton"])
                    return Outcome(step(state, "weigh"), "", "info")
                resolved = scanning.item(value, client_id=_order(state).client_id)
                lots = stock.lot_codes_in(container_id=state["tote"], item=resolved.item)
                if len(lots) > 1:
                    return Outcome(
                        step(
                            state,
                            "lot",
                            item=resolved.item.pk,
                            sku=resolved.item.sku,
                            units=resolved.units,
                        ),
                        "",
                        "info",
                    )
                lot = scanning.lot_of(resolved.item, lots[0]) if lots else None
                return self._pack(
                    rf, state, resolved.item.pk, resolved.units, lot.pk if lot else None
                )
            case "lot":
                item = catalog_selectors.get_item(pk=state["item"])
                lot = scanning.lot_of(item, value)
                return self._pack(rf, state, item.pk, state["units"], lot.pk)
            case "weigh":
                return Outcome(step(state, "size", grams=scanning.grams(value)), "", "info")
            case "size":
                if action == "weigh":
                    return Outcome(step(state, "weigh"), "", "info")
                return self._close(rf, state, action or value)
        raise UnknownStep(f"Unknown pack step {state['step']!r}; start again.")

    def _tote(self, rf: RfContext, state: State, value: str) -> Outcome:
        tote = scanning.container(value)
        if tote.type != ContainerType.TOTE:
            raise WrongContainer(
                f"{tote.barcode} is a {tote.type}; scan the tote you are packing from."
            )
        order = order_in_tote(tote)
        station = _station(state)
        said = ""
        if tote.location_id != station.pk:
            touches.move_container(rf.ctx("tote"), container=tote, to_location=station)
            said = f"Tote {tote.barcode} is now at {station.code}. "
        open_carton = order_selectors.open_carton_of(order=order)
        nxt = (
            step(state, "unit", order=order.pk, tote=tote.pk, carton=open_carton)
            if open_carton
            else step(state, "carton", order=order.pk, tote=tote.pk)
        )
        return Outcome(nxt, f"{said}Order {order.external_id}.")

    def _carton(self, rf: RfContext, state: State, value: str, action: str) -> Outcome:
        code = scanning.clean(value)
        if action == "newcarton":
            made = layout.create_new_plate(
                warehouse=rf.wh, type=ContainerType.CARTON, location=_station(state)
            )
            return Outcome(step(state, "unit", carton=made.pk), f"New carton {made.barcode}.")
        found = layout_selectors.container_by_label(code=code) if code else None
        if found is None:
            if not code:
                raise WrongContainer("Scan a carton's license plate, or press New carton.")
            # Only a label of a plate series starts a carton: a mis-key is refused there.
            found = layout.register_scanned_plate(
                warehouse=rf.wh, type=ContainerType.CARTON, code=code, location=_station(state)
            )
            said = f"New carton {found.barcode}."
        else:
            if found.type != ContainerType.CARTON:
                raise WrongContainer(f"{found.barcode} is a {found.type}; scan a carton.")
            parcel = order_selectors.parcel_in(container=found)
            if parcel is not None and (parcel.order_id != state["order"] or parcel.closed_at):
                raise WrongContainer(
                    f"Carton {found.barcode} is already packed and closed; take a new carton."
                )
            said = f"Carton {found.barcode}."
        return Outcome(step(state, "unit", carton=found.pk), said)

    def _pack(
        self, rf: RfContext, state: State, item_id: int, units: int, lot_id: int | None
    ) -> Outcome:

        order = _order(state)
        result = fulfilment.pack_units(
            rf.ctx(),
            order=order,
            tote=_container(state["tote"]),
            carton=_container(state["carton"]),
            item=catalog_selectors.get_item(pk=item_id),
            lot=catalog_selectors.get_lot(pk=lot_id) if lot_id else None,
            quantity=units,
        )
        state = {k: v for k, v in state.items() if k not in ("item", "sku", "units")}
        order.refresh_from_db(fields=["state"])
        if order.state == OrderState.PACKED:
            return Outcome(step(state, "weigh"), f"{result.message} All packed: weigh the carton.")
        return Outcome(step(state, "unit"), result.message)

    def _close(self, rf: RfContext, state: State, size: str) -> Outcome:
        length, width, height = scanning.dimensions(size)
        parcel = order_selectors.parcel_of_carton(container_id=state["carton"])
        closed, printed = fulfilment.close_at_station(
            parcel=parcel,
            station=_station(state),
            actor=rf.user,
            weight_g=state["grams"],
            length_mm=length,
            width_mm=width,
            height_mm=height,
        )
        order = _order(state)
        carton = closed.container.barcode
        lines = " ".join(printed)
        if order.state == OrderState.PACKED and not order_selectors.has_open_carton(order=order):
            n = order_selectors.carton_count(order=order)
            return Outcome(
                {"step": "tote", "station": state["station"]},
                f"Order {order.external_id} packed in {n} carton{'s' if n > 1 else ''}. {lines}".strip(),
                "warn" if "not printed" in lines or "No printer" in lines else "ok",
            )
        return Outcome(
            {k: v for k, v in step(state, "carton").items() if k not in ("carton", "grams")},
            f"Closed {carton}. Scan the next carton.",
        )
