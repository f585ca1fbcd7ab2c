"""The label desk's view of FBA shipments: which replenishment order an Amazon shipment ID names.

Registered with compliance's desk at start-up (apps.py): compliance never imports the Amazon
integration, as the core never imports compliance.
"""

from __future__ import annotations

from channels_app.amazon.models import InboundPlan
from compliance.station_lookup import FbaShipment
from wms.orders.models import Order


class AmazonFbaShipments:
    def by_code(self, code: str) -> FbaShipment | None:
        # Amazon's shipmentId: "Identifier of a shipment", 38 characters of [a-zA-Z0-9-]
        # (Fulfillment Inbound 2024-03-20, Shipment.shipmentId). The JSON list is narrowed by its
        # text (SQLite has no JSON `contains`), then matched exactly.
        if len(code) != 38:
            return None
        for plan in InboundPlan.objects.filter(shipment_ids__icontains=code).select_related(
            "order__client"
        ):
            if code in plan.shipment_ids:
                return _shipment(code, plan.order)
        return None

    def for_order(self, order: Order) -> FbaShipment | None:
        plan = InboundPlan.objects.filter(order_id=order.pk).exclude(shipment_ids=[]).first()
        if plan is None:
            return None
        # Placement may split a plan into several shipments; the desk labels the order's boxes
        # with the first until box-to-shipment assignments are stored.
        return _shipment(plan.shipment_ids[0], order)


def _shipment(shipment_id: str, order: Order) -> FbaShipment:
    # The confirmation ID (FBA…) that box labels carry comes from getShipment, which this
    # integration does not call yet: the desk says box labels wait for it.
    return FbaShipment(shipment_id=shipment_id, order=order)


SOURCE = AmazonFbaShipments()
