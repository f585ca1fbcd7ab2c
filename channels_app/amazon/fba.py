"""Amazon's limits for cartons sent into FBA, checked before the plan and again before they ship.

Amazon (Seller Central, "Shipping and routing requirements", US): a box must not weigh more than
50 lb (22.68 kg) nor measure more than 25 in (63.5 cm) on any side, unless it holds one single
oversize unit. Amazon charges, refuses or repacks a box beyond that at the seller's cost.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from channels_app.amazon.errors import CartonOverLimit, NoPackedCartons, NotAnFbaOrder
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


WAIT_SECONDS = 60.0  # how long one step waits on Amazon before the caller retries it later


def _wait(client: Any, operation_id: str, what: str) -> None:
    """Poll getInboundOperationStatus until the operation is done. Polling is a read, so an
    empty bucket (its burst is 6, at 2 per second) or an operation still running is waited out
    here, up to WAIT_SECONDS, instead of repeating the step that started it."""
    from channels_app.amazon.errors import InboundPlanFailed, RateLimited, TransportError

    deadline = time.monotonic() + WAIT_SECONDS
    pause = 0.5
    while True:
        try:
            status = client.call(
                "GET",
                f"{INBOUND}/operations/{operation_id}",
                operation="getInboundOperationStatus",
            ).body
        except RateLimited as exc:
            if time.monotonic() + (exc.retry_after or 1.0) > deadline:
                raise
            time.sleep(exc.retry_after or 1.0)
            continue
        if status["operationStatus"] == "FAILED":
            problems = "; ".join(p["message"] for p in status["operationProblems"])
            raise InboundPlanFailed(f"Amazon refused {what}: {problems}")
        if status["operationStatus"] == "SUCCESS":
            return
        if time.monotonic() + pause > deadline:
            # Still running at Amazon: the caller retries this step later (it is resumable).
            raise TransportError(f"{what} still in progress.", permanent=False, retry_after=5.0)
        time.sleep(pause)
        pause = min(pause * 2, 8.0)


INBOUND = "/inbound/fba/2024-03-20"
LABELS_V0 = "/fba/inbound/v0/shipments"
STEPS = ("new", "created", "packing_confirmed", "packed", "placed", "transported", "labelled")


def _quiet(message: str) -> None:
    return


def check_order(integration: Any, order: Any) -> list[Any]:
    if order.client_id != integration.client_id:
        raise NotAnFbaOrder(
            f"Order {order.external_id} belongs to another client than Amazon seller "
            f"{integration.seller_id}; choose one of {integration.client}'s orders."
        )
    parcels = list(order.parcels.select_related("container").order_by("pk"))
    if not parcels:
        raise NoPackedCartons(
            f"Order {order.external_id} has no packed cartons to send to Amazon: pick and pack it "
            "first (close each carton with its weight and size)."
        )
    check_cartons(parcels)
    return parcels


def send_to_fba(
    integration: Any, order: Any, *, api: Any = None, progress: Callable[[str], None] = _quiet
) -> Any:
    """Plan the packed cartons of a replenishment order into FBA, step by step (resumable).

    createInboundPlan → packing options (generate, list, confirm) → setPackingInformation with
    each carton's contents from the ledger (what the container holds) → placement options
    (generate, list, confirm) → transportation options (generate, list, confirm) → FNSKU item
    labels and box labels. Each asynchronous step is polled with getInboundOperationStatus; each
    completed step is stored, so a retry continues where it stopped.
    """
    # Long on purpose: Amazon's inbound workflow read top to bottom, each step resumable.
    from channels_app.amazon import mapping
    from channels_app.amazon.client import client_for
    from channels_app.amazon.inbound import msku_for
    from channels_app.amazon.models import InboundPlan
    from wms.catalog.models import Item

    parcels = check_order(integration, order)
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
    progress(f"Plan for {order.external_id}: {len(parcels)} carton(s), step {plan.step}.")
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
            _done(plan, "created", progress, f"createInboundPlan: {plan.inbound_plan_id}")
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
            _done(plan, "packing_confirmed", progress, "packing option confirmed")
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
            _done(plan, "packed", progress, f"box contents of {len(boxes)} carton(s) set")
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
            _done(
                plan,
                "placed",
                progress,
                f"placement confirmed: {len(plan.shipment_ids)} shipment(s)",
            )
        if plan.step == "placed":
            read_shipments(client, plan, parcels)
            progress(f"  shipments read: {', '.join(_names(plan))}.")
            plan.transportation = _transport(
                client, base, plan, wh.name, integration.ship_from_phone
            )
            _done(
                plan, "transported", progress, "transportation confirmed (Amazon partnered carrier)"
            )
        if plan.step in ("transported", "labelled") and not plan.shipments.exists():
            # Placed before this integration read its shipments: read them now, for the desk.
            read_shipments(client, plan, parcels)
            progress(f"  shipments read: {', '.join(_names(plan))}.")
        if plan.step == "transported":
            _labels(client, integration, plan, totals)
            _done(
                plan,
                "labelled",
                progress,
                f"labels ready: {len(plan.box_labels)} box label document(s)",
            )
    return plan


def _names(plan: Any) -> list[str]:
    return [
        f"{s.confirmation_id or s.shipment_id} to {s.warehouse_id or 'Amazon'} "
        f"({s.boxes.count()} box(es))"
        for s in plan.shipments.all()
    ]


def _fingerprint(box: dict[str, Any]) -> tuple[Any, ...]:
    """What tells one box from another in Amazon's answer: its contents, weight and size (Amazon's
    Box carries no reference of ours; boxes alike in all of these are interchangeable)."""
    weight, size = box["weight"], box["dimensions"]
    return (
        tuple(sorted((i["msku"], int(i["quantity"])) for i in box.get("items", []))),
        weight["unit"],
        round(float(weight["value"]), 3),
        size["unitOfMeasurement"],
        *(round(float(size[side]), 1) for side in ("length", "width", "height")),
    )


def read_shipments(client: Any, plan: Any, parcels: list[Parcel]) -> None:
    """After placement: each shipment as getShipment answers it (its confirmation ID, FBA…, and
    destination fulfilment centre) and, from listShipmentBoxes, which of our cartons Amazon put in
    it, matched by contents, weight and size to the boxes setPackingInformation sent."""
    from django.db import transaction

    from channels_app.amazon.errors import InboundPlanFailed
    from channels_app.amazon.models import FbaBox, FbaShipment

    base = f"{INBOUND}/inboundPlans/{plan.inbound_plan_id}"
    unplaced: dict[tuple[Any, ...], list[Parcel]] = {}
    for parcel, sent in zip(parcels, plan.boxes, strict=True):
        unplaced.setdefault(_fingerprint(sent), []).append(parcel)
    read = []
    for shipment_id in plan.shipment_ids:
        shipment = client.call(
            "GET", f"{base}/shipments/{shipment_id}", operation="getShipment"
        ).body
        boxes = _pages(
            client, f"{base}/shipments/{shipment_id}/boxes", "listShipmentBoxes", "boxes", {}
        )
        placed = []
        for box in boxes:
            for _ in range(int(box.get("quantity") or 1)):
                alike = unplaced.get(_fingerprint(box)) or []
                if not alike:
                    raise InboundPlanFailed(
                        f"Amazon lists box {box['packageId']} in shipment {shipment_id} and no "
                        f"carton of plan {plan.inbound_plan_id} matches it: check the plan's box "
                        "contents in Seller Central."
                    )
                placed.append((alike.pop(0), box["packageId"]))
        read.append((shipment, placed))
    left = [p.container.barcode for alike in unplaced.values() for p in alike]
    if left:
        raise InboundPlanFailed(
            f"Amazon placed no shipment for carton(s) {', '.join(left)} of plan "
            f"{plan.inbound_plan_id}: check the plan in Seller Central."
        )
    with transaction.atomic():
        for shipment, placed in read:
            destination = shipment.get("destination") or {}
            row, _ = FbaShipment.objects.update_or_create(
                shipment_id=shipment["shipmentId"],
                defaults={
                    "plan": plan,
                    "confirmation_id": shipment.get("shipmentConfirmationId", ""),
                    "warehouse_id": destination.get("warehouseId", ""),
                    "destination": destination.get("address") or {},
                    "status": shipment.get("status", ""),
                },
            )
            FbaBox.objects.filter(shipment=row).delete()
            FbaBox.objects.filter(parcel__in=[p for p, _ in placed]).delete()
            FbaBox.objects.bulk_create(
                FbaBox(shipment=row, parcel=p, number=n, package_id=package)
                for n, (p, package) in enumerate(placed, start=1)
            )


def _done(plan: Any, step: str, progress: Callable[[str], None], what: str) -> None:
    plan.step, plan.problem = step, ""
    plan.save()
    progress(f"  {what}.")


def _pages(client: Any, path: str, operation: str, key: str, params: dict[str, Any]) -> list[Any]:
    found: list[Any] = []
    token: str | None = None
    while True:
        body = client.call(
            "GET", path, operation=operation, params={**params, "paginationToken": token}
        ).body
        found.extend(body[key])
        token = (body.get("pagination") or {}).get("nextToken")
        if not token:
            return found


def _transport(client: Any, base: str, plan: Any, contact: str, phone: str) -> dict[str, str]:
    """Generate, list and confirm one transportation option per shipment: Amazon's partnered small
    parcel carrier when offered without preconditions, else the cheapest without any."""
    from channels_app.amazon.errors import InboundPlanFailed

    # An earlier attempt may have confirmed transport and lost the answer (a 500 after Amazon
    # applied it): Amazon refuses a second confirmation, so ask the shipments first.
    selected = {
        shipment_id: client.call(
            "GET", f"{base}/shipments/{shipment_id}", operation="getShipment"
        ).body.get("selectedTransportationOptionId")
        for shipment_id in plan.shipment_ids
    }
    if all(selected.values()):
        return {k: str(v) for k, v in selected.items()}
    ready = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%MZ")
    configurations = []
    for shipment_id in plan.shipment_ids:
        config: dict[str, Any] = {"shipmentId": shipment_id, "readyToShipWindow": {"start": ready}}
        if phone:
            config["contactInformation"] = {"name": contact[:50], "phoneNumber": phone[:20]}
        configurations.append(config)
    op = client.call(
        "POST",
        f"{base}/transportationOptions",
        operation="generateTransportationOptions",
        body={
            "placementOptionId": plan.placement_option_id,
            "shipmentTransportationConfigurations": configurations,
        },
    ).body
    _wait(client, op["operationId"], "transportation options")
    options = _pages(
        client,
        f"{base}/transportationOptions",
        "listTransportationOptions",
        "transportationOptions",
        {"placementOptionId": plan.placement_option_id},
    )
    chosen: dict[str, str] = {}
    for shipment_id in plan.shipment_ids:
        usable = [
            o for o in options if o["shipmentId"] == shipment_id and not o.get("preconditions")
        ]
        if not usable:
            raise InboundPlanFailed(
                f"Amazon offers shipment {shipment_id} only with a delivery window to confirm "
                "first: confirm its transportation in Seller Central, then continue the plan."
            )
        usable.sort(
            key=lambda o: (
                o["shippingSolution"] != "AMAZON_PARTNERED_CARRIER",
                o["shippingMode"] != "GROUND_SMALL_PARCEL",
                (o.get("quote") or {}).get("cost", {}).get("amount", 0),
            )
        )
        chosen[shipment_id] = usable[0]["transportationOptionId"]
    op = client.call(
        "POST",
        f"{base}/transportationOptions/confirmation",
        operation="confirmTransportationOptions",
        body={
            "transportationSelections": [
                {"shipmentId": s, "transportationOptionId": o} for s, o in chosen.items()
            ]
        },
        idempotency_key=f"transport:{plan.inbound_plan_id}",
    ).body
    _wait(client, op["operationId"], "the transportation options")
    return chosen


def _labels(client: Any, integration: Any, plan: Any, totals: dict[str, int]) -> None:
    """FNSKU unit labels for the relabel touches, and each shipment's box labels (as many as
    Amazon placed in that shipment)."""
    from channels_app.amazon.errors import InboundPlanFailed

    items = client.call(
        "POST",
        f"{INBOUND}/items/labels",
        operation="createMarketplaceItemLabels",
        body={
            "labelType": "THERMAL_PRINTING",
            "marketplaceId": integration.marketplace_id,
            "mskuQuantities": [{"msku": m, "quantity": q} for m, q in sorted(totals.items())],
            "width": 50,
            "height": 25,
        },
    ).body
    plan.labels = items["documentDownloads"]
    confirmations, box_labels = [], []
    for shipment in plan.shipments.all():
        confirmation = shipment.confirmation_id
        if not confirmation:
            raise InboundPlanFailed(
                f"Amazon has not given shipment {shipment.shipment_id} its confirmation ID (FBA…) "
                "yet, which its box labels carry: continue the plan later."
            )
        got = client.call(
            "GET",
            f"{LABELS_V0}/{confirmation}/labels",
            operation="getLabels",
            params={
                "PageType": "PackageLabel_Thermal",
                "LabelType": "UNIQUE",
                "NumberOfPackages": shipment.boxes.count(),
            },
        ).body
        confirmations.append(confirmation)
        box_labels.append(
            {"shipmentConfirmationId": confirmation, "uri": got["payload"]["DownloadURL"]}
        )
    plan.confirmation_ids, plan.box_labels = confirmations, box_labels
