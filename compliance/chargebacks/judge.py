"""Judging a claim from its facts: one summary line per category, the findings behind it, and
whether they support a dispute. Pure functions: facts in, judgement out."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from compliance.chargebacks.facts import (
    AsnTiming,
    OrderFacts,
    ParcelFacts,
    PrintFacts,
    ShipmentFacts,
    TouchFacts,
    _duration,
    _minutes,
)
from compliance.models import (
    ChargebackCategory,
    JobState,
    RuleSet,
)
from wms.inventory.models import TouchKind

# Label kinds as a partner's routing guide names them.
LABEL_NAMES = {"sscc_carton": "SSCC", "sscc_pallet": "SSCC pallet", "fnsku": "FNSKU"}


def asn_timing(shipment: ShipmentFacts, rule_set: RuleSet) -> AsnTiming:
    """When the ASN went, against the partner's deadline (minutes after shipping)."""
    deadline = rule_set.asn_deadline_minutes
    if shipment.asn_sent_at is None:
        rule = f"the deadline is {_minutes(deadline)}" if deadline is not None else "no deadline"
        return AsnTiming(
            shipment_id=shipment.id,
            shipped_at=shipment.shipped_at,
            asn_sent_at=None,
            asn_acknowledged_at=shipment.asn_acknowledged_at,
            deadline_minutes=deadline,
            minutes_after_shipping=None,
            minutes_late=None,
            late=None,
            verdict=f"No ASN send time is recorded for shipment {shipment.id} ({rule}).",
        )
    seconds = (shipment.asn_sent_at - shipment.shipped_at).total_seconds()
    after = round(seconds / 60, 1)
    when = (
        f"ASN sent {_minutes(after)} after shipping"
        if seconds >= 0
        else f"ASN sent {_minutes(after)} before shipping"
    )
    if deadline is None:
        return AsnTiming(
            shipment_id=shipment.id,
            shipped_at=shipment.shipped_at,
            asn_sent_at=shipment.asn_sent_at,
            asn_acknowledged_at=shipment.asn_acknowledged_at,
            deadline_minutes=None,
            minutes_after_shipping=after,
            minutes_late=None,
            late=None,
            verdict=f"{when}; {rule_set.code} sets no ASN deadline.",
        )
    over = seconds - deadline * 60
    late = over > 0
    late_by = round(over / 60, 1)
    if late:
        outcome = f"{_minutes(late_by)} late"
    elif late_by < 0:
        outcome = f"within the deadline ({_minutes(late_by)} to spare)"
    else:
        outcome = "within the deadline"
    return AsnTiming(
        shipment_id=shipment.id,
        shipped_at=shipment.shipped_at,
        asn_sent_at=shipment.asn_sent_at,
        asn_acknowledged_at=shipment.asn_acknowledged_at,
        deadline_minutes=deadline,
        minutes_after_shipping=after,
        minutes_late=late_by,
        late=late,
        verdict=f"{when}; the deadline is {_minutes(deadline)} → {outcome}",
    )


# --- category summaries: (summary line, findings, supports a dispute?) --------------------------

Judgement = tuple[str, list[str], bool | None]


def _cartons(shipments: tuple[ShipmentFacts, ...]) -> list[tuple[ShipmentFacts, ParcelFacts]]:
    return [(s, p) for s in shipments for p in s.parcels]


def _judge_asn_timing(asn: tuple[AsnTiming, ...]) -> Judgement:
    if not asn:
        return "ASN timing: no shipment to check.", [], None
    many = len(asn) > 1
    lines = [f"Shipment {a.shipment_id}: {a.verdict}" if many else a.verdict for a in asn]
    if any(a.late for a in asn):
        supports: bool | None = False
    elif all(a.late is False for a in asn):
        supports = True
    else:
        supports = None
    return "; ".join(lines), [], supports


