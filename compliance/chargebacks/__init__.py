"""Chargebacks: a partner's debit for breaking its routing guide, and the evidence to answer it.

`record_chargeback` enters a claim (validated, once per partner claim number). `evidence` gathers,
from the database only — the touch ledger, the order's timeline, the shipment and its parcels, the
label print audit and the ASN times — what Touchline knows about the claimed order, and says in one
line per category whether it supports a dispute. Nothing in the evidence is typed in by a person;
`compliance/dispute.py` renders it as the PDF sent back to the partner.

Split along its concepts: `record` (errors and `record_chargeback`), `facts` (the frozen dataclasses
the evidence is made of), `gather` (`evidence()`, reading the database), `judge` (the verdict per
category, pure). Import from here: every name below stays importable as before.
"""

from __future__ import annotations

from compliance.chargebacks.facts import (
    AsnTiming,
    Claim,
    ComplianceEventFacts,
    Content,
    Evidence,
    Line,
    OrderFacts,
    ParcelFacts,
    PrintFacts,
    ScanFacts,
    ShipmentFacts,
    TimelineEntry,
    TouchFacts,
)
from compliance.chargebacks.gather import evidence
from compliance.chargebacks.judge import LABEL_NAMES, Judgement, asn_timing, judge
from compliance.chargebacks.record import (
    CENT,
    MAX_AMOUNT,
    MAX_REFERENCE,
    ChargebackInvalid,
    DuplicateChargeback,
    InvalidAmount,
    record_chargeback,
)
from wms.errors import WrongClient

__all__ = [
    "CENT",
    "LABEL_NAMES",
    "MAX_AMOUNT",
    "MAX_REFERENCE",
    "AsnTiming",
    "ChargebackInvalid",
    "Claim",
    "ComplianceEventFacts",
    "Content",
    "DuplicateChargeback",
    "Evidence",
    "InvalidAmount",
    "Judgement",
    "Line",
    "OrderFacts",
    "ParcelFacts",
    "PrintFacts",
    "ScanFacts",
    "ShipmentFacts",
    "TimelineEntry",
    "TouchFacts",
    "WrongClient",
    "asn_timing",
    "evidence",
    "judge",
    "record_chargeback",
]
