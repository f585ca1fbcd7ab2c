"""Simulated Fulfillment Inbound 2024-03-20: plans, packing, placement, boxes, item labels.

Every mutating call answers with an operationId whose status is SUCCESS (or FAILED with the
problems Amazon would report, e.g. box contents that do not add up to the plan's items).

Placement, from the model (spec/models/fulfillmentInbound_2024-03-20.json):
- PlacementOption: "A placement option represents the shipment splits and destinations of SKUs",
  with its `shipmentIds`. The simulator splits a plan's boxes over `fba_split` shipments (box i
  goes to shipment i mod n; Amazon decides the split, the seller only reads it).
- Stricter than Amazon: placement options are generated only once box contents are set
  (setPackingInformation), as in Amazon's "carton-level information up-front" workflow.
- listShipmentBoxes "Provides a paginated list of box packages in a shipment";
  listInboundPlanBoxes the same for the whole plan. A Box's `packageId` is required; its
  `boxId` "is comprised of the external shipment ID (which is generated after transportation has
  been confirmed) and the index of the box", so it is answered only after that.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from channels_app.amazon.simulator.state import (
    Result,
    SimState,
    _token,
    _untoken,
    errors,
    handles,
)
from channels_app.amazon.wire import Operation


def _id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4()}"  # Amazon's ids here are 38 characters: prefix + UUID


def _operation(s: SimState, name: str, problems: list[dict[str, str]] | None = None) -> str:
    op_id = str(uuid.uuid4())
    s.operations[op_id] = name
    if problems:
        s.plans.setdefault("_problems", {})[op_id] = problems
    return op_id


def _plan(s: SimState, op: Operation) -> dict[str, Any] | None:
    return s.plans.get(op.path_params["inboundPlanId"])


@handles("createInboundPlan")
def create_inbound_plan(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    unknown = [i["msku"] for i in body["items"] if i["msku"] not in s.listings]
    if unknown:
        return 400, errors("InvalidInput", f"Unknown MSKUs: {', '.join(unknown)}.")
    plan_id = _id("wf")
    s.plans[plan_id] = {
        "items": {i["msku"]: i["quantity"] for i in body["items"]},
        "sourceAddress": body["sourceAddress"],
        "packingGroupId": _id("pg"),
        "packingOptionId": _id("po"),
        "placementOptionId": _id("pl"),
        "shipments": {},  # shipmentId → {"boxes": [package ids], "warehouseId", "address"}
        "confirmed": {},
        "boxes": [],
    }
    s.apply_key(key)
    return 202, {"inboundPlanId": plan_id, "operationId": _operation(s, "createInboundPlan")}


@handles("getInboundOperationStatus")
def get_operation(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    op_id = op.path_params["operationId"]
    if op_id not in s.operations:
        return 404, errors("NotFound", "Operation not found.")
    problems = s.plans.get("_problems", {}).get(op_id, [])
    return 200, {
        "operation": s.operations[op_id],
        "operationId": op_id,
        "operationProblems": problems,
        "operationStatus": "FAILED" if problems else "SUCCESS",
    }


def _step(name: str) -> Any:
    def handler(
        s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
    ) -> Result:
        plan = _plan(s, op)
        if plan is None:
            return 404, errors("NotFound", "Inbound plan not found.")
        chosen = op.path_params.get("packingOptionId") or op.path_params.get("placementOptionId")
        if name == "confirmPlacementOption":
            # "Confirms the placement option for an inbound plan. Once confirmed, it cannot be
            # changed for the Inbound Plan." Only an option listed for the plan can be confirmed.
            problem = ""
            if chosen != plan["placementOptionId"] or not plan["shipments"]:
                problem = f"{chosen} is not a placement option of this inbound plan."
            elif name in plan["confirmed"]:
                problem = "A placement option is already confirmed for this inbound plan."
            if problem:
                failed = [{"code": "FBA_INB_0201", "message": problem, "severity": "ERROR"}]
                return 202, {"operationId": _operation(s, name, failed)}
            for shipment in plan["shipments"].values():
                # Shipment.shipmentConfirmationId: "The confirmed shipment ID which shows up on
                # labels (for example, `FBA1234ABCD`)"; a shipment is WORKING once placed.
                shipment["confirmationId"] = f"FBA{uuid.uuid4().hex[:9].upper()}"
        plan["confirmed"][name] = chosen or True
        return 202, {"operationId": _operation(s, name)}

    return handler


for _name in ("generatePackingOptions", "confirmPackingOption", "confirmPlacementOption"):
    handles(_name)(_step(_name))


@handles("listPackingOptions")
def list_packing_options(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    plan = _plan(s, op)
    if plan is None:
        return 404, errors("NotFound", "Inbound plan not found.")
    return 200, {
        "packingOptions": [
            {
                "packingOptionId": plan["packingOptionId"],
                "packingGroups": [plan["packingGroupId"]],
                "status": "OFFERED",
                "discounts": [],
                "fees": [],
                "supportedConfigurations": [],
                "supportedShippingConfigurations": [
                    {
                        "shippingMode": "GROUND_SMALL_PARCEL",
                        "shippingSolution": "AMAZON_PARTNERED_CARRIER",
                    }
                ],
            }
        ]
    }


@handles("setPackingInformation")
def set_packing_information(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    plan = _plan(s, op)
    if plan is None:
        return 404, errors("NotFound", "Inbound plan not found.")
    boxed: Counter[str] = Counter()
    boxes = []
    for group in body["packageGroupings"]:
        if group.get("packingGroupId") != plan["packingGroupId"]:
            return 400, errors("InvalidInput", "Unknown packingGroupId.")
        for box in group["boxes"]:
            boxes.append(box)
            for item in box.get("items", []):
                boxed[item["msku"]] += item["quantity"] * box["quantity"]
    problems = [
        {
            "code": "FBA_INB_0182",
            "message": f"Box contents for {msku}: {boxed.get(msku, 0)} boxed, {wanted} in the plan.",
            "severity": "ERROR",
        }
        for msku, wanted in plan["items"].items()
        if boxed.get(msku, 0) != wanted
    ]
    if not problems:
        # One package per physical box: a BoxInput's `quantity` is "the number of containers
        # where all other properties like weight or dimensions are identical".
        plan["boxes"] = [
            box | {"quantity": 1, "packageId": _id("pk")}
            for box in boxes
            for _ in range(int(box["quantity"]))
        ]
        s.apply_key(key)
    return 202, {"operationId": _operation(s, "setPackingInformation", problems)}


# Amazon's fulfilment centres the simulator places shipments at (warehouseId and address).
CENTRES = [
    ("ABE2", "705 Boulder Dr", "Breinigsville", "PA", "18031"),
    ("MDT1", "2 Ames Dr", "Carlisle", "PA", "17015"),
    ("BWI2", "2010 Broening Hwy", "Baltimore", "MD", "21224"),
    ("EWR4", "50 New Canton Way", "Robbinsville", "NJ", "08691"),
]


@handles("generatePlacementOptions")
def generate_placement_options(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    plan = _plan(s, op)
    if plan is None:
        return 404, errors("NotFound", "Inbound plan not found.")
    if not plan["boxes"]:
        problem = {
            "code": "FBA_INB_0200",
            "message": "Set the box contents (setPackingInformation) before generating placement "
            "options.",
            "severity": "ERROR",
        }
        return 202, {"operationId": _operation(s, "generatePlacementOptions", [problem])}
    if not plan["shipments"]:
        count = max(1, min(s.fba_split, len(plan["boxes"]), len(CENTRES)))
        ids = [_id("sh") for _ in range(count)]
        plan["shipments"] = {
            shipment_id: {"boxes": [], "centre": CENTRES[n]} for n, shipment_id in enumerate(ids)
        }
        for n, box in enumerate(plan["boxes"]):
            plan["shipments"][ids[n % count]]["boxes"].append(box["packageId"])
    plan["confirmed"]["generatePlacementOptions"] = True
    return 202, {"operationId": _operation(s, "generatePlacementOptions")}


@handles("listPlacementOptions")
def list_placement_options(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    plan = _plan(s, op)
    if plan is None:
        return 404, errors("NotFound", "Inbound plan not found.")
    if not plan["shipments"]:
        return 200, {"placementOptions": []}  # none generated yet
    return 200, {
        "placementOptions": [
            {
                "placementOptionId": plan["placementOptionId"],
                "shipmentIds": list(plan["shipments"]),
                "status": "OFFERED",
                "discounts": [],
                "fees": [
                    {
                        "description": "Placement service fee",
                        "target": "Placement Services",
                        "type": "FEE",
                        "value": {"amount": 0.0, "code": "USD"},
                    }
                ],
            }
        ]
    }


@handles("createMarketplaceItemLabels")
def create_item_labels(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    unknown = [m["msku"] for m in body["mskuQuantities"] if m["msku"] not in s.listings]
    if unknown:
        return 400, errors("InvalidInput", f"Unknown MSKUs: {', '.join(unknown)}.")
    doc_id = uuid.uuid4().hex
    s.documents[doc_id] = b"%PDF-1.4 simulated FNSKU labels"
    return 200, {
        "documentDownloads": [
            {"downloadType": "URL", "uri": f"{s.base_url}/_docs/{doc_id}"},
        ]
    }


def _box(s: SimState, plan: dict[str, Any], box: dict[str, Any]) -> dict[str, Any]:
    """A Box as Amazon lists it: Item requires asin, fnsku, labelOwner, msku, prepInstructions."""
    items = []
    for item in box.get("items", []):
        listing = s.listings.get(item["msku"], {})
        items.append(
            {
                "asin": listing.get("asin", "B0SIM00000"),
                "fnsku": listing.get("fnsku", "X00SIM0000"),
                "labelOwner": item.get("labelOwner", "SELLER"),
                "msku": item["msku"],
                "prepInstructions": [],
                "quantity": item["quantity"],
            }
        )
    found = {
        "packageId": box["packageId"],
        "contentInformationSource": box["contentInformationSource"],
        "dimensions": box["dimensions"],
        "weight": box["weight"],
        "quantity": 1,
        "items": items,
    }
    for shipment_id, shipment in plan["shipments"].items():
        if box["packageId"] in shipment["boxes"] and shipment_id in plan.get(
            "transportationConfirmed", {}
        ):
            index = shipment["boxes"].index(box["packageId"]) + 1
            found["boxId"] = f"{shipment['confirmationId']}U{index:06d}"
    return found


def _page(q: dict[str, str], found: list[dict[str, Any]]) -> dict[str, Any]:
    size = int(q.get("pageSize", 10))
    if not 1 <= size <= 1000:  # pageSize: minimum 1, maximum 1000
        size = 10
    start = int(_untoken(q["paginationToken"])["o"]) if q.get("paginationToken") else 0
    reply: dict[str, Any] = {"boxes": found[start : start + size]}
    if start + size < len(found):
        reply["pagination"] = {"nextToken": _token(start + size)}
    return reply


@handles("listInboundPlanBoxes")
def list_inbound_plan_boxes(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    plan = _plan(s, op)
    if plan is None:
        return 404, errors("NotFound", "Inbound plan not found.")
    return 200, _page(q, [_box(s, plan, b) for b in plan["boxes"]])


@handles("listShipmentBoxes")
def list_shipment_boxes(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    plan = _plan(s, op)
    shipment = (plan or {}).get("shipments", {}).get(op.path_params["shipmentId"])
    if plan is None or shipment is None:
        return 404, errors("NotFound", "Shipment not found in this inbound plan.")
    by_id = {b["packageId"]: b for b in plan["boxes"]}
    return 200, _page(q, [_box(s, plan, by_id[p]) for p in shipment["boxes"]])