def _judge_labels(
    rule_set: RuleSet, shipments: tuple[ShipmentFacts, ...], prints: tuple[PrintFacts, ...]
) -> Judgement:
    cartons = _cartons(shipments)
    if not cartons:
        return "Labels: no shipped cartons to check.", [], None
    kinds = list(rule_set.carton_labels) or ["sscc_carton"]
    findings: list[str] = []
    answers = []
    ok = True
    for kind in kinds:
        name = LABEL_NAMES.get(kind, kind.replace("_", " "))
        have, lack = [], []
        for shipment, parcel in cartons:
            tried = [p for p in prints if p.label == kind and p.container == parcel.carton]
            # A queued or failed job never reached paper: only ready (PDF) or sent (ZPL) counts.
            jobs = [p for p in tried if p.state in (JobState.READY, JobState.SENT)]
            before = [p for p in jobs if p.created_at <= shipment.shipped_at]
            if before:
                first = before[0]
                have.append(parcel.carton)
                findings.append(
                    f"{name} label for {parcel.carton}: print job {first.id} on {first.printer} "
                    f"by {first.requested_by} ({first.state})"
                    + (f", SSCC {first.sscc}" if first.sscc else "")
                    + (f"; {len(jobs) - 1} reprint(s)" if len(jobs) > 1 else "")
                    + "."
                )
            else:
                lack.append(parcel.carton)
                after = [p for p in jobs if p.created_at > shipment.shipped_at]
                if after:
                    why = f"only printed after shipping (job {after[0].id})."
                elif tried:
                    why = f"print job {tried[-1].id} never printed ({tried[-1].state})."
                else:
                    why = "no print job recorded."
                findings.append(f"{name} label for {parcel.carton}: {why}")
        if lack:
            ok = False
            answers.append(
                f"{name} label printed for every carton: no — missing for {', '.join(lack)}"
                + (f" (printed for {', '.join(have)})" if have else "")
            )
        else:
            answers.append(f"{name} label printed for every carton: yes ({', '.join(have)})")
    if rule_set.sscc_required:
        without = [
            p.carton
            for _, p in cartons
            if not p.sscc and not any(j.container == p.carton and j.sscc for j in prints)
        ]
        if without:
            ok = False
            answers.append(f"every carton carries an SSCC: no — none on {', '.join(without)}")
        else:
            answers.append("every carton carries an SSCC: yes")
    return "; ".join(answers), findings, ok


def _judge_cartons(rule_set: RuleSet, shipments: tuple[ShipmentFacts, ...]) -> Judgement:
    cartons = _cartons(shipments)
    if not cartons:
        return "Cartons: no shipped cartons to check.", [], None
    limits = {
        "weight_g": (rule_set.max_carton_weight_g, "weight", "g"),
        "length_mm": (rule_set.max_carton_length_mm, "length", "mm"),
        "width_mm": (rule_set.max_carton_width_mm, "width", "mm"),
        "height_mm": (rule_set.max_carton_height_mm, "height", "mm"),
    }
    findings, over, unmeasured = [], [], []
    for _, p in cartons:
        problems, unknown = [], []
        for fld, (limit, label, unit) in limits.items():
            value = getattr(p, fld)
            if limit is None:
                continue
            if value is None:
                unknown.append(label)
            elif value > limit:
                problems.append(f"{label} {value} {unit} > {limit} {unit}")
        skus = {c.sku for c in p.contents}
        if not rule_set.mixed_sku_cartons and len(skus) > 1:
            problems.append(f"mixes {len(skus)} SKUs ({', '.join(sorted(skus))})")
        measured = (
            f"{p.weight_g if p.weight_g is not None else '?'} g, "
            f"{p.length_mm or '?'}×{p.width_mm or '?'}×{p.height_mm or '?'} mm"
        )
        if problems:
            over.append(f"{p.carton} ({'; '.join(problems)})")
            findings.append(f"{p.carton}: {measured} — over the limits: {'; '.join(problems)}.")
        elif unknown:
            unmeasured.append(p.carton)
            findings.append(f"{p.carton}: {measured} — no {', '.join(unknown)} recorded.")
        else:
            findings.append(f"{p.carton}: {measured} — within the limits.")
    set_limits = [
        f"{label} {limit} {unit}" for limit, label, unit in limits.values() if limit is not None
    ]
    rules = f"{rule_set.code} limits: {', '.join(set_limits)}" if set_limits else ""
    if not set_limits and rule_set.mixed_sku_cartons:
        return f"{rule_set.code} sets no carton limits.", findings, None
    if over:
        return (
            f"Every carton within the partner's limits: no — {', '.join(over)} ({rules})",
            findings,
            False,
        )
    if unmeasured:
        return (
            f"Every carton within the partner's limits: unknown — not measured: "
            f"{', '.join(unmeasured)} ({rules})",
            findings,
            None,
        )
    cartons_text = ", ".join(p.carton for _, p in cartons)
    return (
        f"Every carton within the partner's limits: yes ({cartons_text}; {rules})",
        findings,
        True,
    )


