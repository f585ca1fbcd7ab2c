"""Shopify's Admin GraphQL schema (pinned 2026-04) and the check of every document we send.

The schema is Shopify's own introspection result (MIT, copied into ``schema/`` with its licence and
SOURCES.md). ``validate`` parses a document, validates it against the schema (graphql-core's
standard rules), coerces its variables against their declared types, and applies the two 2026-04
rules that the type system cannot say:

- ``inventorySetQuantities`` must carry ``@idempotent(key: …)`` with a non-blank key;
- every ``InventoryQuantityInput`` must pass ``changeFromQuantity`` explicitly (null allowed, as
  Shopify documents: "you must explicitly pass in a value, even if that value is null").

``ValidatingTransport`` runs it on every request the client makes (one hook for every call site),
so an invalid document is refused before it leaves; the simulator runs the same check and answers
Shopify's way (``errors``) when a document would be refused.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    build_client_schema,
    parse,
    value_from_ast_untyped,
)
from graphql import (
    validate as validate_document,
)
from graphql.execution.values import get_variable_values

API_VERSION = "2026-04"  # the pinned Admin API version (schema/admin_2026-04.json.gz)
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"

# Mutations whose 2026-04 contract requires an idempotency key (our subset of the 20 that accept one).
IDEMPOTENT_REQUIRED = frozenset({"inventorySetQuantities"})


class WireViolation(AssertionError):
    """A document Shopify would refuse (or that the pinned schema does not know): a bug, not a retry."""


def schema(version: str = API_VERSION) -> GraphQLSchema:
    # One cache entry per version however it is called: functools.cache keys schema() and
    # schema("2026-04") apart, and building it twice cost the simulator's first answer ~2 s (the
    # first call of a test timed out on a loaded machine).
    return _schema(version)


@cache
def _schema(version: str) -> GraphQLSchema:
    path = SCHEMA_DIR / f"admin_{version}.json.gz"
    if not path.exists():
        raise WireViolation(
            f"No Admin GraphQL schema for API version {version} in {SCHEMA_DIR}; pin {API_VERSION}."
        )
    with gzip.open(path) as raw:
        data = json.load(raw)
    return build_client_schema(data["data"])


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        ops = [o for o in ops if o.name is not None and o.name.value == name]
    if len(ops) != 1:
        raise WireViolation(f"Expected exactly one operation{f' named {name}' if name else ''}.")
    return ops[0]


def root_fields(operation: OperationDefinitionNode) -> list[FieldNode]:
    return [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]


def _argument(field: FieldNode, name: str, variables: dict[str, Any]) -> tuple[bool, Any]:
    for arg in field.arguments:
        if arg.name.value == name:
            return True, value_from_ast_untyped(arg.value, variables)
    return False, None


def idempotency_key(field: FieldNode, variables: dict[str, Any]) -> str | None:
    for directive in field.directives:
        if directive.name.value == "idempotent":
            for arg in directive.arguments:
                if arg.name.value == "key":
                    value = value_from_ast_untyped(arg.value, variables)
                    return value if isinstance(value, str) else None
    return None


def _shopify_rules(operation: OperationDefinitionNode, variables: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if operation.operation != OperationType.MUTATION:
        return problems
    for field in root_fields(operation):
        name = field.name.value
        if name in IDEMPOTENT_REQUIRED:
            key = idempotency_key(field, variables)
            if key is None or not key.strip():
                problems.append(
                    f"{name} requires the @idempotent(key: …) directive with a non-blank key "
                    "(API 2026-04)."
                )
        if name == "inventorySetQuantities":
            _present, value = _argument(field, "input", variables)
            for n, quantity in enumerate((value or {}).get("quantities") or []):
                if isinstance(quantity, dict) and "changeFromQuantity" not in quantity:
                    problems.append(
                        f"inventorySetQuantities input.quantities[{n}] must pass changeFromQuantity "
                        "explicitly (a number, or null to skip the compare) (API 2026-04)."
                    )
    return problems


def check(
    query: str,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
    *,
    version: str = API_VERSION,
) -> tuple[DocumentNode, OperationDefinitionNode]:
    """The document, if Shopify would accept it; else WireViolation listing every problem."""
    variables = variables or {}
    try:
        document = parse(query)
    except GraphQLError as exc:
        raise WireViolation(f"GraphQL syntax: {exc.message}") from exc
    the_schema = schema(version)
    errors = validate_document(the_schema, document)
    if errors:
        raise WireViolation("; ".join(e.message for e in errors[:5]))
    operation = _operation(document, operation_name)
    coerced = get_variable_values(the_schema, operation.variable_definitions or [], variables)
    if isinstance(coerced, list):
        raise WireViolation("; ".join(e.message for e in coerced[:5]))
    problems = _shopify_rules(operation, variables)
    if problems:
        raise WireViolation("; ".join(problems))
    return document, operation


def operation_names(query: str) -> list[str]:
    """The root fields a document names (for counting and fault matching)."""
    document = parse(query)
    return [f.name.value for f in root_fields(_operation(document, None))]


class ValidatingTransport(httpx.BaseTransport):
    """Wraps the real transport: every GraphQL document is validated before it is sent."""

    def __init__(self, inner: httpx.BaseTransport, *, version: str = API_VERSION) -> None:
        self.inner = inner
        self.version = version
        self.checked: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        if request.url.path.endswith("/graphql.json"):
            try:
                body = json.loads(request.content)
            except ValueError as exc:
                raise WireViolation("A GraphQL request body must be JSON.") from exc
            _document, operation = check(
                body.get("query", ""),
                body.get("variables"),
                body.get("operationName"),
                version=self.version,
            )
            self.checked.extend(f.name.value for f in root_fields(operation))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()
