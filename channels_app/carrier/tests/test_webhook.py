"""Carrier events into the WMS: the webhook's HMAC (valid, invalid, missing, replayed), every event
stored and on the order's timeline, an exception owned by the carrier, and — over real HTTP from
the simulator to a live server — shipped → picked up → in transit → delivered."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client as DjangoClient

from channels_app.carrier.mapping import SIGNATURE_HEADER, sign
from channels_app.carrier.models import CarrierAccount, CarrierLabel, TrackingEvent
from channels_app.carrier.simulator import WEBHOOK_SECRET
from channels_app.carrier.tests.conftest import CarrierControl, Packed, pack_and_close
from tests.conftest import api_as
from tests.factories import Site, ctx
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.orders import fulfilment
from wms.orders.models import Order, OrderEvent, OrderException
from wms.outbox.models import InboundMessage

URL = "/channels/carrier/simcarrier/events/"


def event(tracking: str, kind: str, event_id: str = "evt_1", **more: Any) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "type": kind,
            "tracking_number": tracking,
            "occurred_at": "2026-12-02T15:04:05Z",
            "location": "Reno, NV",
            "description": "",
            **more,
        }
    ).encode()


def post(raw: bytes, signature: str | None) -> Any:
    headers = {} if signature is None else {SIGNATURE_HEADER: signature}
    return DjangoClient().post(URL, data=raw, content_type="application/json", headers=headers)


@pytest.fixture
def labelled(
    carrier_sim: CarrierControl,
    account: CarrierAccount,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> tuple[Packed, CarrierLabel]:
    packed = pack_and_close(site, tent, oscar, sam, external_id="SH-2001")
    return packed, CarrierLabel.objects.get(parcel=packed.parcel)


def ship(packed: Packed, oscar: User) -> None:
    fulfilment.ship_order(ctx(oscar), order=packed.order, carrier="SIMX", tracking={})


def test_a_signed_event_is_stored_and_on_the_timeline(
    labelled: tuple[Packed, CarrierLabel], oscar: User
) -> None:
    packed, label = labelled
    ship(packed, oscar)
    raw = event(label.tracking_number, "picked_up", description="Picked up by driver")

    answer = post(raw, sign(WEBHOOK_SECRET, raw))

    assert answer.status_code == 200 and answer.json() == {"outcome": "applied"}
    stored = TrackingEvent.objects.get(label=label)
    assert (stored.kind, stored.event_id, stored.location) == ("picked_up", "evt_1", "Reno, NV")
    assert stored.shipment == packed.order.shipments.get()
    label.refresh_from_db()
    assert label.first_scan_at == stored.occurred_at
    said = packed.order.events.get(kind="carrier_event")
    assert said.owner == "carrier" and said.reference == label.tracking_number
    assert "Picked up by driver" in said.reason


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, sign("another-secret", b"{}")],
    ids=["missing", "empty", "zeros", "wrong-secret"],
)
def test_a_bad_signature_is_401_and_stores_nothing(
    labelled: tuple[Packed, CarrierLabel], signature: str | None
) -> None:
    packed, label = labelled
    timeline = OrderEvent.objects.filter(order=packed.order).count()
    raw = event(label.tracking_number, "delivered")

    answer = post(raw, signature)

    assert answer.status_code == 401 and answer.json()["error"] == "bad_signature"
    assert SIGNATURE_HEADER in answer.json()["message"]
    assert not TrackingEvent.objects.exists() and not InboundMessage.objects.exists()
    assert OrderEvent.objects.filter(order=packed.order).count() == timeline


def test_a_body_changed_after_signing_is_refused(labelled: tuple[Packed, CarrierLabel]) -> None:
    _packed, label = labelled
    signed = sign(WEBHOOK_SECRET, event(label.tracking_number, "in_transit"))

    answer = post(event(label.tracking_number, "delivered"), signed)

    assert answer.status_code == 401 and not TrackingEvent.objects.exists()


def test_a_replayed_event_is_applied_once(
    labelled: tuple[Packed, CarrierLabel], oscar: User
) -> None:
    packed, label = labelled
    ship(packed, oscar)
    raw = event(label.tracking_number, "exception", description="Address not found")

    first = post(raw, sign(WEBHOOK_SECRET, raw))
    again = post(raw, sign(WEBHOOK_SECRET, raw))

    assert first.json() == {"outcome": "applied"} and again.json() == {"outcome": "duplicate"}
    assert again.status_code == 200  # the carrier stops retrying
    assert TrackingEvent.objects.filter(label=label).count() == 1
    assert packed.order.events.filter(kind="carrier_event").count() == 1
    [problem] = OrderException.objects.filter(order=packed.order)
    assert (problem.kind, problem.owner) == ("carrier_exception", "carrier")
    assert "Address not found" in problem.detail


def test_an_unknown_tracking_number_is_answered_and_stores_nothing(
    labelled: tuple[Packed, CarrierLabel],
) -> None:
    raw = event("SX999999999999", "delivered")

    answer = post(raw, sign(WEBHOOK_SECRET, raw))

    assert answer.json() == {"outcome": "unknown_tracking"}
    assert not TrackingEvent.objects.exists() and not InboundMessage.objects.exists()


def test_an_unreadable_event_is_400(labelled: tuple[Packed, CarrierLabel]) -> None:
    _packed, label = labelled
    raw = event(label.tracking_number, "teleported")

    answer = post(raw, sign(WEBHOOK_SECRET, raw))

    assert answer.status_code == 400 and "teleported" in answer.json()["message"]
    assert not TrackingEvent.objects.exists()


def test_delivered_before_the_wms_shipped_it_is_an_exception(
    labelled: tuple[Packed, CarrierLabel],
) -> None:
    packed, label = labelled
    raw = event(label.tracking_number, "delivered")

    post(raw, sign(WEBHOOK_SECRET, raw))

    assert Order.objects.get(pk=packed.order.pk).state == "packed"
    problem = OrderException.objects.get(order=packed.order)
    assert problem.kind == "delivered_not_shipped" and "ship it in the WMS" in problem.detail


@pytest.mark.django_db(transaction=True)
def test_carrier_events_over_http_deliver_the_order(
    carrier_sim: CarrierControl,
    account: CarrierAccount,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
    live_server: Any,
) -> None:
    carrier_sim.webhook(f"{live_server.url}{URL}")
    packed = pack_and_close(site, tent, oscar, sam, external_id="SH-3001")
    label = CarrierLabel.objects.get(parcel=packed.parcel)
    ship(packed, oscar)
    assert Order.objects.get(pk=packed.order.pk).state == "shipped"

    sent = [
        carrier_sim.event(label.tracking_number, "picked_up", location="Reno, NV"),
        carrier_sim.event(label.tracking_number, "in_transit", location="Salt Lake City, UT"),
        carrier_sim.event(label.tracking_number, "delivered", description="Front porch"),
    ]
    replay = carrier_sim.resend(sent[-1]["event"]["id"])  # the carrier's own retry

    assert [s["answer"]["outcome"] for s in sent] == ["applied", "applied", "delivered"]
    assert replay["answer"] == {"outcome": "duplicate"}
    order = Order.objects.get(pk=packed.order.pk)
    shipment = order.shipments.get()
    assert order.state == "delivered" and shipment.delivered_at is not None
    delivered = order.events.get(to_state="delivered")
    assert delivered.owner == "carrier"
    kinds = list(TrackingEvent.objects.filter(label=label).values_list("kind", flat=True))
    assert kinds == ["picked_up", "in_transit", "delivered"]  # label_created was before the hook
    assert set(TrackingEvent.objects.values_list("shipment", flat=True)) == {shipment.pk}
    timeline = api_as(sam).get(f"/api/orders/{order.pk}/timeline/").json()
    carrier_lines = [e for e in timeline["events"] if e["owner"] == "carrier"]
    assert len(carrier_lines) == 4  # three tracking events and the delivery
