"""The Shopify Admin GraphQL simulator: Shopify's routes, auth and behaviour on the shared
simulator base (``channels_app.simulation``: server, faults, /_sim controls, counters).

    POST /admin/api/2026-04/graphql.json   X-Shopify-Access-Token; the document is parsed and
                                           validated against the pinned schema with the 2026-04
                                           rules (wire.check; refused the way Shopify refuses:
                                           HTTP 200 with ``errors``), then executed by the
                                           resolvers in state.py. Every answer carries
                                           ``extensions.cost`` with the store's bucket; an empty
                                           bucket answers THROTTLED.
    /_sim/…                                test controls: the base's (state, faults, release)
                                           and Shopify's (``Simulator.sim_control``)

It also plays Shopify's side of the fulfillment service: fulfillment-order notifications to the
registered callbackUrl and webhooks to the configured URL, each signed with
X-Shopify-Hmac-Sha256. Start with ``python manage.py shopify_simulator --port 8766`` or, in tests,
``Simulator().start()`` on an ephemeral port.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
from graphql import DocumentNode, OperationDefinitionNode, OperationType, execute_sync

from channels_app import simulation
from channels_app.shopify import signing, wire
from channels_app.shopify.simulator import cost as C
from channels_app.shopify.simulator import golive
from channels_app.shopify.simulator.golive import MutationRoot, QueryRoot
from channels_app.shopify.simulator.state import SimState
from channels_app.simulation import Fault, Reply, Request, Route

GRAPHQL_PATH = f"/admin/api/{wire.API_VERSION}/graphql.json"


# Beyond the base's faults: "THROTTLED" (answer as an empty bucket would), "bump_after" (answer,
# then +1 on every level behind the adapter's back).
FAULT_KINDS = simulation.FAULT_KINDS | {"THROTTLED", "bump_after"}


class Simulator(simulation.Simulator):
    fault_kinds = FAULT_KINDS
    name = "Shopify Admin"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        access_token: str = "shpat_sim_access_token",  # noqa: S107 - opens only the simulator
        webhook_secret: str = "sim-webhook-secret",  # noqa: S107
        shop_domain: str = "touchline-sim.myshopify.com",
        webhook_url: str = "",
        plan: str = "standard",
    ) -> None:
        super().__init__(host=host, port=port)
        self.access_token = access_token
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.bucket = C.Bucket.for_plan(plan)
        self.state = SimState(shop_domain=shop_domain)
        # One lock and one call counter: the state's, which its resolvers and snapshot use.
        self.lock = self.state.lock
        self.calls = self.state.calls

    # --- Shopify's calls to the app -----------------------------------------------------------

    def _post_signed(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> int:
        raw = json.dumps(body).encode()
        signed = {
            "content-type": "application/json",
            signing.HEADER: signing.sign(self.webhook_secret, raw),
            "X-Shopify-Shop-Domain": self.state.shop_domain,
            "X-Shopify-API-Version": wire.API_VERSION,
            **headers,
        }
        try:
            response = httpx.post(url, content=raw, headers=signed, timeout=60)
        except httpx.HTTPError as exc:
            status = 0
            detail = str(exc)
        else:
            status = response.status_code
            detail = response.text[:500]
        with self.state.lock:
            self.state.sent.append(
                {"url": url, "body": body, "status": status, "answer": detail, **headers}
            )
        return status

    def notify(self, kind: str) -> int:
        """A fulfillment-order notification to every registered service's callback URL."""
        with self.state.lock:
            urls = [s["callbackUrl"] for s in self.state.services.values() if s.get("callbackUrl")]
        statuses = [
            self._post_signed(
                f"{url.rstrip('/')}/fulfillment_order_notification", {"kind": kind}, {}
            )
            for url in urls
        ]
        return statuses[0] if statuses else 0

    def webhook(self, topic: str, payload: dict[str, Any], webhook_id: str | None = None) -> int:
        if not self.webhook_url:
            return 0
        return self._post_signed(
            self.webhook_url,
            payload,
            {
                "X-Shopify-Topic": topic,
                "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
                "X-Shopify-Triggered-At": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
        )

    # --- test controls -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {**self.state.snapshot(), "bucket": self.bucket.status()}

    def control(self, request: Request, parts: list[str]) -> Reply | None:
        # Not under the lock: a notification calls our server, which calls this simulator back.
        return Reply(*self.sim_control(request.method, request.path, request.json() or {}))

    def sim_control(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        s = self.state
        parts = path.strip("/").split("/")[1:]  # after "_sim"
        if method != "POST":
            return golive.control(self, method, parts, body) or (
                404,
                {"error": f"no control {method} {path}"},
            )
        if parts == ["products"]:
            with s.lock:
                return 200, s.add_products(body)
        if parts == ["inventory"]:
            with s.lock:
                for sku, quantity in body.items():
                    s.set_available(sku, int(quantity))
            return 200, {}
        if parts == ["orders"]:
            with s.lock:
                created = s.create_order(body)
            if body.get("webhook", True):
                created["webhook"] = self.webhook(
                    "orders/create",
                    {
                        "id": int(created["order_id"].rsplit("/", 1)[-1]),
                        "admin_graphql_api_id": created["order_id"],
                        "name": created["name"],
                    },
                )
            if body.get("notify", True):
                created["notification"] = self.notify("FULFILLMENT_REQUEST")
            return 201, created
        if (
            len(parts) == 3
            and parts[0] == "fulfillment_orders"
            and parts[2] == "cancellation_request"
        ):
            fo_id = f"gid://shopify/FulfillmentOrder/{parts[1]}"
            with s.lock:
                if fo_id not in s.fulfillment_orders:
                    return 404, {"error": f"no fulfillment order {fo_id}"}
                view = s.request_cancellation(fo_id)
            if body.get("notify", True):
                view["notification"] = self.notify("CANCELLATION_REQUEST")
            return 200, view
        if parts == ["notify"]:
            return 200, {"status": self.notify(str(body.get("kind", "FULFILLMENT_REQUEST")))}
        if parts == ["webhooks"]:
            status = self.webhook(str(body["topic"]), body.get("payload") or {}, body.get("id"))
            return 200, {"status": status}
        if parts == ["throttle"]:
            with s.lock:
                if "plan" in body:
                    self.bucket = C.Bucket.for_plan(str(body["plan"]))
                self.bucket.refill()
                self.bucket.maximum = float(body.get("maximumAvailable", self.bucket.maximum))
                self.bucket.restore_rate = float(body.get("restoreRate", self.bucket.restore_rate))
                self.bucket.available = float(body.get("currentlyAvailable", self.bucket.available))
            return 200, self.bucket.status()
        if parts == ["config"]:
            for name in ("webhook_url", "webhook_secret", "access_token"):
                if name in body:
                    setattr(self, name, str(body[name]))
            return 200, {}
        answered = golive.control(self, method, parts, body)  # go-live, uninstall, returns
        if answered is not None:
            return answered
        return 404, {"error": f"no control {method} {path}"}

    # --- the GraphQL endpoint ------------------------------------------------------------------

    def reply_headers(self) -> dict[str, str]:
        return {"X-Request-Id": uuid.uuid4().hex}

    def route(self, request: Request) -> Route | Reply:
        if request.path == GRAPHQL_PATH and request.method == "POST":
            return self.graphql(request.raw, request.headers.get("X-Shopify-Access-Token"))
        if request.path.startswith("/admin/api/") and request.path.endswith("/graphql.json"):
            return Reply(404, {"errors": f"API version not served here; use {wire.API_VERSION}."})
        return Reply(404, {"errors": "Not Found"})

    def graphql(self, raw: bytes, token: str | None) -> Route | Reply:
        """One request: refused, or the route that executes it (throttling and execution)."""
        # Shopify's checks in the order it documents them (auth, cost, validation, throttling,
        # execution), so each refusal is the one Shopify would give first.
        if token != self.access_token:
            return Reply(
                401,
                {
                    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
                },
            )
        try:
            body = json.loads(raw)
            query, variables = body["query"], body.get("variables") or {}
            operation_name = body.get("operationName")
            document, operation = wire.check(query, variables, operation_name)
        except (ValueError, KeyError, TypeError):
            return Reply(400, {"errors": [{"message": "Body must be JSON with a query."}]})
        except wire.WireViolation as exc:
            return Reply(
                200, {"errors": [{"message": str(exc), "extensions": {"code": "BAD_REQUEST"}}]}
            )
        names = [f.name.value for f in wire.root_fields(operation)]

        def run(fault: Fault | None) -> Reply:
            return self.execute(document, operation, variables, operation_name, names, fault)

        return Route(
            names[0] if names else operation_name or "graphql",
            run,
            names=(*names, operation_name or ""),
            counted=tuple(names),
            locked=False,
        )

    def fault_reply(self, status: int, route: Route) -> Reply:
        if status == 429:
            return Reply(
                429,
                {"errors": "Exceeded the rate limit for api client. Reduce request rates."},
                {"Retry-After": "1.0"},
            )
        return Reply(
            status,
            {
                "errors": [
                    {
                        "message": "Internal error. Looks like something went wrong on our end.",
                        "extensions": {"code": "INTERNAL_SERVER_ERROR"},
                    }
                ]
            },
        )

    def execute(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
        operation_name: str | None,
        names: list[str],
        fault: Fault | None,
    ) -> Reply:
        is_mutation = operation.operation == OperationType.MUTATION
        requested, unsized = C.requested_cost(wire.schema(), document, operation, variables)
        refusal: dict[str, Any] | None = None
        with self.state.lock:
            self.bucket.refill()
            if unsized:
                # A connection without first/last, or above 250: refused before costing.
                refusal = C.unsized(unsized, self.bucket, requested)
            elif requested > C.SINGLE_QUERY_LIMIT:
                # "This limit is enforced before query execution begins … based on the requested
                # cost", whatever the bucket holds (call-limit page).
                refusal = C.max_cost_exceeded(requested, self.bucket)
            elif (fault is not None and fault.kind == "THROTTLED") or not self.bucket.take(
                requested
            ):
                # "the app's bucket must have enough room for the requested cost of the query".
                refusal = C.throttled(requested, self.bucket)
            else:
                result = execute_sync(
                    wire.schema(),
                    document,
                    root_value=MutationRoot(self.state) if is_mutation else QueryRoot(self.state),
                    variable_values=variables,
                    operation_name=operation_name,
                )
                answer: dict[str, Any] = {"data": result.data}
                if result.errors:
                    answer["errors"] = [
                        {"message": e.message, "path": e.path} for e in result.errors
                    ]
                actual = C.actual_cost(
                    wire.schema(), document, operation, variables, result.data, requested
                )
                # "once execution is complete, the bucket is refunded the difference between the
                # requested cost and the actual cost of the query" (call-limit page).
                self.bucket.refund(requested - actual)
                answer.update(C.extensions(requested, actual, self.bucket))
                self.state.costs.append([operation_name, requested, actual, None])
            if refusal is not None:
                self.state.costs.append(
                    [operation_name, requested, None, refusal["errors"][0]["message"][:80]]
                )
        if refusal is not None:
            return Reply(200, refusal)
        if fault is not None and fault.kind == "bump_after":
            with self.state.lock:  # answered, then moved behind the adapter's back (+1)
                for level in self.state.levels:
                    self.state.levels[level] += 1
        return Reply(200, answer)
