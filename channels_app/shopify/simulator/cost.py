"""Shopify's calculated query cost and its leaky bucket, as Shopify documents them.

Written from Shopify's pages, not from our adapter (the adapter has its own estimate in
``channels_app/shopify/cost.py``; the two meet only over HTTP):

- https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits — "Every field in the schema
  has an integer cost value assigned to it … By default, a field's cost is based on what the field
  returns: Scalar 0, Enum 0, Object 1, Interface/Union maximum of possible selections,
  Connection sized by the first and last arguments, Mutation 10."
- https://shopify.engineering/rate-limiting-graphql-apis-calculating-query-complexity —
  "Connections: two points plus the number of objects returned"; the worked example
  ``shop { id name timezoneOffsetMinutes customerAccounts }`` costs 1.
- help.shopify.com/en/api/graphql-admin-api/call-limit — "A single query to the API cannot exceed
  a cost of 1000. This limit is enforced before query execution begins, and is therefore based on
  the requested cost of the query rather than the actual cost." and "Before execution can begin,
  the app's bucket must have enough room for the requested cost of the query; then, once execution
  is complete, the bucket is refunded the difference between the requested cost and the actual
  cost of the query."

Where the pages are silent we choose the stricter reading and say so: a connection's per-node cost
is the node object (1) plus what is selected inside it, once whether it is reached through
``nodes`` or ``edges { node }`` (both selected: both charged); ``pageInfo`` and cursors are part
of the connection's own 2; a plain list of objects costs like one object; a query costs at least 1.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
    value_from_ast_untyped,
)

# "A single query to the API cannot exceed a cost of 1000" (call-limit page, quoted above).
SINGLE_QUERY_LIMIT = 1000
# "Mutation | 10" (rate-limits page, default field costs).
MUTATION_COST = 10
OBJECT_COST = 1
CONNECTION_COST = 2
# https://shopify.dev/changelog/graphql-input-objects-limited-to-250-items: "We're bringing input
# limits in-line with connection limits" — a connection gives at most 250 per page.
MAX_PAGE = 250

# https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits, the plan table (restore rate,
# points per second). The page names no bucket sizes for these rates; real 2025-2026 responses of a
# Standard store show maximumAvailable 2000 with restoreRate 100
# (community.shopify.dev/t/…/23101), i.e. 20 seconds of restore, the ratio the older docs had too
# (1000 at 50/s). We size every plan's bucket at 20 × its rate; a simulated store can set both.
PLANS: dict[str, float] = {
    "standard": 100.0,
    "advanced": 200.0,
    "plus": 1000.0,
    "enterprise": 2000.0,
}
BUCKET_SECONDS = 20.0

MAX_COST_MESSAGE = (
    # Shopify's own wording, as seen in Shopify/shopify-app-js#577 (a real MAX_COST_EXCEEDED).
    "Query cost is {cost}, which exceeds the single query max cost limit ({limit}).\n\n"
    "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
    "cost of a query is calculated.\n\n"
    "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
    "See https://shopify.dev/api/usage/bulk-operations/queries for usage details.\n"
)


class CostError(Exception):
    """A connection Shopify refuses to size (no first/last, or more than 250)."""

    def __init__(self, message: str, path: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


@dataclass
class _Walk:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    problems: list[CostError] = field(default_factory=list)


def _is_connection(type_: Any) -> bool:
    return (
        isinstance(type_, GraphQLObjectType)
        and type_.name.endswith("Connection")
        and "pageInfo" in type_.fields
        and ("nodes" in type_.fields or "edges" in type_.fields)
    )


def _fields(walk: _Walk, selection_set: SelectionSetNode | None, type_name: str) -> list[Any]:
    """The FieldNodes of a selection that apply to `type_name` (fragments flattened).

    An inline fragment or spread on another type is returned as a (type, [fields]) group so the
    caller can take the maximum over the possible types (Interface/Union rule)."""
    out: list[Any] = []
    if selection_set is None:
        return out
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            out.append(selection)
            continue
        if isinstance(selection, FragmentSpreadNode):
            fragment = walk.fragments.get(selection.name.value)
            if fragment is None:
                continue
            condition, inner = fragment.type_condition.name.value, fragment.selection_set
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else ""
            inner = selection.selection_set
        else:
            continue
        if not condition or condition == type_name:
            out.extend(_fields(walk, inner, type_name))
        else:
            out.append((condition, _fields(walk, inner, condition)))
    return out


def _argument(walk: _Walk, node: FieldNode, name: str) -> Any:
    for arg in node.arguments:
        if arg.name.value == name:
            return value_from_ast_untyped(arg.value, walk.variables)
    return None


def _page_size(walk: _Walk, node: FieldNode, path: list[str]) -> int:
    first, last = _argument(walk, node, "first"), _argument(walk, node, "last")
    if first is None and last is None:
        # Shopify's answer to a connection without a page size (gnikyt/Basic-Shopify-API#22).
        walk.problems.append(CostError("you must provide one of first or last", path))
        return 0
    size = max(int(first or 0), int(last or 0))
    if size > MAX_PAGE:
        walk.problems.append(
            CostError(
                f"{node.name.value}: the page size {size} is more than {MAX_PAGE}, the most one "
                "page of a connection may hold.",
                path,
            )
        )
    return size


def _selection_cost(
    walk: _Walk, parent: Any, selection_set: SelectionSetNode | None, path: list[str]
) -> int:
    """The summed cost of what is selected on `parent` (an object, interface or union type)."""
    type_name = parent.name
    total = 0
    groups: list[int] = []
    for entry in _fields(walk, selection_set, type_name):
        if isinstance(entry, tuple):
            condition, fields = entry
            possible = walk.schema.get_type(condition)
            groups.append(
                sum(_field_cost(walk, possible, f, path) for f in fields) if possible else 0
            )
            continue
        total += _field_cost(walk, parent, entry, path)
    # "Interface | Maximum of possible selections", "Union | Maximum of possible selections".
    return total + (max(groups) if groups else 0)


def _field_cost(walk: _Walk, parent: Any, node: FieldNode, path: list[str]) -> int:
    name = node.name.value
    if name.startswith("__") or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return 0
    definition = parent.fields.get(name)
    if definition is None:
        return 0
    here = [*path, name]
    named = get_named_type(definition.type)
    if is_leaf_type(named):  # "Scalar | 0", "Enum | 0"
        return 0
    if _is_connection(named):
        size = _page_size(walk, node, here)
        return CONNECTION_COST + size * _per_node(walk, named, node, here)
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
        return OBJECT_COST + _selection_cost(walk, named, node.selection_set, here)
    return 0


def _per_node(walk: _Walk, connection: Any, node: FieldNode, path: list[str]) -> int:
    """One node of a connection: the node object plus what is selected in it."""
    node_type = (
        get_named_type(connection.fields["nodes"].type) if "nodes" in connection.fields else None
    )
    edge_type = (
        get_named_type(connection.fields["edges"].type) if "edges" in connection.fields else None
    )
    per = 0
    for entry in _fields(walk, node.selection_set, connection.name):
        if isinstance(entry, tuple):
            continue
        if entry.name.value == "nodes" and node_type is not None:
            per += OBJECT_COST + _selection_cost(
                walk, node_type, entry.selection_set, [*path, "nodes"]
            )
        elif entry.name.value == "edges" and isinstance(edge_type, GraphQLObjectType):
            for inner in _fields(walk, entry.selection_set, edge_type.name):
                if not isinstance(inner, tuple) and inner.name.value == "node":
                    target = get_named_type(edge_type.fields["node"].type)
                    per += OBJECT_COST + _selection_cost(
                        walk, target, inner.selection_set, [*path, "edges", "node"]
                    )
    return per


def requested_cost(
    schema: GraphQLSchema,
    document: Any,
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None = None,
) -> tuple[int, list[CostError]]:
    """(requestedQueryCost, connections Shopify refuses to size) of one operation."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    walk = _Walk(schema, fragments, variables or {})
    if operation.operation == OperationType.MUTATION:
        roots = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
        # Mutation payloads are not charged beyond the 10 (rate-limits page: "Mutation | 10");
        # their connections must still carry a page size.
        mutation_type = schema.mutation_type
        for root in roots:
            _field_cost(walk, mutation_type, root, [])
        return MUTATION_COST * len(roots), walk.problems
    cost = _selection_cost(walk, schema.query_type, operation.selection_set, [])
    return max(1, cost), walk.problems


