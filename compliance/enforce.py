"""Routing-guide rules enforced at the pack, close and ship scans (registered in apps.py).

Gathers the facts the pure checks in rules.py need and raises the first violation as a
ComplianceViolation naming the rule and the partner: the scan's transaction rolls back, nothing is
recorded, and the operator reads what to do.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Q, Value, When
from django.utils import timezone

from compliance import rules
from compliance.models import JobState, PalletMeasure, PrintJob, RuleSet
from wms.errors import DomainError
from wms.inventory.models import Balance
from wms.layout.models import Container
from wms.orders import hooks
from wms.orders.models import Order


class InvalidPalletMeasure(DomainError):
    code = "invalid_pallet_measure"


class ComplianceViolation(DomainError):
    code = "compliance_rule"
    http_status = 409

    def __init__(self, rule_set: RuleSet, violation: rules.Violation) -> None:
        self.rule = violation.rule
        super().__init__(f"{rule_set.name} — rule '{violation.rule}': {violation.message}")


def rule_set_for(order: Order) -> RuleSet | None:
    """The partner rules an order ships under: its channel's, for its client (or for every client)."""
    candidates = RuleSet.objects.filter(active=True, channel=order.channel).filter(
        Q(clients=order.client_id) | Q(clients__isnull=True)
    )
    own_first = Case(When(clients__isnull=True, then=Value(1)), default=Value(0))
    return candidates.order_by(own_first, "pk").first()


class RuleSetChooser:
    """`rule_set_for` for many orders at once: the active rule sets read once (with their clients),
    chosen in Python by the same rule — the client's own first, then one for every client."""

    def __init__(self) -> None:
        self._sets = list(RuleSet.objects.filter(active=True).prefetch_related("clients"))
        self._clients = {rs.pk: {c.pk for c in rs.clients.all()} for rs in self._sets}

    def for_order(self, order: Order) -> RuleSet | None:
        own = [
            rs
            for rs in self._sets
            if rs.channel == order.channel and order.client_id in self._clients[rs.pk]
        ]
        shared = [
            rs for rs in self._sets if rs.channel == order.channel and not self._clients[rs.pk]
        ]
        return min(own, key=lambda rs: rs.pk, default=None) or min(
            shared, key=lambda rs: rs.pk, default=None
        )


def terms(rule_set: RuleSet) -> rules.Terms:
    return rules.Terms(
        partner=rule_set.name,
        max_carton_weight_g=rule_set.max_carton_weight_g,
        max_carton_length_mm=rule_set.max_carton_length_mm,
        max_carton_width_mm=rule_set.max_carton_width_mm,
        max_carton_height_mm=rule_set.max_carton_height_mm,
        max_pallet_height_mm=rule_set.max_pallet_height_mm,
        sscc_required=rule_set.sscc_required,
        carton_labels=tuple(rule_set.carton_labels or ()),
        pallet_labels=tuple(rule_set.pallet_labels or ()),
        mixed_sku_cartons=rule_set.mixed_sku_cartons,
        min_shelf_life_days=rule_set.min_shelf_life_days,
        uom_must_match_po=rule_set.uom_must_match_po,
    )


def _refuse_first(rule_set: RuleSet, violations: list[rules.Violation]) -> None:
    if violations:
        raise ComplianceViolation(rule_set, violations[0])


def printed_labels(container: Container) -> set[str]:
    return set(
        PrintJob.objects.filter(container=container, state=JobState.SENT).values_list(
            "label", flat=True
        )
    )


def on_pack(event: hooks.Pack) -> None:
    order, carton, item, lot, quantity, lines = (
        event.order,
        event.carton,
        event.item,
        event.lot,
        event.quantity,
        event.lines,
    )
    rule_set = rule_set_for(order)
    if rule_set is None:
        return
    t = terms(rule_set)
    inside = set(
        Balance.objects.filter(container=carton, quantity__gt=0).values_list("item__sku", flat=True)
    )
    found = rules.carton_contents(t, carton=carton.barcode, skus_inside=inside, adding=item.sku)
    if lot is not None:
        found += rules.shelf_life(
            t, sku=item.sku, lot=lot.code, expiry=lot.expiry_date, today=timezone.localdate()
        )
    case = item.pack_levels.filter(level="case").values_list("quantity", flat=True).first()
    for uom in {line.unit_of_measure for line in lines}:
        found += rules.case_quantity(
            t, sku=item.sku, uom=uom, quantity=quantity, case_quantity=case
        )
    _refuse_first(rule_set, found)


def on_close(event: hooks.Close) -> None:
    parcel, weight_g, length_mm, width_mm, height_mm = (
        event.parcel,
        event.weight_g,
        event.length_mm,
        event.width_mm,
        event.height_mm,
    )
    rule_set = rule_set_for(parcel.order)
    if rule_set is None:
        return
    _refuse_first(
        rule_set,
        rules.carton_measure(
            terms(rule_set),
            carton=parcel.container.barcode,
            weight_g=weight_g,
            length_mm=length_mm,
            width_mm=width_mm,
            height_mm=height_mm,
        ),
    )


def on_ship(event: hooks.Ship) -> None:
    order, parcels, pallets = event.order, event.parcels, event.pallets
    rule_set = rule_set_for(order)
    if rule_set is None:
        return
    t = terms(rule_set)
    found: list[rules.Violation] = []
    for p in parcels:
        found += rules.carton_ready(
            t,
            carton=p.container.barcode,
            sscc=p.container.sscc,
            printed=printed_labels(p.container),
        )
        # Again at ship: the rule set may be newer (or stricter) than the carton's close.
        if p.weight_g and p.length_mm and p.width_mm and p.height_mm:
            found += rules.carton_measure(
                t,
                carton=p.container.barcode,
                weight_g=p.weight_g,
                length_mm=p.length_mm,
                width_mm=p.width_mm,
                height_mm=p.height_mm,
            )
        skus = sorted(
            set(
                Balance.objects.filter(container=p.container, quantity__gt=0).values_list(
                    "item__sku", flat=True
                )
            )
        )
        if len(skus) > 1:
            found += rules.carton_contents(
                t, carton=p.container.barcode, skus_inside=set(skus[:-1]), adding=skus[-1]
            )
    for pallet in pallets:
        measure = PalletMeasure.objects.filter(container=pallet).first()
        found += rules.pallet_ready(
            t,
            pallet=pallet.barcode,
            height_mm=measure.height_mm if measure else None,
            printed=printed_labels(pallet),
        )
    _refuse_first(rule_set, found)


def measure_pallet(
    *, pallet: Container, height_mm: int, weight_g: int | None, actor: Any
) -> PalletMeasure:
    if height_mm <= 0:
        raise InvalidPalletMeasure(
            "Pallet height must be a positive number of millimetres.", field="height_mm"
        )
    measure, _ = PalletMeasure.objects.update_or_create(
        container=pallet,
        defaults={
            "height_mm": height_mm,
            "weight_g": weight_g,
            "measured_by": actor,
            "measured_at": timezone.now(),
        },
    )
    return measure
