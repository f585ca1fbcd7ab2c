"""Confirmations and snapshots to the ERP through the outbox, delivered in-process here (the
worker and its faults are in test_faults.py): one row per event and integration, sent with its
idempotency key, applied once by the ERP whatever happens to the answer."""

from __future__ import annotations

import pytest

from channels_app.erp import outbound
from channels_app.erp.models import ErpIntegration
from channels_app.erp.tests.conftest import ErpControl, receive_asn, ship_one
from channels_app.outbox import delivery
from channels_app.outbox.delivery import Outcome
from tests.factories import ClientFactory, Site, make_item
from wms.accounts.models import User
from wms.outbox.models import OutboxMessage, OutboxState


def only(kind: str, erp: ErpIntegration) -> OutboxMessage:
    return OutboxMessage.objects.get(kind=kind, destination=erp.destination)


def test_a_shipment_is_confirmed_once_with_what_left(
    erp: ErpIntegration, erp_sim: ErpControl, site: Site, oscar: User, sam: User
) -> None:
    tent = make_item(erp.client, "NWO-TENT")
    shipment = ship_one(site, tent, oscar, sam, quantity=2)
    message = only("order_shipped", erp)

    assert delivery.deliver(message.pk) == Outcome.DELIVERED
    assert delivery.deliver(message.pk) == Outcome.NOT_CLAIMED  # done: nothing sent again

    assert erp_sim.applied() == {message.idempotency_key: 1}
    body = erp_sim.state()["bodies"][message.idempotency_key]
    assert body["operation"] == "shipment_confirmation"
    sent = body["body"]
    assert sent["order"] == shipment.order.external_id and sent["carrier"] == "UPS"
    assert sent["lines"] == [{"sku": "NWO-TENT", "lot": None, "quantity": 2}]
    assert sent["parcels"][0]["tracking"] == "1Z999AA10123456784"


def test_a_receipt_is_confirmed(
    erp: ErpIntegration, erp_sim: ErpControl, site: Site, oscar: User
) -> None:
    tent = make_item(erp.client, "NWO-TENT")
    receipt = receive_asn(site, tent, oscar, quantity=5)
    message = only("receipt_complete", erp)

    assert delivery.deliver(message.pk) == Outcome.DELIVERED

    sent = erp_sim.state()["bodies"][message.idempotency_key]["body"]
    assert sent["reference"] == receipt.reference
    assert sent["lines"] == [{"sku": "NWO-TENT", "expected": 5, "received": 5}]


def test_a_snapshot_carries_on_hand_and_available_per_sku(
    erp: ErpIntegration, erp_sim: ErpControl, site: Site, oscar: User, sam: User
) -> None:
    from tests.factories import place, stock

    tent = make_item(erp.client, "NWO-TENT")
    make_item(erp.client, "NWO-MUG")  # nothing in stock: still in the snapshot, at 0
    stock(site, tent, 7, oscar)
    place(erp.client, "SH-1", [(tent, 3)])  # reserves 3

    [message] = outbound.queue_snapshot(erp.client)
    assert delivery.deliver(message.pk) == Outcome.DELIVERED

    sent = erp_sim.state()["bodies"][message.idempotency_key]["body"]
    assert sent["items"] == [
        {"sku": "NWO-MUG", "on_hand": 0, "available": 0},
        {"sku": "NWO-TENT", "on_hand": 7, "available": 4},
    ]


def test_a_client_without_an_erp_gets_no_delivery_row(
    db: None, erp: ErpIntegration, site: Site, oscar: User
) -> None:
    other = ClientFactory.create(code="BBB")
    serum = make_item(other, "BBB-SERUM")

    receive_asn(site, serum, oscar)

    assert not OutboxMessage.objects.filter(client=other).exists()
    assert outbound.queue_snapshot(other) == []


def test_a_lost_answer_is_sent_again_and_applied_once(
    erp: ErpIntegration, erp_sim: ErpControl, site: Site, oscar: User
) -> None:
    receive_asn(site, make_item(erp.client, "NWO-TENT"), oscar)
    message = only("receipt_complete", erp)
    erp_sim.fault("apply_then_500", operation="receipt_confirmation")

    assert delivery.deliver(message.pk) == Outcome.RETRYING
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
    assert delivery.deliver(message.pk) == Outcome.DELIVERED

    effects = erp_sim.state()["effects"]
    assert effects["applied"] == {message.idempotency_key: 1}
    assert effects["arrivals"] == {message.idempotency_key: 2}


def test_429_reschedules_without_counting_an_attempt(
    erp: ErpIntegration, erp_sim: ErpControl, site: Site, oscar: User
) -> None:
    receive_asn(site, make_item(erp.client, "NWO-TENT"), oscar)
    message = only("receipt_complete", erp)
    erp_sim.fault("429", operation="receipt_confirmation")

    assert delivery.deliver(message.pk) == Outcome.RESCHEDULED

    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.state, row.attempts) == (OutboxState.PENDING, 0)
    assert row.last_error.startswith("rate limited")
    assert erp_sim.applied() == {}


def test_an_erp_without_configuration_is_dead_lettered_to_the_integration_engineer(
    erp: ErpIntegration,
    erp_sim: ErpControl,
    site: Site,
    oscar: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    receive_asn(site, make_item(erp.client, "NWO-TENT"), oscar)
    message = only("receipt_complete", erp)
    monkeypatch.delenv("ERP_NWO_TOKEN")

    assert delivery.deliver(message.pk) == Outcome.DEAD

    row = OutboxMessage.objects.get(pk=message.pk)
    assert "ERP_NWO_TOKEN is not set" in row.last_error
    assert row.exceptions.get().owner == "integration engineer"
