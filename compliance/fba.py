"""FBA shipments as the label desk sees them, told by the Amazon integration.

Compliance never imports the integration (as the core never imports compliance): the integration
registers a source here at start-up (`register_fba`), and the desk (`station_lookup`) and the box
label builder (`printing`) ask it which shipment a code names and which cartons each carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from compliance.labels.data import Address
from wms.orders.models import Order


@dataclass(frozen=True)
class FbaShipment:
    """An Amazon inbound shipment and the replenishment order whose cartons it carries.

    `shipment_id` is Amazon's identifier of the shipment; `confirmation_id` the "confirmed
    shipment ID which shows up on labels (for example, FBA1234ABCD)" (Fulfillment Inbound
    2024-03-20, Shipment.shipmentConfirmationId): box labels carry it, so they cannot be printed
    until it is known. The desk finds a shipment by either. `boxes` are the order's parcels Amazon
    placed in this shipment, in box-number order (empty: every carton of the order, in order —
    a plan Amazon did not split); `fc_code` and `ship_to` the destination fulfilment centre.
    """

    shipment_id: str
    order: Order
    confirmation_id: str = ""
    fc_code: str = ""
    boxes: tuple[int, ...] = ()
    ship_to: Address | None = None

    @property
    def label_id(self) -> str:
        return self.confirmation_id or self.shipment_id

    @property
    def no_box_labels(self) -> str:
        if self.confirmation_id:
            return ""
        return (
            f"Amazon's confirmation ID (FBA…) of shipment {self.shipment_id} is not known yet: "
            "box labels carry it."
        )

    def parcel_ids(self) -> list[int]:
        """The cartons this shipment carries, in box-number order."""
        if self.boxes:
            return list(self.boxes)
        return list(self.order.parcels.order_by("pk").values_list("pk", flat=True))

    def carries(self, parcel_id: int) -> bool:
        return parcel_id in self.parcel_ids()


class FbaShipments(Protocol):
    def by_code(self, code: str) -> FbaShipment | None: ...

    def for_order(self, order: Order) -> list[FbaShipment]: ...


_FBA_SOURCES: list[FbaShipments] = []


def register_fba(source: FbaShipments) -> None:
    """The Amazon integration tells the desk which orders are FBA shipments (at start-up)."""
    if source not in _FBA_SOURCES:
        _FBA_SOURCES.append(source)


def fba_by_code(code: str) -> FbaShipment | None:
    """The shipment an Amazon shipment ID or confirmation ID (FBA…) names."""
    return next((f for s in _FBA_SOURCES if (f := s.by_code(code)) is not None), None)


def fba_for_order(order: Order) -> list[FbaShipment]:
    """The shipments Amazon placed the order's cartons in (several when it split the plan)."""
    return [f for s in _FBA_SOURCES for f in s.for_order(order)]


def fba_for_parcel(parcel_id: int, shipments: list[FbaShipment]) -> FbaShipment | None:
    return next((f for f in shipments if f.carries(parcel_id)), None)