# --- actual cost: the same rules over what was returned ------------------------------------------


def actual_cost(
    schema: GraphQLSchema,
    document: Any,
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None,
    data: dict[str, Any] | None,
    requested: int,
) -> int:
    """ "The actual cost is based on the results returned, since the query can end early due to an
    object type field returning null, or connection fields can return fewer edges than requested"
    (call-limit page). Never more than requested."""
    if operation.operation == OperationType.MUTATION:
        return requested
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    walk = _Walk(schema, fragments, variables or {})
    cost = _returned(walk, schema.query_type, operation.selection_set, data or {})
    return min(requested, max(1, cost))


def _returned(walk: _Walk, parent: Any, selection_set: Any, value: Any) -> int:
    if not isinstance(value, dict):
        return 0
    total = 0
    for entry in _fields(walk, selection_set, parent.name):
        if isinstance(entry, tuple):
            possible = walk.schema.get_type(entry[0])
            total += sum(_returned_field(walk, possible, f, value) for f in entry[1] if possible)
            continue
        total += _returned_field(walk, parent, entry, value)
    return total


def _returned_field(walk: _Walk, parent: Any, node: FieldNode, value: dict[str, Any]) -> int:
    name = node.name.value
    if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return 0
    definition = parent.fields.get(name)
    if definition is None:
        return 0
    key = node.alias.value if node.alias else name
    got = value.get(key)
    named = get_named_type(definition.type)
    if is_leaf_type(named) or got is None:
        return 0
    if _is_connection(named):
        per_nodes = 0
        node_type = get_named_type(named.fields["nodes"].type) if "nodes" in named.fields else None
        for entry in _fields(walk, node.selection_set, named.name):
            if isinstance(entry, tuple):
                continue
            if entry.name.value == "nodes" and node_type is not None:
                for item in got.get(entry.alias.value if entry.alias else "nodes") or []:
                    per_nodes += OBJECT_COST + _returned(walk, node_type, entry.selection_set, item)
            elif entry.name.value == "edges":
                edge_type = get_named_type(named.fields["edges"].type)
                for edge in got.get(entry.alias.value if entry.alias else "edges") or []:
                    for inner in _fields(walk, entry.selection_set, edge_type.name):
                        if not isinstance(inner, tuple) and inner.name.value == "node":
                            target = get_named_type(edge_type.fields["node"].type)
                            per_nodes += OBJECT_COST + _returned(
                                walk, target, inner.selection_set, (edge or {}).get("node")
                            )
        return CONNECTION_COST + per_nodes
    if isinstance(got, list):
        return (
            OBJECT_COST
            + max((_returned(walk, named, node.selection_set, x) for x in got), default=0)
            if got
            else 0
        )
    return OBJECT_COST + _returned(walk, named, node.selection_set, got)


