"""The label desk's view of FBA shipments: which replenishment order and which of its cartons an
Amazon shipment carries, found by Amazon's shipment ID or its confirmation ID (FBA…).

Registered with compliance's desk at start-up (apps.py): compliance never imports the Amazon
integration, as the core never imports compliance.
"""

from __future__ import annotations

from typing import Any

from channels_app.amazon.models import FbaShipment as Shipment
from channels_app.amazon.models import InboundPlan
from compliance.fba import FbaShipment
from compliance.labels.data import Address
from wms.orders.models import Order


class AmazonFbaShipments:
    def by_code(self, code: str) -> FbaShipment | None:
        # Amazon's shipmentId: "Identifier of a shipment", 38 characters of [a-zA-Z0-9-];
        # shipmentConfirmationId: "The confirmed shipment ID which shows up on labels (for
        # example, FBA1234ABCD)" (Fulfillment Inbound 2024-03-20, Shipment).
        code = code.strip()
        if not code or len(code) > 40:
            return None
        read = (
            Shipment.objects.filter(shipment_id=code).first()
            or Shipment.objects.filter(confirmation_id__iexact=code)
            .exclude(confirmation_id="")
            .first()
        )
        if read is not None:
            return _read(read)
        if len(code) != 38:
            return None
        # A plan placed before its shipments were read: the JSON list is narrowed by its text
        # (SQLite has no JSON `contains`), then matched exactly.
        for plan in InboundPlan.objects.filter(shipment_ids__icontains=code).select_related(
            "order__client"
        ):
            if code in plan.shipment_ids:
                return FbaShipment(shipment_id=code, order=plan.order)
        return None

    def for_order(self, order: Order) -> list[FbaShipment]:
        plan = InboundPlan.objects.filter(order_id=order.pk).exclude(shipment_ids=[]).first()
        if plan is None:
            return []
        read = list(plan.shipments.all())
        if not read:  # placed before shipments were read: no confirmation ID, no box labels yet
            return [FbaShipment(shipment_id=s, order=order) for s in plan.shipment_ids]
        return [_read(s) for s in read]


def _read(shipment: Shipment) -> FbaShipment:
    plan = InboundPlan.objects.select_related("order__client").get(pk=shipment.plan_id)
    return FbaShipment(
        shipment_id=shipment.shipment_id,
        order=plan.order,
        confirmation_id=shipment.confirmation_id,
        fc_code=shipment.warehouse_id,
        boxes=tuple(shipment.boxes.order_by("number").values_list("parcel_id", flat=True)),
        ship_to=_address(shipment.warehouse_id, shipment.destination),
    )


def _address(centre: str, found: dict[str, Any]) -> Address | None:
    """Amazon's destination Address (name, addressLine1, city, countryCode, postalCode required)."""
    if not found.get("addressLine1"):
        return None
    name = found.get("name") or centre
    return Address(
        name=f"Amazon.com {name}" if name == centre else name,
        line1=found["addressLine1"],
        line2=found.get("addressLine2", ""),
        city=found.get("city", "-"),
        state=found.get("stateOrProvinceCode") or "-",
        postal_code=found.get("postalCode", "-"),
        country=found.get("countryCode", "US"),
    )


SOURCE = AmazonFbaShipments()
