"""Simulated Fulfillment Inbound 2024-03-20: plans, packing, placement, item labels.

Every mutating call answers with an operationId whose status is SUCCESS (or FAILED with the
problems Amazon would report, e.g. box contents that do not add up to the plan's items).
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from channels_app.amazon.simulator.state import Result, SimState, errors, handles
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
        "shipmentId": _id("sh"),
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
        plan["confirmed"][name] = chosen or True
        return 202, {"operationId": _operation(s, name)}

    return handler


for _name in (
    "generatePackingOptions",
    "confirmPackingOption",
    "generatePlacementOptions",
    "confirmPlacementOption",
):
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
        plan["boxes"] = boxes
        s.apply_key(key)
    return 202, {"operationId": _operation(s, "setPackingInformation", problems)}


@handles("listPlacementOptions")
def list_placement_options(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    plan = _plan(s, op)
    if plan is None:
        return 404, errors("NotFound", "Inbound plan not found.")
    return 200, {
        "placementOptions": [
            {
                "placementOptionId": plan["placementOptionId"],
                "shipmentIds": [plan["shipmentId"]],
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