# --- the leaky bucket ----------------------------------------------------------------------------


@dataclass
class Bucket:
    """Shopify's leaky bucket of query-cost points for one app on one store.

    "Each combination of app and store is given a bucket size and restore rate based on the
    store's plan" and "your quota refills continuously" (rate-limits page)."""

    maximum: float = PLANS["standard"] * BUCKET_SECONDS
    restore_rate: float = PLANS["standard"]
    available: float = PLANS["standard"] * BUCKET_SECONDS
    at: float = field(default_factory=time.monotonic)

    @classmethod
    def for_plan(cls, plan: str) -> Bucket:
        if plan not in PLANS:
            raise ValueError(f"Unknown Shopify plan {plan!r}; one of {', '.join(PLANS)}.")
        rate = PLANS[plan]
        return cls(
            maximum=rate * BUCKET_SECONDS, restore_rate=rate, available=rate * BUCKET_SECONDS
        )

    def refill(self) -> None:
        now = time.monotonic()
        self.available = min(self.maximum, self.available + (now - self.at) * self.restore_rate)
        self.at = now

    def take(self, requested: float) -> bool:
        """Room for the requested cost? Then it is taken (before execution)."""
        self.refill()
        if self.available < requested:
            return False
        self.available -= requested
        return True

    def refund(self, points: float) -> None:
        self.available = min(self.maximum, self.available + max(0.0, points))

    def status(self) -> dict[str, float]:
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": round(self.available, 1),
            "restoreRate": self.restore_rate,
        }


def extensions(requested: int, actual: int | None, bucket: Bucket) -> dict[str, Any]:
    """``extensions.cost`` as every answer carries it (rate-limits page, "requestedQueryCost",
    "actualQueryCost", "throttleStatus"); actual is null when nothing ran."""
    return {
        "extensions": {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": bucket.status(),
            }
        }
    }


def max_cost_exceeded(requested: int, bucket: Bucket) -> dict[str, Any]:
    """The refusal of a document above the single-query limit, whatever the bucket holds."""
    return {
        "errors": [
            {
                "message": MAX_COST_MESSAGE.format(cost=requested, limit=SINGLE_QUERY_LIMIT),
                "extensions": {"code": "MAX_COST_EXCEEDED"},
            }
        ],
        **extensions(requested, None, bucket),
    }


def throttled(requested: int, bucket: Bucket) -> dict[str, Any]:
    """Shopify's THROTTLED answer (community.shopify.com/t/throttled/254776 shows the body)."""
    return {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                },
            }
        ],
        **extensions(requested, None, bucket),
    }


def unsized(problems: list[CostError], bucket: Bucket, requested: int) -> dict[str, Any]:
    return {
        "errors": [{"message": p.message, "path": ["query", *p.path]} for p in problems],
        **extensions(requested, None, bucket),
    }
