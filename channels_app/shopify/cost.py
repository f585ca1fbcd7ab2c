"""Our own estimate of a document's requestedQueryCost, checked before anything is sent.

Shopify refuses any single query whose requested cost is above 1,000 points, whatever the bucket
holds (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits; the call-limit page:
"A single query to the API cannot exceed a cost of 1000 … based on the requested cost"). Sending
one anyway costs a round trip and, inside a fulfillment-request callback, an answer Shopify keeps
resending. So the client estimates first and refuses locally with the number.

The rules, from the same page: scalars and enums 0, objects 1, a connection 2 plus its page size
(first or last) times the cost of one node, a mutation 10, a query at least 1. We count the
connection's node once, as an object, plus its selection; ``pageInfo`` rides with the connection.
This is an estimate to stay under the limit with room to spare (the simulator computes its own,
independently, and Shopify has the last word in ``extensions.cost``).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
    is_leaf_type,
    parse,
    value_from_ast_untyped,
)

from channels_app.shopify import wire

LIMIT = 1000
# What our own documents aim for: "well under" the limit, so a schema-side cost change (Shopify
# may weigh a field above the default) does not tip a page over.
BUDGET = 500


def estimate(
    query: str, variables: dict[str, Any] | None = None, *, version: str = wire.API_VERSION
) -> int:
    document = parse(query)
    schema = wire.schema(version)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    if operation.operation == OperationType.MUTATION:
        return 10 * sum(1 for s in operation.selection_set.selections if isinstance(s, FieldNode))
    values = variables or {}

    def selections(selection_set: Any) -> list[FieldNode]:
        found: list[FieldNode] = []
        for s in selection_set.selections if selection_set else ():
            if isinstance(s, FieldNode):
                found.append(s)
            elif isinstance(s, InlineFragmentNode):
                found.extend(selections(s.selection_set))  # every branch: never an underestimate
            elif isinstance(s, FragmentSpreadNode) and s.name.value in fragments:
                found.extend(selections(fragments[s.name.value].selection_set))
        return found

    def size(node: FieldNode) -> int:
        args = {a.name.value: value_from_ast_untyped(a.value, values) for a in node.arguments}
        return max(int(args.get("first") or 0), int(args.get("last") or 0))

    def cost_of(parent: Any, node: FieldNode) -> int:
        definition = getattr(parent, "fields", {}).get(node.name.value)
        if definition is None:
            return 0
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        fields = getattr(named, "fields", {})
        if named.name.endswith("Connection") and "pageInfo" in fields:
            per_node = 0
            for inner in selections(node.selection_set):
                if inner.name.value == "nodes":
                    per_node += 1 + below(get_named_type(fields["nodes"].type), inner)
                elif inner.name.value == "edges":
                    edge = get_named_type(fields["edges"].type)
                    for leaf in selections(inner.selection_set):
                        if leaf.name.value == "node" and isinstance(edge, GraphQLObjectType):
                            per_node += 1 + below(get_named_type(edge.fields["node"].type), leaf)
            return 2 + size(node) * per_node
        return 1 + below(named, node)

    def below(parent: Any, node: FieldNode) -> int:
        return sum(cost_of(parent, f) for f in selections(node.selection_set))

    total = sum(cost_of(schema.query_type, f) for f in selections(operation.selection_set))
    return max(1, total)
