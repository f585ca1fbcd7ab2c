"""The simulator's side of going live, reconciling and returns: the resolvers and /_sim controls
the adapter's registration.py, stock.py and returns.py talk to. Each rule cites Shopify's docs.

    fulfillmentService(id) · shop.fulfillmentServices · fulfillmentServiceUpdate
    webhookSubscriptions · webhookSubscriptionCreate
    inventoryItems (paged, with inventoryLevel) · inventorySetQuantities (input array limit)
    order(id).returns · reverseFulfillmentOrder(id) · reverseFulfillmentOrderDispose
    /_sim/uninstall   the app uninstalled: what it created at the store is gone
    /_sim/returns     the merchant creates a return for fulfilled units of an order
    /_sim/golive      what this module holds (subscriptions, returns)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from channels_app.shopify.simulator import state as S
from channels_app.shopify.simulator.state import Obj, SimState, _error, gid, now_iso

# "Input arguments that accept an array have a maximum size of 250 for all APIs. Requests return
# an error if an input array exceeds 250 items." — https://shopify.dev/docs/api/usage/limits
MAX_INPUT_ARRAY = 250
# Connections: "first"/"last" at most 250 — https://shopify.dev/docs/api/usage/pagination-graphql
MAX_PAGE = 250


@dataclass
class LiveState:
    webhooks: dict[str, Obj] = field(default_factory=dict)
    returns: dict[str, Obj] = field(default_factory=dict)
    reverse_orders: dict[str, Obj] = field(default_factory=dict)
    uninstalls: int = 0


def live(state: SimState) -> LiveState:
    found = getattr(state, "_golive", None)
    if found is None:
        found = LiveState()
        state._golive = found  # type: ignore[attr-defined]
    return found


def _too_many(name: str, values: list[Any]) -> None:
    if len(values) > MAX_INPUT_ARRAY:
        raise GraphQLError(
            f"The input array size of {len(values)} is greater than the maximum allowed of "
            f"{MAX_INPUT_ARRAY}.",
            extensions={"code": "MAX_INPUT_SIZE_EXCEEDED", "argument": name},
        )


def _page_size(first: int | None) -> int:
    if first is None or first < 1 or first > MAX_PAGE:
        raise GraphQLError(
            f"You must provide one of first or last, between 1 and {MAX_PAGE} (got {first}).",
            extensions={"code": "BAD_REQUEST"},
        )
    return first


def _page(items: list[Obj], first: int | None, after: str | None) -> Obj:
    size = _page_size(first)
    start = int(after) if after else 0
    chunk = items[start : start + size]
    more = start + size < len(items)
    return {
        "nodes": chunk,
        "pageInfo": {
            "hasNextPage": more,
            "hasPreviousPage": start > 0,
            "endCursor": str(start + size) if more else None,
            "startCursor": str(start) if chunk else None,
        },
    }


def _service_view(service: Obj) -> Obj:
    return {
        "fulfillmentOrdersOptIn": True,
        "requiresShippingMethod": False,
        "type": "THIRD_PARTY",
        **service,
    }


def _rfo_view(state: SimState, rfo: Obj) -> Obj:
    def line_items(
        _info: GraphQLResolveInfo, first: int | None = None, after: str | None = None, **_: Any
    ) -> Obj:
        return _page([dict(x) for x in rfo["lineItems"]], first, after)

    return {"id": rfo["id"], "status": rfo["status"], "lineItems": line_items}


class LiveQueries:
    s: SimState

    def fulfillmentService(self, _info: GraphQLResolveInfo, id: str) -> Obj | None:
        service = self.s.services.get(id)
        return _service_view(service) if service else None

    def shop(self, _info: GraphQLResolveInfo) -> Obj:
        return {
            "id": gid("Shop", 1),
            "name": self.s.shop_domain.split(".", 1)[0],
            "myshopifyDomain": self.s.shop_domain,
            "fulfillmentServices": [_service_view(x) for x in self.s.services.values()],
        }

    def webhookSubscriptions(
        self,
        _info: GraphQLResolveInfo,
        first: int | None = None,
        after: str | None = None,
        **_: Any,
    ) -> Obj:
        return _page(list(live(self.s).webhooks.values()), first, after)

    def inventoryItems(
        self,
        _info: GraphQLResolveInfo,
        first: int | None = None,
        after: str | None = None,
        query: str | None = None,
        **_: Any,
    ) -> Obj:
        # The older resolver took a SKU query and no cursor; this one pages every item.
        wanted = (query or "").strip()
        items = [
            self.s.item_view(i)
            for i in self.s.items.values()
            if not wanted or wanted in (f"sku:'{i['sku']}'", f"sku:{i['sku']}")
        ]
        return _page(items, first, after)

    def order(self, _info: GraphQLResolveInfo, id: str) -> Obj | None:
        order = self.s.orders.get(id)
        if order is None:
            return None
        mine = [r for r in live(self.s).returns.values() if r["orderId"] == id]

        def returns(
            _info: GraphQLResolveInfo, first: int | None = None, after: str | None = None, **_: Any
        ) -> Obj:
            views = [
                {
                    "id": r["id"],
                    "name": r["name"],
                    "status": r["status"],
                    "reverseFulfillmentOrders": {
                        "nodes": [
                            {"id": f, "status": live(self.s).reverse_orders[f]["status"]}
                            for f in r["reverseFulfillmentOrders"]
                        ]
                    },
                }
                for r in mine
            ]
            return _page(views, first, after)

        return {"id": id, "name": order["name"], "returns": returns}

    def reverseFulfillmentOrder(self, _info: GraphQLResolveInfo, id: str) -> Obj | None:
        rfo = live(self.s).reverse_orders.get(id)
        return _rfo_view(self.s, rfo) if rfo else None


class LiveMutations:
    s: SimState

    def fulfillmentServiceUpdate(
        self,
        _info: GraphQLResolveInfo,
        id: str,
        name: str | None = None,
        callbackUrl: str | None = None,
        **options: Any,
    ) -> Obj:
        service = self.s.services.get(id)
        if service is None:
            # An uninstalled app's fulfillment service is deleted with it (see uninstall below).
            return {
                "fulfillmentService": None,
                "userErrors": [_error("Fulfillment service could not be found.", ["id"])],
            }
        if name is not None and any(
            s["serviceName"] == name and s["id"] != id for s in self.s.services.values()
        ):
            return {
                "fulfillmentService": None,
                "userErrors": [_error("Name has already been taken", ["name"])],
            }
        if name is not None:
            service["serviceName"] = name
        if callbackUrl is not None:
            service["callbackUrl"] = callbackUrl
        for option in ("trackingSupport", "inventoryManagement"):
            if options.get(option) is not None:
                service[option] = bool(options[option])
        return {"fulfillmentService": _service_view(service), "userErrors": []}

    def webhookSubscriptionCreate(
        self, _info: GraphQLResolveInfo, topic: str, webhookSubscription: Obj
    ) -> Obj:
        uri = str(webhookSubscription.get("uri") or webhookSubscription.get("callbackUrl") or "")
        # WebhookSubscriptionInput.uri: "Supports an HTTPS URL, a Google Pub/Sub URI
        # (pubsub://{project-id}:{topic-id}) or an Amazon EventBridge event source ARN."
        # Loopback http is let through as the stand-in for the HTTPS tunnel a rehearsal uses.
        loopback = uri.startswith(("http://127.0.0.1", "http://localhost"))
        if not (uri.startswith(("https://", "pubsub://", "arn:aws:events:")) or loopback):
            return {
                "webhookSubscription": None,
                "userErrors": [_error("Address protocol http:// is not supported", ["uri"])],
            }
        hooks = live(self.s).webhooks
        if any(h["topic"] == topic and h["uri"] == uri for h in hooks.values()):
            # WebhookSubscriptionCreateUserErrorCode TAKEN: "Address for this topic has already
            # been taken." (shopify.dev/docs/api/admin-graphql/latest/enums/...CreateUserErrorCode)
            return {
                "webhookSubscription": None,
                "userErrors": [_error("Address for this topic has already been taken", ["uri"])],
            }
        hook_id = gid("WebhookSubscription", self.s.next_id())
        hooks[hook_id] = {
            "id": hook_id,
            "topic": topic,
            "uri": uri,
            "format": webhookSubscription.get("format") or "JSON",
            "createdAt": now_iso(),
            "updatedAt": now_iso(),
        }
        return {"webhookSubscription": dict(hooks[hook_id]), "userErrors": []}

    def inventorySetQuantities(self, info: GraphQLResolveInfo, input: Obj) -> Obj:
        _too_many("input.quantities", list(input.get("quantities") or []))
        return S.MutationRoot.inventorySetQuantities(self, info, input)  # type: ignore[arg-type]

    def reverseFulfillmentOrderDispose(
        self, _info: GraphQLResolveInfo, dispositionInputs: list[Obj]
    ) -> Obj:
        _too_many("dispositionInputs", dispositionInputs)
        rfos = live(self.s).reverse_orders
        plan: list[tuple[Obj, Obj, Obj]] = []
        for n, d in enumerate(dispositionInputs):
            where = ["dispositionInputs", str(n)]
            found = next(
                (
                    (rfo, line)
                    for rfo in rfos.values()
                    for line in rfo["lineItems"]
                    if line["id"] == d["reverseFulfillmentOrderLineItemId"]
                ),
                None,
            )
            if found is None:
                return _return_error(
                    "Reverse fulfillment order line item not found.", where, "NOT_FOUND"
                )
            rfo, line = found
            if rfo["status"] != "OPEN":
                return _return_error(
                    f"Reverse fulfillment order {rfo['id']} is {rfo['status']}.",
                    where,
                    "INVALID_STATE",
                )
            open_quantity = line["totalQuantity"] - sum(x["quantity"] for x in line["dispositions"])
            if d["quantity"] < 1 or d["quantity"] > open_quantity:
                return _return_error(
                    f"Quantity {d['quantity']} is not between 1 and the {open_quantity} left to dispose.",
                    [*where, "quantity"],
                    "INVALID",
                )
            # ReverseFulfillmentOrderDisposeInput.locationId: "This is required when the
            # disposition type is RESTOCKED."
            if d["dispositionType"] == "RESTOCKED" and not d.get("locationId"):
                return _return_error(
                    "Location is required when the disposition type is RESTOCKED.",
                    [*where, "locationId"],
                    "BLANK",
                )
            if d.get("locationId") and d["locationId"] not in self.s.locations:
                return _return_error("Location not found.", [*where, "locationId"], "NOT_FOUND")
            plan.append((rfo, line, d))
        for rfo, line, d in plan:
            location = self.s.locations.get(d.get("locationId") or "")
            line["dispositions"].append(
                {
                    "id": gid("ReverseFulfillmentOrderDisposition", self.s.next_id()),
                    "quantity": d["quantity"],
                    "type": d["dispositionType"],
                    "createdAt": now_iso(),
                    "location": location,
                }
            )
            if d["dispositionType"] == "RESTOCKED":
                # RESTOCKED: "An item that was restocked." — at that location, so its available
                # quantity grows (ReverseFulfillmentOrderDispositionType).
                item = self.s.item_by_sku(line["fulfillmentLineItem"]["lineItem"]["sku"])
                level = (item["id"], d["locationId"])
                if level in self.s.levels:
                    self.s.levels[level] += d["quantity"]
            self.s.effects.setdefault("disposed", {}).setdefault(line["id"], []).append(
                {"quantity": d["quantity"], "type": d["dispositionType"]}
            )
            if all(
                x["totalQuantity"] == sum(y["quantity"] for y in x["dispositions"])
                for x in rfo["lineItems"]
            ):
                rfo["status"] = "CLOSED"
        return {
            "reverseFulfillmentOrderLineItems": [dict(line) for _rfo, line, _d in plan],
            "userErrors": [],
        }


def _return_error(message: str, where: list[str], code: str) -> Obj:
    return {"reverseFulfillmentOrderLineItems": None, "userErrors": [_error(message, where, code)]}


class QueryRoot(LiveQueries, S.QueryRoot):  # type: ignore[misc]  # paged inventoryItems
    pass


class MutationRoot(LiveMutations, S.MutationRoot):
    pass


# --- /_sim controls ---------------------------------------------------------------------------


def control(sim: Any, method: str, parts: list[str], body: Any) -> tuple[int, Any] | None:
    """This module's controls, or None when the path is not one of them."""
    s: SimState = sim.state
    if method == "GET" and parts == ["golive"]:
        with s.lock:
            mine = live(s)
            return 200, {
                "webhooks": list(mine.webhooks.values()),
                "returns": mine.returns,
                "reverse_orders": mine.reverse_orders,
                "uninstalls": mine.uninstalls,
                "locations": list(s.locations),
            }
    if method == "POST" and parts == ["uninstall"]:
        return _uninstall(sim, body)
    if method == "POST" and parts == ["returns"]:
        with s.lock:
            return _create_return(s, body)
    return None


