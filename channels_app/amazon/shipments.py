"""Ship confirmations to Amazon: one ``confirmShipment`` per carton, with what that carton carries.

Amazon's rules (Orders API v0, "Confirm the shipment status",
https://developer-docs.amazon.com/sp-api/docs/confirm-the-shipment-status):
- "To submit multiple package tracking IDs, you must send multiple requests with the same order ID
  but different package reference IDs." So every carton is its own call with its own tracking
  number, and a carton's ``packageReferenceId`` is its ShipmentParcel id (positive, numeric,
  unique within the order, as the model's PackageReferenceId asks).
- "If you need to make an edit to the shipment, submit another confirmShipment operation with the
  same packageReferenceID. The other shipment details are edited." So a retry after a lost answer
  re-sends the same reference: Amazon edits the package it has, it never adds a second one.

A partial shipment (some units not shipped, or an order that leaves in several shipments) is
confirmed as it ships: each shipment sends only its own cartons, each carton only its own items.
The carrier and shipping method are those of the label bought for the carton (channels_app/
carrier), not the order's requested service: a carton that went USPS is confirmed as USPS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from channels_app.amazon import mapping
from channels_app.amazon.client import SpApiClient, client_for
from channels_app.amazon.errors import ShipmentNotConfirmable
from channels_app.amazon.models import AmazonIntegration, AmazonOrder, AmazonPackage
from channels_app.carrier.models import CarrierLabel, LabelState
from wms.orders.models import Shipment, ShipmentParcel


@dataclass
class Confirmation:
    outcome: str  # confirmed, already
    message: str
    late: bool = False
    rate_limit: float | None = None
    packages: list[str] = field(default_factory=list)  # tracking numbers sent in this call


@dataclass(frozen=True)
class Carried:
    """Who carries a carton and how: the bought label's, else what the shipment recorded."""

    carrier: str
    shipping_method: str


def carried_by(shipment: Shipment, parcel: ShipmentParcel) -> Carried:
    label = (
        CarrierLabel.objects.filter(parcel_id=parcel.parcel_id, state=LabelState.ACTIVE)
        .select_related("account", "service")
        .first()
    )
    if label is not None:
        carrier = label.account.carrier
        # Our service's name only when it is this carrier's service; else the carrier's own code
        # for what was bought (an order asking "UPS Ground" whose label is USPS is USPS).
        same = label.service.carrier.strip().upper() == carrier.strip().upper()
        return Carried(carrier, label.service.name if same else label.carrier_service)
    same = shipment.service.carrier.strip().upper() == shipment.carrier.strip().upper()
    return Carried(shipment.carrier, shipment.service.name if same else "")


def packages_for(
    integration: AmazonIntegration, row: AmazonOrder, shipment: Shipment
) -> list[AmazonPackage]:
    """The shipment's cartons as Amazon packages, created once and then re-sent as they are."""
    existing = {
        p.shipment_parcel_id: p
        for p in AmazonPackage.objects.filter(shipment_parcel__shipment=shipment)
    }
    parcels = list(shipment.parcels.order_by("pk"))
    if all(sp.pk in existing for sp in parcels):
        return [existing[sp.pk] for sp in parcels]
    order = shipment.order
    # Units of each line not yet given to a carton of an earlier shipment of this order.
    earlier = AmazonPackage.objects.filter(
        integration=integration, amazon_order_id=row.amazon_order_id
    ).exclude(shipment_parcel__shipment=shipment)
    given: dict[str, int] = {}
    for package in earlier:
        for entry in package.order_items:
            given[entry["orderItemId"]] = given.get(entry["orderItemId"], 0) + entry["quantity"]
    lines = [
        (sku, oid, qty - given.get(oid, 0))
        for sku, oid, qty in order.lines.order_by("pk").values_list(
            "item__sku", "channel_line_id", "quantity"
        )
    ]
    packages = []
    for sp in parcels:
        items = mapping.carton_items(sp.contents, lines)
        if sp.pk in existing:
            packages.append(existing[sp.pk])
            continue
        if not items:
            raise ShipmentNotConfirmable(
                f"Carton with tracking {sp.tracking_number} carries nothing that matches an item "
                f"of Amazon order {row.amazon_order_id}; check the order's lines, then retry."
            )
        carried = carried_by(shipment, sp)
        code = mapping.carrier_code(carried.carrier)
        packages.append(
            AmazonPackage.objects.create(
                integration=integration,
                amazon_order_id=row.amazon_order_id,
                shipment_parcel=sp,
                package_reference_id=str(sp.pk),
                carrier_code=code,
                carrier_name=carried.carrier if code == "Other" else "",
                shipping_method=carried.shipping_method,
                tracking_number=sp.tracking_number,
                order_items=[{"orderItemId": oid, "quantity": n} for oid, n in items],
            )
        )
    return packages


def confirm_shipment(
    integration: AmazonIntegration,
    shipment: Shipment,
    idempotency_key: str,
    *,
    api: SpApiClient | None = None,
) -> Confirmation:
    """confirmShipment once per carton of this shipment that Amazon has not acknowledged yet."""
    order = shipment.order
    row = AmazonOrder.objects.filter(integration=integration, order=order).first()
    if row is None:
        raise ShipmentNotConfirmable(
            f"Order {order.external_id} did not come from this Amazon account."
        )
    packages = packages_for(integration, row, shipment)
    late = bool(order.ship_by and shipment.shipped_at > order.ship_by)
    waiting = [p for p in packages if p.confirmed_at is None]
    if not waiting:
        return Confirmation(
            "already", f"Amazon order {row.amazon_order_id}: these cartons were confirmed.", late
        )
    path = f"/orders/v0/orders/{row.amazon_order_id}/shipmentConfirmation"
    with api or client_for(integration) as client:
        for package in waiting:
            detail = mapping.package_detail(
                package_reference=package.package_reference_id,
                carrier=package.carrier_name or package.carrier_code,
                shipping_method=package.shipping_method,
                tracking_number=package.tracking_number,
                ship_date=shipment.shipped_at,
                items=[(e["orderItemId"], e["quantity"]) for e in package.order_items],
            )
            client.call(
                "POST",
                path,
                operation="confirmShipment",
                body={"marketplaceId": integration.marketplace_id, "packageDetail": detail},
                idempotency_key=f"{idempotency_key}#{package.package_reference_id}",
            )
            AmazonPackage.objects.filter(pk=package.pk, confirmed_at=None).update(
                confirmed_at=timezone.now()
            )
        AmazonOrder.objects.filter(pk=row.pk, shipment_confirmed_at__isnull=True).update(
            shipment_confirmed_at=timezone.now(),
            confirmed_tracking=packages[0].tracking_number,
            confirmation_key=idempotency_key[:120],
        )
        tracking = [p.tracking_number for p in waiting]
        note = " (after Amazon's latest ship date)" if late else ""
        return Confirmation(
            "confirmed",
            f"Confirmed {row.amazon_order_id}: {len(waiting)} package(s), "
            f"{', '.join(tracking)}{note}.",
            late,
            client.last_rate_limit,
            tracking,
        )
