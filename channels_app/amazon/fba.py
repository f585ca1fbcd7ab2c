"""Amazon's limits for cartons sent into FBA, checked before the plan and again before they ship.

Amazon (Seller Central, "Shipping and routing requirements", US): a box must not weigh more than
50 lb (22.68 kg) nor measure more than 25 in (63.5 cm) on any side, unless it holds one single
oversize unit. Amazon charges, refuses or repacks a box beyond that at the seller's cost.
"""

from __future__ import annotations

from typing import Any

from channels_app.amazon.errors import CartonOverLimit, NoPackedCartons
from wms.inventory.models import Balance
from wms.orders import hooks
from wms.orders.models import Parcel

MAX_WEIGHT_G = 22_680
MAX_SIDE_MM = 635


def carton_problems(parcel: Parcel, units: int) -> list[str]:
    """What is wrong with one packed carton for Amazon, in words the packer acts on."""
    name = parcel.container.barcode
    sides = (parcel.length_mm, parcel.width_mm, parcel.height_mm)
    if parcel.weight_g is None or None in sides:
        return [f"{name} is not weighed and measured yet (close it at the pack station)"]
    single_unit = units == 1
    problems = []
    if parcel.weight_g > MAX_WEIGHT_G and not single_unit:
        problems.append(
            f"{name} weighs {parcel.weight_g / 1000:.2f} kg, over Amazon's "
            f"{MAX_WEIGHT_G / 1000:.2f} kg (50 lb)"
        )
    longest = max(s or 0 for s in sides)
    if longest > MAX_SIDE_MM and not single_unit:
        problems.append(f"{name} has a {longest / 10:.1f} cm side, over Amazon's 63.5 cm (25 in)")
    return problems


def units_in(parcel: Parcel) -> int:
    return sum(
        Balance.objects.filter(container_id=parcel.container_id, quantity__gt=0).values_list(
            "quantity", flat=True
        )
    )


def check_cartons(parcels: list[Parcel]) -> None:
    problems = [p for parcel in parcels for p in carton_problems(parcel, units_in(parcel))]
    if problems:
        raise CartonOverLimit(problems)


def on_ship(event: hooks.Ship) -> None:
    """Workflow hook: an order sent into FBA ships only in cartons Amazon will take."""
    order, parcels = event.order, event.parcels
    from channels_app.amazon.models import InboundPlan

    if InboundPlan.objects.filter(order_id=order.pk).exists():
        check_cartons(parcels)


# --- the inbound plan (Fulfillment Inbound 2024-03-20) ----------------------------------------


def _box_contents(parcel: Parcel) -> dict[int, int]:
    contents: dict[int, int] = {}
    for item_id, quantity in Balance.objects.filter(
        container_id=parcel.container_id, quantity__gt=0
    ).values_list("item_id", "quantity"):
        contents[item_id] = contents.get(item_id, 0) + quantity
    return contents


def _wait(client: Any, operation_id: str, what: str) -> None:
    from channels_app.amazon.errors import InboundPlanFailed, TransportError

    status = client.call(
        "GET",
        f"{INBOUND}/operations/{operation_id}",
        operation="getInboundOperationStatus",
    ).body
    if status["operationStatus"] == "FAILED":
        problems = "; ".join(p["message"] for p in status["operationProblems"])
        raise InboundPlanFailed(f"Amazon refused {what}: {problems}")
    if status["operationStatus"] != "SUCCESS":
        # Still running at Amazon: the caller retries this step later (it is resumable).
        raise TransportError(f"{what} still in progress.", permanent=False, retry_after=2.0)


INBOUND = "/inbound/fba/2024-03-20"


