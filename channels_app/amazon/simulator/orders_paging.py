"""getOrders as Amazon pages it: page sizes, a window fixed by the first page, NextTokens that expire.

- "MaxResultsPerPage: A number that indicates the maximum number of orders that can be returned per
  page. Value must be 1 - 100. Default 100." (ordersV0.json, getOrders parameters). Outside 1–100
  is a 400 InvalidInput, as any invalid parameter.
- "NextToken doesn't affect any filters that you include in your request; it only impacts the
  pagination for the filtered orders response." (ordersV0.json, getOrders description): the pages
  of one NextToken chain cover the window of the first request. The window ends at the first page's
  ``LastUpdatedBefore`` ("Use this date to select orders that were last updated before (or at) a
  specified time", OrdersList): an order changed while a caller pages falls outside this chain and
  is found by the next poll from the caller's cursor, never by shifting a page under the caller.
- NextToken lifetime: ordersV0 states none; the successor model says of its page token "The token
  will expire after 24 hours." (orders_2026-01-01.json, Pagination). We use 24 h by default,
  stricter from /_sim/config ``next_token_ttl`` (simulated seconds, see usage.SimClock).
- An expired or unusable token is refused 400 InvalidInput with the sentence Amazon answers for a
  NextToken it cannot use: "We could not decode your NextToken. Possible reasons include: a
  transmission error, improper quoting or a truncation problem."
  (https://github.com/amzn/selling-partner-api-models/issues/2382)
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from channels_app.amazon.simulator.state import Result, SimState, errors, handles, iso, parse_iso
from channels_app.amazon.wire import Operation

MAX_PAGE = 100
UNDECODABLE_NEXT_PAGE = (
    "We could not decode your NextToken. Possible reasons include: a transmission error, "
    "improper quoting or a truncation problem."
)


def _encode(cursor: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode()


def _decode(token: str) -> dict[str, Any] | None:
    try:
        cursor = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error):
        return None
    return cursor if isinstance(cursor, dict) and "issued" in cursor else None


def _invalid(message: str) -> Result:
    return 400, {"errors": [{"code": "InvalidInput", "message": message, "details": ""}]}


@handles("getOrders")
def get_orders(s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None) -> Result:
    now = s.sim_clock.now()
    if "NextToken" in q:
        cursor = _decode(q["NextToken"])
        if cursor is None or now - float(cursor["issued"]) > s.next_token_ttl:
            s.calls["getOrders:unusable_token"] += 1
            return _invalid(UNDECODABLE_NEXT_PAGE)
    else:
        if "LastUpdatedAfter" not in q and "CreatedAfter" not in q:
            return errors_400("Either CreatedAfter or LastUpdatedAfter is required.")
        try:
            size = int(q.get("MaxResultsPerPage", MAX_PAGE))
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_PAGE:
            return _invalid("MaxResultsPerPage must be between 1 and 100.")
        cursor = {
            "after": q.get("LastUpdatedAfter", ""),
            "created": q.get("CreatedAfter", ""),
            "statuses": q.get("OrderStatuses", ""),
            "size": size,
            "before": iso(s.clock),
            "last": None,
        }
    before = parse_iso(cursor["before"])
    rows = [o for o in s.orders.values() if parse_iso(o["LastUpdateDate"]) <= before]
    if cursor["after"]:
        after = parse_iso(cursor["after"])
        rows = [o for o in rows if parse_iso(o["LastUpdateDate"]) > after]
    if cursor["created"]:
        created = parse_iso(cursor["created"])
        rows = [o for o in rows if parse_iso(o["PurchaseDate"]) > created]
    if cursor["statuses"]:
        rows = [o for o in rows if o["OrderStatus"] in cursor["statuses"].split(",")]
    rows.sort(key=lambda o: (o["LastUpdateDate"], o["AmazonOrderId"]))
    if cursor["last"]:
        last = tuple(cursor["last"])
        rows = [o for o in rows if (o["LastUpdateDate"], o["AmazonOrderId"]) > last]
    # orders_page_size is a test knob below Amazon's maximum (small pages with few orders).
    size = min(int(cursor["size"]), s.orders_page_size)
    page = rows[:size]
    payload: dict[str, Any] = {"Orders": page, "LastUpdatedBefore": cursor["before"]}
    if len(rows) > size:
        tail = page[-1]
        payload["NextToken"] = _encode(
            cursor | {"last": [tail["LastUpdateDate"], tail["AmazonOrderId"]], "issued": now}
        )
    return 200, {"payload": payload}


def errors_400(message: str) -> Result:
    return 400, errors("InvalidInput", message)
