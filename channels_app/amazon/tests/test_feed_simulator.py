"""The simulator judges a JSON_LISTINGS_FEED by Amazon's schemas, not by what our adapter sends:
a bad envelope aborts the feed (FATAL), a bad message is an ERROR naming its SKU and the rest is
applied. Documents are uploaded raw here (no client-side validation) so bad ones reach it."""

from __future__ import annotations

import json
from typing import Any

import httpx

from channels_app.amazon.client import client_for
from channels_app.amazon.models import AmazonIntegration
from channels_app.amazon.tests.conftest import SimControl


def feed(sim: SimControl, integration: AmazonIntegration, document: Any) -> tuple[str, Any]:
    """Upload `document` as it is, create the feed, let Amazon process it; (status, report)."""
    with client_for(integration) as api:  # AMAZON_VALIDATE_WIRE off: nothing checks on our side
        created = api.call(
            "POST",
            "/feeds/2021-06-30/documents",
            operation="createFeedDocument",
            body={"contentType": "application/json; charset=UTF-8"},
        ).body
        raw = document if isinstance(document, bytes) else json.dumps(document).encode()
        httpx.put(created["url"], content=raw)
        feed_id = api.call(
            "POST",
            "/feeds/2021-06-30/feeds",
            operation="createFeed",
            body={
                "feedType": "JSON_LISTINGS_FEED",
                "marketplaceIds": ["ATVPDKIKX0DER"],
                "inputFeedDocumentId": created["feedDocumentId"],
            },
        ).body["feedId"]
        for _ in range(2):
            done = api.call("GET", f"/feeds/2021-06-30/feeds/{feed_id}", operation="getFeed").body
        report_doc = done["resultFeedDocumentId"]
    report = httpx.get(f"{sim.url}/_docs/{report_doc}").json()
    return done["processingStatus"], report


def message(n: int, sku: str, quantity: int) -> dict[str, Any]:
    return {
        "messageId": n,
        "sku": sku,
        "operationType": "PATCH",
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
            }
        ],
    }


HEADER = {"sellerId": "A3SIMSELLER01", "version": "2.0"}


def test_a_document_outside_the_feed_schema_is_aborted_fatal(
    sim: SimControl, integration: AmazonIntegration, settings: Any
) -> None:
    settings.AMAZON_VALIDATE_WIRE = False
    sim.listings(**{"NWO-TENT": 1})

    status, report = feed(
        sim,
        integration,
        {"header": {**HEADER, "version": "1.0"}, "messages": [message(1, "NWO-TENT", 5)]},
    )

    assert status == "FATAL"
    [issue] = report["issues"]
    assert "messageId" not in issue and "header/version" in issue["message"]
    assert sim.state()["effects"]["availability"] == {}  # nothing applied


def test_an_upload_that_is_not_json_or_never_came_is_fatal(
    sim: SimControl, integration: AmazonIntegration, settings: Any
) -> None:
    settings.AMAZON_VALIDATE_WIRE = False
    assert feed(sim, integration, b"<xml/>")[0] == "FATAL"
    status, report = feed(sim, integration, b"")
    assert status == "FATAL" and "No feed document was uploaded" in report["issues"][0]["message"]


def test_bad_messages_are_errors_with_their_sku_and_the_rest_is_applied(
    sim: SimControl, integration: AmazonIntegration, settings: Any
) -> None:
    settings.AMAZON_VALIDATE_WIRE = False
    sim.listings(**{"NWO-TENT": 1, "NWO-MUG": 1, "NWO-LAMP": 1})
    bad_op = message(3, "NWO-LAMP", 2) | {"operationType": "REPLACE"}

    status, report = feed(
        sim,
        integration,
        {
            "header": HEADER,
            "messages": [
                message(1, "NWO-TENT", 7),
                message(1, "NWO-MUG", 3),  # messageId 1 again
                bad_op,
                message(4, "NWO-GHOST", 1),  # no such listing
            ],
        },
    )

    assert status == "DONE"
    issues = {(i["messageId"], i["sku"]): i["code"] for i in report["issues"]}
    assert issues == {
        (1, "NWO-MUG"): "4000005",
        (3, "NWO-LAMP"): "4000004",
        (4, "NWO-GHOST"): "4000001",
    }
    assert report["summary"]["messagesAccepted"] == 1
    assert sim.state()["effects"]["availability"] == {"NWO-TENT": 7}
