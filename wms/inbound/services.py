"""Stock coming in against paperwork: expected receipts (ASN / PO) and customer returns.

Every unit still moves through `wms.inventory.touches`; these services keep what the paperwork says
(lines expected and received, return units and what became of them) in the same transaction as the
touch, and write the `Event` the brand's systems must hear.

Retries follow the ledger's rule (docs/ledger.md): checks that depend on current state (receipt
still open, tolerance left, unit still pending) run after the touch's scan-id gate, so a repeated
scan id replays its first answer instead of being refused — and is never counted twice.

Split by paperwork: `receipts` (ASN / PO), `returns` (RMA), `common` (their errors and
`announce_inbound`). This module re-exports both, so `from wms.inbound import services` keeps working.
"""

from __future__ import annotations

from wms.errors import WrongClient
from wms.inbound.common import (
    AlreadyClosed,
    DispositionNotAllowed,
    DispositionRequired,
    DuplicateLine,
    DuplicateReference,
    EmptyReceipt,
    InvalidGrade,
    InvalidTolerance,
    NotExpected,
    OverReceipt,
    ReferenceRequired,
    UnknownReceiptKind,
    announce_inbound,
)
from wms.inbound.receipts import (
    PUTAWAY_SUGGESTIONS,
    ReceiptResult,
    check_expected,
    complete_receipt,
    create_receipt,
    over_receipt_max,
    receive_against,
    suggest_putaway,
    under_receipt_min,
)
from wms.inbound.returns import (
    RESTOCK_TYPES,
    RETURNABLE_STATES,
    dispose_return_unit,
    open_return,
    receive_return_units,
)

__all__ = [
    "PUTAWAY_SUGGESTIONS",
    "RESTOCK_TYPES",
    "RETURNABLE_STATES",
    "AlreadyClosed",
    "DispositionNotAllowed",
    "DispositionRequired",
    "DuplicateLine",
    "DuplicateReference",
    "EmptyReceipt",
    "InvalidGrade",
    "InvalidTolerance",
    "NotExpected",
    "OverReceipt",
    "ReceiptResult",
    "ReferenceRequired",
    "UnknownReceiptKind",
    "WrongClient",
    "announce_inbound",
    "check_expected",
    "complete_receipt",
    "create_receipt",
    "dispose_return_unit",
    "open_return",
    "over_receipt_max",
    "receive_against",
    "receive_return_units",
    "suggest_putaway",
    "under_receipt_min",
]
