"""Amazon's published SP-API models, and a check of every request and response against them.

The models (Swagger 2.0, Apache-2.0, copied into ``spec/`` with their LICENSE and NOTICE) are the
contract: the client validates what it sends and what it parses through ``ValidatingTransport``
(on whenever ``AMAZON_VALIDATE_WIRE`` is set, which the test settings do), and the simulator refuses
a request the models would refuse. Swagger 2.0 schemas are JSON Schema draft 4 with a few
extensions (``x-…``) that validators ignore.

Document bodies that are not SP-API calls (the listings feed uploaded to a presigned URL, its
processing report, an ORDER_CHANGE notification) are validated against Amazon's JSON schemas for
them; the client names the schema in the request's ``extensions`` so the transport knows which.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx
from jsonschema import Draft4Validator, Draft7Validator

SPEC_DIR = Path(__file__).resolve().parent / "spec"

MODELS = {
    "/orders/v0/": "ordersV0.json",
    "/listings/2021-08-01/": "listingsItems_2021-08-01.json",
    "/feeds/2021-06-30/": "feeds_2021-06-30.json",
    "/inbound/fba/2024-03-20/": "fulfillmentInbound_2024-03-20.json",
    "/notifications/v1/": "notifications.json",
    "/fba/inventory/v1/": "fbaInventory.json",
    "/tokens/2021-03-01/": "tokens_2021-03-01.json",
    "/reports/2021-06-30/": "reports_2021-06-30.json",
    "/fba/inbound/v0/": "fulfillmentInboundV0_getLabels.json",
}

DOCUMENTS = {
    "listings_feed": "listings-feed-schema-v2.json",
    "listings_feed_report": "listings-feed-processing-report-schema-v2.json",
    "order_change_notification": "OrderChangeNotification.json",
}

# Request extension naming the document schema of a non-SP-API body (see module docstring).
DOCUMENT_EXTENSION = "touchline_document"
RESPONSE_DOCUMENT_EXTENSION = "touchline_response_document"


class WireViolation(AssertionError):
    """What was sent or received does not match Amazon's model: a bug in the client or simulator."""


@dataclass(frozen=True)
class Operation:
    model: str
    operation_id: str
    method: str
    template: str
    path_params: dict[str, str]
    spec: dict[str, Any]


@cache
def _model(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SPEC_DIR / "models" / name).read_text())
    return data


@cache
def _document_validator(kind: str) -> Draft7Validator:
    schema = json.loads((SPEC_DIR / "schemas" / DOCUMENTS[kind]).read_text())
    return Draft7Validator(schema)