def send_to_fba(integration: Any, order: Any, *, api: Any = None) -> Any:
    """Plan the packed cartons of a replenishment order into FBA, step by step (resumable).

    createInboundPlan → packing options (generate, list, confirm) → setPackingInformation with
    each carton's contents from the ledger (what the container holds) → placement options →
    FNSKU item labels. Each completed step is stored, so a retry continues where it stopped.
    """
    # Long on purpose: Amazon's five-step inbound workflow read top to bottom, each step resumable.
    from channels_app.amazon import mapping
    from channels_app.amazon.client import client_for
    from channels_app.amazon.models import InboundPlan
    from channels_app.amazon.orders import msku_for
    from wms.catalog.models import Item

    parcels = list(order.parcels.select_related("container").order_by("pk"))
    if not parcels:
        raise NoPackedCartons(f"Order {order.external_id} has no packed cartons to send to Amazon.")
    check_cartons(parcels)
    items = {i.pk: i for i in Item.objects.filter(pk__in={ln.item_id for ln in order.lines.all()})}
    msku = {pk: msku_for(integration, item) for pk, item in items.items()}
    boxes = []
    totals: dict[str, int] = {}
    for parcel in parcels:
        contents = [(msku[i], q) for i, q in sorted(_box_contents(parcel).items())]
        for m, q in contents:
            totals[m] = totals.get(m, 0) + q
        boxes.append(
            mapping.box_input(
                contents=contents,
                weight_g=parcel.weight_g,
                length_mm=parcel.length_mm,
                width_mm=parcel.width_mm,
                height_mm=parcel.height_mm,
            )
        )
    plan, _ = InboundPlan.objects.get_or_create(integration=integration, order=order)
    wh = order.warehouse
    with api or client_for(integration) as client:
        if not plan.inbound_plan_id:
            created = client.call(
                "POST",
                f"{INBOUND}/inboundPlans",
                operation="createInboundPlan",
                body={
                    "name": f"{order.client.code} {order.external_id}",
                    "destinationMarketplaces": integration.marketplace_ids,
                    "sourceAddress": mapping.source_address(
                        name=wh.name,
                        line1=wh.address_line1,
                        line2=wh.address_line2,
                        city=wh.city,
                        region=wh.region,
                        postal_code=wh.postal_code,
                        country=wh.country,
                        phone=integration.ship_from_phone,
                    ),
                    "items": [
                        {"msku": m, "quantity": q, "labelOwner": "SELLER", "prepOwner": "SELLER"}
                        for m, q in sorted(totals.items())
                    ],
                },
                idempotency_key=f"inbound-plan:{order.pk}",
            ).body
            _wait(client, created["operationId"], "the inbound plan")
            plan.inbound_plan_id = created["inboundPlanId"]
            plan.step = "created"
            plan.save()
        base = f"{INBOUND}/inboundPlans/{plan.inbound_plan_id}"
        if plan.step == "created":
            op = client.call(
                "POST", f"{base}/packingOptions", operation="generatePackingOptions"
            ).body
            _wait(client, op["operationId"], "packing options")
            option = client.call(
                "GET", f"{base}/packingOptions", operation="listPackingOptions"
            ).body["packingOptions"][0]
            op = client.call(
                "POST",
                f"{base}/packingOptions/{option['packingOptionId']}/confirmation",
                operation="confirmPackingOption",
            ).body
            _wait(client, op["operationId"], "the packing option")
            plan.packing_option_id = option["packingOptionId"]
            plan.step = "packing_confirmed"
            plan.save()
        if plan.step == "packing_confirmed":
            group = client.call(
                "GET", f"{base}/packingOptions", operation="listPackingOptions"
            ).body["packingOptions"][0]["packingGroups"][0]
            op = client.call(
                "POST",
                f"{base}/packingInformation",
                operation="setPackingInformation",
                body={"packageGroupings": [{"packingGroupId": group, "boxes": boxes}]},
                idempotency_key=f"packing:{order.pk}",
            ).body
            _wait(client, op["operationId"], "the box contents")
            plan.boxes = boxes
            plan.step = "packed"
            plan.save()
        if plan.step == "packed":
            op = client.call(
                "POST", f"{base}/placementOptions", operation="generatePlacementOptions", body={}
            ).body
            _wait(client, op["operationId"], "placement options")
            placement = client.call(
                "GET", f"{base}/placementOptions", operation="listPlacementOptions"
            ).body["placementOptions"][0]
            op = client.call(
                "POST",
                f"{base}/placementOptions/{placement['placementOptionId']}/confirmation",
                operation="confirmPlacementOption",
            ).body
            _wait(client, op["operationId"], "the placement option")
            plan.placement_option_id = placement["placementOptionId"]
            plan.shipment_ids = placement["shipmentIds"]
            plan.step = "placed"
            plan.save()
        if plan.step == "placed":
            labels = client.call(
                "POST",
                f"{INBOUND}/items/labels",
                operation="createMarketplaceItemLabels",
                body={
                    "labelType": "THERMAL_PRINTING",
                    "marketplaceId": integration.marketplace_id,
                    "mskuQuantities": [
                        {"msku": m, "quantity": q} for m, q in sorted(totals.items())
                    ],
                    "width": 50,
                    "height": 25,
                },
            ).body
            plan.labels = labels["documentDownloads"]
            plan.step = "labelled"
            plan.save()
    return plan