def _uninstall(sim: Any, body: Obj) -> tuple[int, Any]:
    """The merchant uninstalls the app. Shopify "automatically performs cleanup tasks, such as
    deleting objects and admin links associated with the app" (appUninstall,
    https://shopify.dev/docs/api/admin-graphql/latest/mutations/appUninstall): the fulfillment
    service the app created goes, with its location; the app's webhook subscriptions are deleted
    ("on reinstall … you'd create a new webhook because the subscription will be deleted",
    Shopify staff, community.shopify.com). A reinstall issues a new access token."""
    status = (
        sim.webhook("app/uninstalled", {"domain": sim.state.shop_domain})
        if body.get("webhook", True)
        else 0
    )
    s: SimState = sim.state
    with s.lock:
        gone = {x["location"]["id"] for x in s.services.values() if x.get("location")}
        s.services.clear()
        for location in gone:
            s.locations.pop(location, None)
        for level in [k for k in s.levels if k[1] in gone]:
            del s.levels[level]
        mine = live(s)
        mine.webhooks.clear()
        mine.uninstalls += 1
    if body.get("access_token"):
        sim.access_token = str(body["access_token"])
    return 200, {"removed_locations": sorted(gone), "webhook": status}


def _create_return(s: SimState, body: Obj) -> tuple[int, Any]:
    """returnCreate for fulfilled units: "Use the returnableFulfillments query to find which
    fulfillment line items can be returned" — only what was fulfilled can come back. The return's
    reverse fulfillment order sits at the location that fulfilled it ("one or more items in a
    return that will be processed at a fulfillment service")."""
    order_id = str(body["order_id"])
    if order_id not in s.orders:
        return 404, {"error": f"no order {order_id}"}
    fulfilled: dict[str, tuple[int, Obj]] = {}
    location = None
    for fo in s.fulfillment_orders.values():
        if fo["orderId"] != order_id:
            continue
        location = fo["location"]
        for fid in fo["fulfillments"]:
            for line_id, n in s.fulfillments[fid]["lines"].items():
                line = next(x for x in fo["lineItems"] if x["id"] == line_id)
                before, _ = fulfilled.get(line["sku"], (0, line))
                fulfilled[line["sku"]] = (before + n, line)
    mine = live(s)
    rfo_lines = []
    for wanted in body["lines"]:
        sku, quantity = str(wanted["sku"]), int(wanted["quantity"])
        already = sum(
            x["totalQuantity"]
            for r in mine.reverse_orders.values()
            if r["orderId"] == order_id
            for x in r["lineItems"]
            if x["fulfillmentLineItem"]["lineItem"]["sku"] == sku
        )
        if fulfilled.get(sku, (0, None))[0] - already < quantity:
            return 422, {
                "error": f"{quantity} × {sku} were not fulfilled (or are returned already)"
            }
        rfo_lines.append(
            {
                "id": gid("ReverseFulfillmentOrderLineItem", s.next_id()),
                "totalQuantity": quantity,
                "fulfillmentLineItem": {
                    "id": gid("FulfillmentLineItem", s.next_id()),
                    "lineItem": {"id": gid("LineItem", s.next_id()), "sku": sku},
                },
                "dispositions": [],
            }
        )
    return_id = gid("Return", s.next_id())
    rfo_id = gid("ReverseFulfillmentOrder", s.next_id())
    mine.reverse_orders[rfo_id] = {
        "id": rfo_id,
        "orderId": order_id,
        "status": "OPEN",
        "location": location,
        "lineItems": rfo_lines,
    }
    mine.returns[return_id] = {
        "id": return_id,
        "orderId": order_id,
        "name": f"{s.orders[order_id]['name']}-R{len(mine.returns) + 1}",
        "status": "OPEN",
        "reverseFulfillmentOrders": [rfo_id],
    }
    return 201, {
        "return_id": return_id,
        "reverse_fulfillment_order_id": rfo_id,
        "line_item_ids": [x["id"] for x in rfo_lines],
    }