@cache
def _routes(model: str) -> list[tuple[re.Pattern[str], str, str, dict[str, Any]]]:
    routes = []
    for template, ops in _model(model)["paths"].items():
        pattern = re.compile(
            "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        )
        shared = ops.get("parameters", [])
        for method, op in ops.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            spec = dict(op, parameters=[*shared, *op.get("parameters", [])])
            routes.append((pattern, method.upper(), template, spec))
    # Literal segments beat parameters: /inboundPlans/{id}/boxes before /inboundPlans/{id}.
    routes.sort(key=lambda r: r[2].count("{"))
    return routes


def find_operation(method: str, path: str) -> Operation | None:
    """The SP-API operation a request names, or None when the path is not an SP-API path."""
    model = next((m for prefix, m in MODELS.items() if path.startswith(prefix)), None)
    if model is None:
        return None
    for pattern, verb, template, spec in _routes(model):
        match = pattern.match(path)
        if match and verb == method.upper():
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            return Operation(model, spec["operationId"], verb, template, params, spec)
    raise WireViolation(f"{method} {path} is no operation of {model}.")


def operation_by_id(model: str, operation_id: str) -> Operation:
    for _pattern, verb, template, spec in _routes(model):
        if spec["operationId"] == operation_id:
            return Operation(model, operation_id, verb, template, {}, spec)
    raise KeyError(operation_id)


def _schema_validator(model: str, schema: dict[str, Any]) -> Draft4Validator:
    # Refs are "#/definitions/X" relative to the model document: give the schema its definitions.
    return Draft4Validator({**schema, "definitions": _model(model)["definitions"]})


def _check(validator: Any, instance: Any, what: str) -> None:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        detail = "; ".join(
            f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
            for e in errors[:5]
        )
        raise WireViolation(f"{what}: {detail}")


def _scalar_ok(kind: str | None, value: str) -> bool:
    if kind == "integer":
        return re.fullmatch(r"-?\d+", value) is not None
    if kind == "number":
        return re.fullmatch(r"-?\d+(\.\d+)?", value) is not None
    if kind == "boolean":
        return value in ("true", "false")
    return True


def validate_request(op: Operation, query: dict[str, str], body: Any) -> None:
    """Query, path and body parameters as the model declares them (csv arrays, enums, required)."""
    name = f"{op.operation_id} request"
    declared = {p["name"] for p in op.spec["parameters"] if p.get("in") == "query"}
    unknown = set(query) - declared
    if unknown:
        raise WireViolation(f"{name}: undeclared query parameters {sorted(unknown)}")
    for param in op.spec["parameters"]:
        where, pname = param.get("in"), param.get("name")
        if where == "path":
            if not op.path_params.get(pname):
                raise WireViolation(f"{name}: path parameter {pname} is empty")
        elif where == "query":
            if pname not in query:
                if param.get("required"):
                    raise WireViolation(f"{name}: required query parameter {pname} missing")
                continue
            raw = query[pname]
            if param.get("type") == "array":
                values = raw.split(",")
                items = param.get("items", {})
                if "maxItems" in param and len(values) > param["maxItems"]:
                    raise WireViolation(f"{name}: {pname} has more than {param['maxItems']} items")
            else:
                values, items = [raw], param
            for value in values:
                if "enum" in items and value not in items["enum"]:
                    raise WireViolation(f"{name}: {pname}={value!r} not one of {items['enum']}")
                if not _scalar_ok(items.get("type"), value):
                    raise WireViolation(f"{name}: {pname}={value!r} is not {items.get('type')}")
            if param.get("type") == "integer":
                number = int(raw)
                if "minimum" in param and number < param["minimum"]:
                    raise WireViolation(f"{name}: {pname} below {param['minimum']}")
                if "maximum" in param and number > param["maximum"]:
                    raise WireViolation(f"{name}: {pname} above {param['maximum']}")
        elif where == "body":
            if body is None:
                if param.get("required"):
                    raise WireViolation(f"{name}: a JSON body is required")
                continue
            _check(_schema_validator(op.model, param["schema"]), body, name)
    if body is not None and not any(p.get("in") == "body" for p in op.spec["parameters"]):
        raise WireViolation(f"{name}: the operation takes no body")


def validate_response(op: Operation, status: int, body: Any) -> None:
    responses = op.spec["responses"]
    declared = responses.get(str(status)) or responses.get("default")
    if declared is None:
        raise WireViolation(f"{op.operation_id}: status {status} is not a declared response")
    schema = declared.get("schema")
    if schema is None:
        return
    if body is None:
        raise WireViolation(f"{op.operation_id} {status}: a JSON body is declared, none came")
    _check(_schema_validator(op.model, schema), body, f"{op.operation_id} {status} response")


def validate_document(kind: str, body: Any) -> None:
    _check(_document_validator(kind), body, f"{kind} document")


def _json(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError as exc:
        raise WireViolation(f"not JSON: {content[:80]!r}") from exc


def query_of(url: httpx.URL | str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(str(url)).query, keep_blank_values=True))


class ValidatingTransport(httpx.BaseTransport):
    """Wraps the real transport: each SP-API request and response is checked against the models.

    Every call the client makes goes through it, so coverage cannot be forgotten per call site.
    """

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.checked: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        document = request.extensions.get(DOCUMENT_EXTENSION)
        op = find_operation(request.method, request.url.path)
        if document:
            validate_document(document, _json(request.content))
        elif op is not None:
            validate_request(op, query_of(request.url), _json(request.content))
        response = self.inner.handle_request(request)
        response.read()
        response_document = request.extensions.get(RESPONSE_DOCUMENT_EXTENSION)
        if response_document and response.status_code == 200:
            validate_document(response_document, _json(response.content))
        elif op is not None:
            validate_response(op, response.status_code, _json(response.content))
            self.checked.append(op.operation_id)
        return response

    def close(self) -> None:
        self.inner.close()


_USAGE_PLAN = re.compile(r"\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|")


def usage_plan(op: Operation) -> tuple[float, int]:
    """The default (rate per second, burst) the model's description states for the operation."""
    text = op.spec.get("description", "")
    after = text.split("Usage Plan", 1)[-1]
    match = _USAGE_PLAN.search(after)
    if match is None:
        return 1.0, 1
    return float(match.group(1)), int(match.group(2))
