"""The outbound floor workflow, by concept: waves and pick tasks (`waves`), picks and short picks
(`picking`), packing and closing cartons (`packing`), shipping, delivery and restocking
(`shipping`). This module re-exports them so `fulfilment.<verb>` keeps working everywhere."""

from __future__ import annotations

from wms.orders.packing import (
    _at_pack_station,
    _pack_request,
    check_closable,
    check_pack_station,
    close_at_station,
    close_parcel,
    pack_units,
)
from wms.orders.picking import (
    PickOutcome,
    _count_pick,
    _maybe_picked,
    _pick_facts,
    _pick_request,
    _release_from,
    _short_pick,
    _tote_facts,
    check_pick_lot,
    confirm_pick,
    confirm_pick_within,
)
from wms.orders.shipping import complete_restock, derived, mark_delivered, ship_order
from wms.orders.waves import (
    PICKER_HOLD,
    _claim,
    _sources,
    _untasked,
    create_tasks,
    next_task,
    open_task_load,
    release_wave,
    task_plan,
    work_queue,
)

# The names the split modules gave their shared helpers, under their old private names too.
_open_task_load = open_task_load
_task_plan = task_plan
_create_tasks = create_tasks

__all__ = [
    "PICKER_HOLD",
    "PickOutcome",
    "_at_pack_station",
    "_claim",
    "_count_pick",
    "_create_tasks",
    "_maybe_picked",
    "_open_task_load",
    "_pack_request",
    "_pick_facts",
    "_pick_request",
    "_release_from",
    "_short_pick",
    "_sources",
    "_task_plan",
    "_tote_facts",
    "_untasked",
    "check_closable",
    "check_pack_station",
    "check_pick_lot",
    "close_at_station",
    "close_parcel",
    "complete_restock",
    "confirm_pick",
    "confirm_pick_within",
    "create_tasks",
    "derived",
    "mark_delivered",
    "next_task",
    "open_task_load",
    "pack_units",
    "release_wave",
    "ship_order",
    "task_plan",
    "work_queue",
]
