"""Ship / load: scan the lane, the trailer or BOL, then each carton; closing the load ships it."""

from __future__ import annotations

from wms.floor import scanning
from wms.floor.errors import ScanRequired, UnknownStep
from wms.floor.screens import Action, Flow, Outcome, RfContext, Screen, State, register, step
from wms.layout import selectors as layout_selectors
from wms.loading import selectors as loading_selectors
from wms.loading import services as loading
from wms.loading.models import Load


def _load(state: State) -> Load:
    return loading_selectors.get_load(pk=state["load"])


@register
class LoadFlow(Flow):
    slug = "load"
    title = "Load"
    blurb = "Cartons onto a trailer; ship"

    def start(self, rf: RfContext) -> State:
        return {"step": "lane"}

    def render(self, rf: RfContext, state: State) -> Screen:
        match state["step"]:
            case "lane":
                return Screen(
                    prompt="Scan the ship lane or dock door",
                    label="Lane",
                    state=state,
                )
            case "reference":
                return Screen(
                    prompt="Scan the trailer, BOL or PRO number",
                    hint="It names the load and tracks cartons without a carrier label.",
                    label="Trailer / BOL / PRO",
                    state=state,
                )
        load = _load(state)
        counts = loading.summary(load)
        facts = [
            ("Load", load.reference),
            ("Lane", load.location.code),
            ("Carrier", load.carrier or "set by the first carton"),
            ("Cartons", str(counts["cartons"])),
            ("Orders complete", f"{counts['complete']} of {counts['orders']}"),
        ]
        if state["step"] == "carton":
            return Screen(
                prompt=f"Scan each carton onto {load.reference}",
                label="Carton or pallet",
                state=state,
                facts=facts,
                actions=[
                    Action("close", "Close load", "primary"),
                    Action("unload", "Take a carton off"),
                ],
            )
        if state["step"] == "unload":
            return Screen(
                prompt=f"Scan the carton to take off {load.reference}",
                label="Carton or pallet",
                state=state,
                facts=facts,
                actions=[Action("back", "Keep loading")],
            )
        if state["step"] == "unload_to":
            barcode = layout_selectors.get_container(pk=state["container"]).barcode
            return Screen(
                prompt=f"Put {barcode} down off the lane and scan where",
                label="Location",
                hint="Staging, a pack station or another lane; it leaves the load when scanned.",
                state=state,
                facts=facts,
                actions=[Action("back", "Keep it on the load")],
            )
        if state["step"] == "confirm":
            ships = loading.plural(counts["complete"], "order")
            return Screen(
                prompt=f"Close {load.reference} and ship {ships}?",
                label="Enter to close and ship",
                hint="Enter (nothing typed) closes the load and ships; Keep loading goes back.",
                state=state,
                facts=facts,
                actions=[
                    Action("ship", "Close and ship", "primary"),
                    Action("back", "Keep loading"),
                ],
            )
        raise UnknownStep(f"Unknown load step {state['step']!r}; start again.")

    def submit(self, rf: RfContext, state: State, value: str, action: str) -> Outcome:
        match state["step"]:
            case "lane":
                lane = scanning.location(rf.wh, value)
                load = loading.open_load_at(lane)
                if load is None:
                    return Outcome(
                        {"step": "reference", "lane": lane.pk},
                        f"No load open at {lane.code}.",
                        "info",
                    )
                return Outcome({"step": "carton", "load": load.pk}, f"Loading {load.reference}.")
            case "reference":
                load = loading.open_load(
                    warehouse=rf.wh,
                    location=layout_selectors.get_location(pk=state["lane"]),
                    reference=value,
                    actor=rf.user,
                )
                return Outcome(
                    {"step": "carton", "load": load.pk}, f"Load {load.reference} opened."
                )
            case "carton":
                if action == "close":
                    loading.check_closable(_load(state))
                    return Outcome(step(state, "confirm"), "", "info")
                if action == "unload":
                    return Outcome(step(state, "unload"), "", "info")
                loaded = loading.load_carton(
                    rf.ctx(), load=_load(state), container=scanning.container(value)
                )
                return Outcome(state, loaded.message, "ok" if loaded.cartons else "warn")
            case "unload":
                if action == "back":
                    return Outcome(step(state, "carton"), "", "info")
                container = scanning.container(value)
                loading.check_on_load(load=_load(state), container=container)
                return Outcome(step(state, "unload_to", container=container.pk), "", "info")
            case "unload_to":
                if action == "back":
                    return Outcome(step(state, "carton"), "", "info")
                off = loading.unload_carton(
                    rf.ctx(),
                    load=_load(state),
                    container=layout_selectors.get_container(pk=state["container"]),
                    to_location=scanning.location(rf.wh, value),
                )
                return Outcome(step(state, "carton"), off.message)
            case "confirm":
                if action == "back":
                    return Outcome(step(state, "carton"), "", "info")
                if value:
                    raise ScanRequired(
                        "Press Enter with nothing typed (or Close and ship) to close the load; "
                        "Keep loading to scan more."
                    )
                closed = loading.close_load(rf.ctx(), load=_load(state))
                return Outcome({"step": "lane"}, closed.message)
        raise UnknownStep(f"Unknown load step {state['step']!r}; start again.")
