"""Order verbs, by concept: intake (`intake`: import from any channel, retry backorders) and changes
after arrival (`changes`: cancel, change address, hold, resume, label printed). The reads they used
to hold are in `selectors`. This module re-exports all of them so `services.<verb>` keeps working."""

from __future__ import annotations

from wms.orders.changes import (
    Decision,
    cancel_order,
    change_address,
    hold_order,
    mark_label_printed,
    resume_order,
)
from wms.orders.intake import (
    ADDRESS_FIELDS,
    REQUIRED_ADDRESS,
    Imported,
    LineIn,
    import_order,
    retry_backorders,
)
from wms.orders.selectors import at_risk, oversold, units_reserved

__all__ = [
    "ADDRESS_FIELDS",
    "REQUIRED_ADDRESS",
    "Decision",
    "Imported",
    "LineIn",
    "at_risk",
    "cancel_order",
    "change_address",
    "hold_order",
    "import_order",
    "mark_label_printed",
    "oversold",
    "resume_order",
    "retry_backorders",
    "units_reserved",
]
