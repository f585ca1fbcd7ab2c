"""The Tokens API 2021-03-01 and what a Restricted Data Token (RDT) opens (spec/models/
tokens_2021-03-01.json, ordersV0.json).

Rules, each from Amazon's documentation:
- createRestrictedDataToken "Returns a Restricted Data Token (RDT) for one or more restricted
  resources … A restricted resource is the HTTP method and path from a restricted operation …
  plus a dataElements value … Use the RDT returned here as the access token in subsequent calls
  to the corresponding restricted operations." So an RDT is accepted only as the
  ``x-amz-access-token`` of a request whose method and path it names (a ``{shipmentId}``-style
  template segment matches any value, as the model's path examples say); anything else is 403.
- restrictedResources: "Maximum: 50"; dataElements "is required only when getting an RDT for use
  with the getOrder, getOrders, or getOrderItems operation"; values buyerInfo, shippingAddress,
  buyerTaxInformation (model). The resource must be one of the restricted operations the Tokens
  API Use Case Guide lists (https://developer-docs.amazon.com/sp-api/docs/tokens-api-use-case-guide);
  the Orders API v0 ones are simulated here. Refusals are 400 InvalidInput.
- Without an RDT the order is still served but its PII is left out, as ordersV0.json's notes say:
  "The `ShippingAddress` contains restricted data. Use the Restricted Data Token (RDT) … For
  example, `Name`, `AddressLine1`, `AddressLine2`, `AddressLine3`, `Phone`, `AddressType`, and
  `ExtendedFields`." and "The `BuyerInfo` contains restricted data." (stricter: the whole of
  BuyerInfo, and CompanyName, are left out too).
- "expiresIn: The lifetime of the Restricted Data Token, in seconds": one hour, as in the model's
  sandbox answer (3600).
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from channels_app.amazon.simulator.state import Result, SimState, errors, handles
from channels_app.amazon.wire import Operation

RDT_PREFIX = "Atz.sprdt|"
RDT_TTL = 3600
ELEMENTS = {"buyerInfo", "shippingAddress", "buyerTaxInformation"}
# The restricted Orders API v0 resources (Tokens API Use Case Guide, "List of restricted
# operations"), as path patterns; the ones that need dataElements are marked.
RESTRICTED = [
    (re.compile(r"^/orders/v0/orders$"), True),
    (re.compile(r"^/orders/v0/orders/[^/]+$"), True),
    (re.compile(r"^/orders/v0/orders/[^/]+/orderItems$"), True),
    (re.compile(r"^/orders/v0/orders/[^/]+/(address|buyerInfo|regulatedInfo)$"), False),
    (re.compile(r"^/orders/v0/orders/[^/]+/orderItems/buyerInfo$"), False),
]
ADDRESS_PII = (
    "Name",
    "CompanyName",
    "AddressLine1",
    "AddressLine2",
    "AddressLine3",
    "Phone",
    "AddressType",
    "ExtendedFields",
)


def _restricted(path: str) -> tuple[bool, bool]:
    for pattern, needs_elements in RESTRICTED:
        if pattern.match(path):
            return True, needs_elements
    return False, False


@handles("createRestrictedDataToken")
def create_restricted_data_token(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    resources = body["restrictedResources"]
    if not resources:
        return 400, errors("InvalidInput", "Resource not provided.")
    if len(resources) > 50:
        return 400, errors("InvalidInput", "At most 50 restricted resources per token.")
    for resource in resources:
        restricted, needs_elements = _restricted(resource["path"])
        if not restricted:
            return 400, errors(
                "InvalidInput",
                f"{resource['method']} {resource['path']} is not a restricted resource.",
            )
        elements = resource.get("dataElements") or []
        if needs_elements and not elements:
            return 400, errors("InvalidInput", f"dataElements is required for {resource['path']}.")
        unknown = set(elements) - ELEMENTS
        if unknown:
            return 400, errors("InvalidInput", f"Unknown dataElements {sorted(unknown)}.")
    token = f"{RDT_PREFIX}{uuid.uuid4().hex}"
    s.restricted_tokens[token] = {
        "expires": s.sim_clock.now() + RDT_TTL,  # Amazon's clock (/_sim/clock moves it)
        "resources": [
            {
                "method": r["method"],
                "path": r["path"],
                "dataElements": list(r.get("dataElements") or []),
            }
            for r in resources
        ],
    }
    s.calls["rdt_issued"] += 1
    return 200, {"restrictedDataToken": token, "expiresIn": RDT_TTL}


def expire_all(s: SimState) -> int:
    """Test control: every RDT expires now (as one would after its hour)."""
    for entry in s.restricted_tokens.values():
        entry["expires"] = 0.0
    return len(s.restricted_tokens)


def _covers(resource_path: str, path: str) -> bool:
    pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(resource_path)) + "$"
    return re.match(pattern, path) is not None


def grant(s: SimState, method: str, path: str, token: str | None) -> set[str] | None:
    """The dataElements an RDT opens for this request, or None when the token is no RDT."""
    entry = s.restricted_tokens.get(token or "")
    if entry is None:
        return None
    return {
        e
        for r in entry["resources"]
        if r["method"] == method and _covers(r["path"], path)
        for e in r["dataElements"]
    }


def refusal(
    sim: Any, method: str, path: str, token: str | None
) -> tuple[int, Any, dict[str, str]] | None:
    """Amazon's 403 for this access token on this request, or None when it may make it."""
    if not (token or "").startswith(RDT_PREFIX):
        answer: tuple[int, Any, dict[str, str]] | None = sim.tokens.refusal(token)
        return answer
    problem = _rdt_problem(sim, method, path, token or "")
    if problem is None:
        return None
    return 403, errors("Unauthorized", "Access to requested resource is denied.", problem), {}


def _rdt_problem(sim: Any, method: str, path: str, token: str) -> str | None:
    entry = sim.state.restricted_tokens.get(token)
    if entry is None:
        return "The access token you provided is revoked, malformed or invalid."
    if entry["expires"] <= sim.state.sim_clock.now():
        return "The access token you provided has expired."
    if not any(r["method"] == method and _covers(r["path"], path) for r in entry["resources"]):
        return f"The Restricted Data Token does not cover {method} {path}."
    return None


def _redact_order(order: dict[str, Any], opened: set[str]) -> dict[str, Any]:
    order = copy.deepcopy(order)
    if "shippingAddress" not in opened and isinstance(order.get("ShippingAddress"), dict):
        for name in ADDRESS_PII:
            order["ShippingAddress"].pop(name, None)
    if "buyerInfo" not in opened:
        order.pop("BuyerInfo", None)
    return order


def redact(
    s: SimState, op: Operation, method: str, path: str, token: str | None, reply: Any
) -> Any:
    """What Amazon sends for this caller: PII only where the RDT's dataElements open it."""
    if op.operation_id not in ("getOrders", "getOrder") or not isinstance(reply, dict):
        return reply
    opened = grant(s, method, path, token) or set()
    payload = reply.get("payload")
    if op.operation_id == "getOrder" and isinstance(payload, dict):
        return {**reply, "payload": _redact_order(payload, opened)}
    if op.operation_id == "getOrders" and isinstance(payload, dict):
        orders = [_redact_order(o, opened) for o in payload.get("Orders", [])]
        return {**reply, "payload": {**payload, "Orders": orders}}
    return reply
