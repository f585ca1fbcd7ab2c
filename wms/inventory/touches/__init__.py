"""One service per touch kind: validate in the floor's words, then hand a plan to the ledger.

Every function takes a `ScanContext` (who, which device, the device's scan id) and keyword-only
arguments, returns a `ScanResult`, and either records everything or raises a `DomainError` and
records nothing. A repeated scan id returns the first result.

One module per concept: checks (shared checks), inbound (receive, returns), movement (stow, move,
containers), outbound (pick, pack, ship — for the order services only), status (quarantine,
release, relabel, dispose), counts (adjust, count). Every name the single module had is
re-exported here, so `from wms.inventory import touches; touches.receive(...)` keeps working.
"""

from __future__ import annotations

from wms.inventory.touches.checks import (
    LOT_CODE_MAX,
    PICK_TYPES,
    REASON_MAX,
    RECEIVING_TYPES,
    SHIP_FROM_TYPES,
    STOW_TYPES,
    _active,
    _between,
    _container,
    _ids,
    _lot,
    _lot_for_receipt,
    _of_warehouse,
    _physical,
    _placed,
    _qty,
    _qty_text,
    _reason,
    _role,
    _same_warehouse,
    _virtual,
    check_lot_code,
    check_on_floor,
    check_reason_code,
    check_receiving_location,
    check_receiving_plate,
    check_returns_location,
    check_stow_location,
)
from wms.inventory.touches.counts import adjust, count
from wms.inventory.touches.inbound import receive, receive_return
from wms.inventory.touches.movement import (
    _contents,
    _move_family,
    _set_pallet,
    _transfer,
    move,
    move_container,
    nest_container,
    stow,
    stow_container,
    unnest_container,
)
from wms.inventory.touches.outbound import pack, pick, ship
from wms.inventory.touches.status import (
    _change_status,
    dispose,
    quarantine,
    relabel,
    release,
)

__all__ = [
    "LOT_CODE_MAX",
    "PICK_TYPES",
    "REASON_MAX",
    "RECEIVING_TYPES",
    "SHIP_FROM_TYPES",
    "STOW_TYPES",
    "_active",
    "_between",
    "_change_status",
    "_container",
    "_contents",
    "_ids",
    "_lot",
    "_lot_for_receipt",
    "_move_family",
    "_of_warehouse",
    "_physical",
    "_placed",
    "_qty",
    "_qty_text",
    "_reason",
    "_role",
    "_same_warehouse",
    "_set_pallet",
    "_transfer",
    "_virtual",
    "adjust",
    "check_lot_code",
    "check_on_floor",
    "check_reason_code",
    "check_receiving_location",
    "check_receiving_plate",
    "check_returns_location",
    "check_stow_location",
    "count",
    "dispose",
    "move",
    "move_container",
    "nest_container",
    "pack",
    "pick",
    "quarantine",
    "receive",
    "receive_return",
    "relabel",
    "release",
    "ship",
    "stow",
    "stow_container",
    "unnest_container",
]
