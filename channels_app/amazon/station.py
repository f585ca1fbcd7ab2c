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
        # Amazon's inbound shipment IDs start with "FBA" (e.g. FBA15DJCQ9XP); anything else is not
        # one of ours to answer, and the JSON list is read in Python (SQLite has no JSON contains).
        if not code.upper().startswith("FBA"):
            return None
        for plan in InboundPlan.objects.exclude(shipment_ids=[]).select_related("order__client"):
            if code in plan.shipment_ids:
                return FbaShipment(shipment_id=code, order=plan.order)
        return None

    def for_order(self, order: Order) -> FbaShipment | None:
        plan = InboundPlan.objects.filter(order_id=order.pk).exclude(shipment_ids=[]).first()
        if plan is None:
            return None
        # Placement may split a plan into several shipments; the desk labels the order's boxes
        # with the first until box-to-shipment assignments are stored.
        return FbaShipment(shipment_id=plan.shipment_ids[0], order=order)


SOURCE = AmazonFbaShipments()