def _judge_on_time(
    order: OrderFacts | None, shipments: tuple[ShipmentFacts, ...], local: Any
) -> Judgement:
    if order is None or not shipments:
        return "On time: no shipment to check.", [], None
    promise, what = (
        (order.ship_by, "the channel's ship-by")
        if order.ship_by
        else (order.due_at, "the order's due time")
    )
    if promise is None:
        return f"Order {order.external_id} carries no ship-by or due time.", [], None
    shipped = min(s.shipped_at for s in shipments)
    seconds = (shipped - promise).total_seconds()
    findings = [f"Shipment {s.id} shipped {local(s.shipped_at)}." for s in shipments]
    if order.due_at and order.ship_by and order.due_at != order.ship_by:
        findings.append(f"Due at the node: {local(order.due_at)}.")
    head = f"Shipped {local(shipped)}; {what} was {local(promise)}"
    if seconds > 0:
        return f"{head} → {_duration(seconds)} late", findings, False
    return f"{head} → on time ({_duration(seconds)} before)", findings, True


def _judge_contents(
    order: OrderFacts | None,
    shipments: tuple[ShipmentFacts, ...],
    touches: tuple[TouchFacts, ...],
) -> Judgement:
    if order is None or not shipments:
        return "ASN accuracy: no shipment to check.", [], None
    in_cartons: dict[str, int] = defaultdict(int)
    for _, p in _cartons(shipments):
        for c in p.contents:
            in_cartons[c.sku] += c.quantity
    shipped_cartons = {p.carton for _, p in _cartons(shipments)}
    by_ledger: dict[str, int] = defaultdict(int)
    for t in touches:
        if t.kind == TouchKind.SHIP and t.from_container in shipped_cartons:
            by_ledger[t.sku] += t.quantity
    ordered: dict[str, int] = defaultdict(int)
    for line in order.lines:
        ordered[line.sku] += line.quantity
    findings = [
        "Touchline does not keep the ASN document itself; compare it with these quantities."
    ]
    differ = []
    for sku in sorted(set(in_cartons) | set(by_ledger) | set(ordered)):
        findings.append(
            f"{sku}: ordered {ordered.get(sku, 0)}, in the cartons {in_cartons.get(sku, 0)}, "
            f"shipped by the ledger {by_ledger.get(sku, 0)}."
        )
        if in_cartons.get(sku, 0) != by_ledger.get(sku, 0):
            differ.append(
                f"{sku}: cartons {in_cartons.get(sku, 0)}, ledger {by_ledger.get(sku, 0)}"
            )
    cartons = len(shipped_cartons)
    units = sum(in_cartons.values())
    if differ:
        return (
            f"Carton contents match the ledger's ship scans: no — {'; '.join(differ)}",
            findings,
            False,
        )
    return (
        f"Carton contents match the ledger's ship scans: yes — {units} units in {cartons} "
        f"carton{'s' if cartons != 1 else ''}",
        findings,
        True,
    )


def _judge_routing(shipments: tuple[ShipmentFacts, ...], rule_set: RuleSet) -> Judgement:
    if not shipments:
        return "Routing: no shipment to check.", [], None
    how = "; ".join(
        f"shipment {s.id} with {s.carrier} ({s.service}) from {s.warehouse}" for s in shipments
    )
    return (
        f"Shipped {how}. Touchline holds no routing instructions for {rule_set.code} to compare "
        "against; attach the routing request and its confirmation.",
        [],
        None,
    )


def judge(
    *,
    category: str,
    rule_set: RuleSet,
    order: OrderFacts | None,
    shipments: tuple[ShipmentFacts, ...],
    asn: tuple[AsnTiming, ...],
    prints: tuple[PrintFacts, ...],
    touches: tuple[TouchFacts, ...],
    local: Callable[[dt.datetime | None], str],
) -> Judgement:
    """The claim's category picks the judge; a category without its own (routing) reads the
    shipment's routing facts."""
    judges: dict[str, Callable[[], Judgement]] = {
        ChargebackCategory.ASN_TIMING: lambda: _judge_asn_timing(asn),
        ChargebackCategory.LABEL: lambda: _judge_labels(rule_set, shipments, prints),
        ChargebackCategory.CARTON: lambda: _judge_cartons(rule_set, shipments),
        ChargebackCategory.ON_TIME: lambda: _judge_on_time(order, shipments, local),
        ChargebackCategory.ASN_ACCURACY: lambda: _judge_contents(order, shipments, touches),
    }
    chosen = judges.get(category, lambda: _judge_routing(shipments, rule_set))
    return chosen()
