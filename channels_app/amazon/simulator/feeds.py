"""Simulated Feeds API 2021-06-30 with the JSON_LISTINGS_FEED rules Amazon documents.

Rules, each from Amazon's documents (spec/models/feeds_2021-06-30.json, spec/schemas/):
- createFeedDocument answers a presigned URL; the seller uploads the document there, then names
  it in createFeed (feeds model, "createFeedDocument": "Creates a feed document for the feed type
  that you specify. This operation returns a presigned URL for uploading the feed document
  contents."). A document never uploaded cannot be processed: the feed ends FATAL.
- The document must match the JSON_LISTINGS_FEED schema (listings-feed-schema-v2.json): a header
  with sellerId and version "2.0", 1 to 25,000 messages. A document that does not is aborted:
  processingStatus FATAL ("The feed was aborted due to a fatal error", feeds model, Feed
  processingStatus), and its report carries the issue without a messageId ("Not provided if the
  error is not related to a message (e.g. feed formatting issue)", processing report schema).
- Each message is judged on its own (listings-feed-message-schema-v2.json): an invalid message,
  a repeated messageId ("unique within this feed submission") or a SKU the seller has no listing
  for is an ERROR issue with its messageId and sku; the other messages are still applied.
- A feed moves IN_QUEUE → IN_PROGRESS → DONE; here each getFeed moves it one step, so a test
  needs no clock.
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from channels_app.amazon.simulator import state
from channels_app.amazon.simulator.state import Result, SimState, errors, handles, iso
from channels_app.amazon.wire import Operation

SCHEMAS = Path(__file__).resolve().parent.parent / "spec" / "schemas"

# Codes for our report issues. Amazon's schema says only "An optional error code that maps to
# documentation"; 4000001 is the unknown-SKU code the Listings Items API answers (state.py).
INVALID_MESSAGE = "4000004"
DUPLICATE_MESSAGE = "4000005"
FEED_FORMAT = "5000001"


@cache
def _validator(name: str) -> Draft7Validator:
    return Draft7Validator(json.loads((SCHEMAS / name).read_text()))


def _first_error(validator: Draft7Validator, instance: Any) -> str | None:
    found = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if not found:
        return None
    e = found[0]
    where = "/".join(str(p) for p in e.absolute_path) or "(root)"
    return f"{where}: {e.message}"


@handles("createFeedDocument")
def create_feed_document(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    doc_id = f"amzn1.tortuga.4.na.{uuid.uuid4().hex}"
    s.documents[doc_id] = b""
    return 201, {"feedDocumentId": doc_id, "url": f"{s.base_url}/_docs/{doc_id}"}


@handles("createFeed")
def create_feed(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    if body["inputFeedDocumentId"] not in s.documents:
        return 400, errors("InvalidInput", "Unknown inputFeedDocumentId.")
    if body["feedType"] != "JSON_LISTINGS_FEED":
        return 400, errors("InvalidInput", f"The simulator does not process {body['feedType']}.")
    feed_id = str(50000 + len(s.feeds))
    s.feeds[feed_id] = {
        "feedId": feed_id,
        "feedType": body["feedType"],
        "marketplaceIds": body["marketplaceIds"],
        "createdTime": iso(s.tick()),
        "processingStatus": "IN_QUEUE",
        "document": body["inputFeedDocumentId"],
        "key": key,
    }
    return 202, {"feedId": feed_id}


def _issue(code: str, message: str, **where: Any) -> dict[str, Any]:
    return {**where, "code": code, "severity": "ERROR", "message": message}


def _fatal(s: SimState, feed: dict[str, Any], message: str) -> dict[str, Any]:
    return {
        "header": {"sellerId": s.seller_id, "version": "2.0", "feedId": feed["feedId"]},
        "issues": [_issue(FEED_FORMAT, message)],
        "summary": {
            "errors": 1,
            "warnings": 0,
            "messagesProcessed": 0,
            "messagesAccepted": 0,
            "messagesInvalid": 0,
        },
    }


def _envelope_problem(s: SimState, document: Any) -> str | None:
    """What makes the whole document unprocessable (not one message's fault), if anything."""
    if not isinstance(document, dict):
        return "The feed document is not a JSON object."
    validator = _validator("listings-feed-schema-v2.json")
    # An error inside one message (path messages/<n>/...) is that message's issue, judged below.
    found = [
        e
        for e in validator.iter_errors(document)
        if not (len(e.absolute_path) >= 2 and e.absolute_path[0] == "messages")
    ]
    if found:
        e = sorted(found, key=lambda e: [str(p) for p in e.absolute_path])[0]
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        return (
            f"The feed document does not match the JSON_LISTINGS_FEED schema: {where}: {e.message}"
        )
    if document["header"]["sellerId"] != s.seller_id:
        return f"header/sellerId {document['header']['sellerId']!r} is not this seller."
    return None


def process(s: SimState, feed: dict[str, Any]) -> str:
    """Apply a feed's messages; store its processing report; answer DONE or FATAL."""
    raw = s.documents.get(feed["document"], b"")
    try:
        document = json.loads(raw) if raw else None
    except ValueError:
        document = None
    if not raw:
        problem: str | None = "No feed document was uploaded to the URL createFeedDocument gave."
    elif document is None:
        problem = "The feed document is not valid JSON."
    else:
        problem = _envelope_problem(s, document)
    if problem or document is None:
        _store_report(s, feed, _fatal(s, feed, problem or "No feed document."))
        return "FATAL"
    messages = document["messages"]
    issues: list[dict[str, Any]] = []
    seen: set[int] = set()
    accepted = 0
    for n, message in enumerate(messages):
        where = {
            k: message[k]
            for k in ("messageId", "sku")
            if isinstance(message, dict) and k in message
        }
        invalid = _first_error(_validator("listings-feed-message-schema-v2.json"), message)
        if invalid:
            issues.append(_issue(INVALID_MESSAGE, f"Message is not valid: {invalid}", **where))
            continue
        if message["messageId"] in seen:
            issues.append(
                _issue(DUPLICATE_MESSAGE, "messageId is not unique in this feed.", **where)
            )
            continue
        seen.add(message["messageId"])
        sku = message["sku"]
        if sku not in s.listings:
            issues.append(_issue(**_unknown_issue(sku), **where))
            continue
        quantity = state._availability_value(message.get("patches", []))
        if quantity is None:
            entries = message.get("attributes", {}).get("fulfillment_availability", [])
            quantity = next((int(e["quantity"]) for e in entries), None)
        if quantity is not None:
            part = f"{feed['key']}#{n}" if feed["key"] else None
            state._apply_availability(s, sku, quantity, part)  # (bench/ wraps it)
        accepted += 1
    _store_report(
        s,
        feed,
        {
            "header": {"sellerId": s.seller_id, "version": "2.0", "feedId": feed["feedId"]},
            "issues": issues,
            "summary": {
                "errors": len(issues),
                "warnings": 0,
                "messagesProcessed": len(messages),
                "messagesAccepted": accepted,
                "messagesInvalid": len(messages) - accepted,
            },
        },
    )
    s.effects["feeds_processed"] += 1
    return "DONE"


def _unknown_issue(sku: str) -> dict[str, Any]:
    issue = state._unknown_sku_issue(sku)
    return {"code": issue["code"], "message": issue["message"]}


def _store_report(s: SimState, feed: dict[str, Any], report: dict[str, Any]) -> None:
    result_id = f"amzn1.tortuga.4.na.{uuid.uuid4().hex}"
    s.documents[result_id] = json.dumps(report).encode()
    feed["resultFeedDocumentId"] = result_id


@handles("getFeed")
def get_feed(s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None) -> Result:
    feed = s.feeds.get(op.path_params["feedId"])
    if feed is None:
        return 404, errors("NotFound", "Feed not found.")
    if feed["processingStatus"] == "IN_QUEUE":
        feed["processingStatus"] = "IN_PROGRESS"
        feed["processingStartTime"] = iso(s.tick())
    elif feed["processingStatus"] == "IN_PROGRESS":
        feed["processingStatus"] = process(s, feed)
        feed["processingEndTime"] = iso(s.tick())
    return 200, {k: v for k, v in feed.items() if k not in ("document", "key")}


@handles("getFeedDocument")
def get_feed_document(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    doc_id = op.path_params["feedDocumentId"]
    if doc_id not in s.documents:
        return 404, errors("NotFound", "Document not found.")
    return 200, {"feedDocumentId": doc_id, "url": f"{s.base_url}/_docs/{doc_id}"}
