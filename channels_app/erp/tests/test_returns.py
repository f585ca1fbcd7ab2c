"""A return received and graded is announced to the ERP (``return_received``) through the outbox,
over real HTTP to the ERP simulator: once per received line, with the RMA, the order it came back
from, the SKU, lot, quantity and grade; applied once whatever happens to the answer."""

from __future__ import annotations

import httpx

from channels_app.erp.models import ErpIntegration
from channels_app.erp.simulator import TOKEN
from channels_app.erp.tests.conftest import ErpControl, ship_one
from channels_app.outbox import delivery
from channels_app.outbox.delivery import Outcome
from tests.factories import Site, ctx, make_item
from wms.accounts.models import User
from wms.inbound import services as inbound
from wms.inbound.models import Grade
from wms.outbox.models import OutboxMessage


def test_a_graded_return_of_a_shipped_order_reaches_the_erp_once(
    erp: ErpIntegration, erp_sim: ErpControl, site: Site, oscar: User, sam: User
) -> None:
    tent = make_item(erp.client, "NWO-TENT")
    shipment = ship_one(site, tent, oscar, sam, quantity=2)
    ret = inbound.open_return(
        client=erp.client, warehouse=site.warehouse, rma="RMA-77", order=shipment.order
    )
    inbound.receive_return_units(
        ctx(oscar), ret=ret, item=tent, quantity=1, grade=Grade.SELLABLE, location=site.returns
    )
    inbound.receive_return_units(
        ctx(oscar), ret=ret, item=tent, quantity=1, grade=Grade.DAMAGED, location=site.returns
    )
    messages = list(
        OutboxMessage.objects.filter(kind="return_received", destination=erp.destination).order_by(
            "pk"
        )
    )
    assert len(messages) == 2

    erp_sim.fault("apply_then_500", operation="return_receipt")  # the first answer is lost
    assert delivery.deliver(messages[0].pk) == Outcome.RETRYING
    OutboxMessage.objects.filter(pk=messages[0].pk).update(next_attempt_at=messages[0].created_at)
    assert [delivery.deliver(m.pk) for m in messages] == [Outcome.DELIVERED, Outcome.DELIVERED]

    state = erp_sim.state()
    keys = [m.idempotency_key for m in messages]
    assert state["effects"]["applied"] == dict.fromkeys(keys, 1)
    assert state["effects"]["by_kind"] == {"return_receipt": 2}
    sent = [state["bodies"][k]["body"] for k in keys]
    assert [(b["rma"], b["order"]) for b in sent] == [("RMA-77", shipment.order.external_id)] * 2
    assert [b["lines"] for b in sent] == [
        [{"sku": "NWO-TENT", "lot": None, "quantity": 1, "grade": "sellable"}],
        [{"sku": "NWO-TENT", "lot": None, "quantity": 1, "grade": "damaged"}],
    ]
    assert all(b["received_at"] for b in sent)


def test_a_return_without_its_order_still_reaches_the_erp(
    erp: ErpIntegration, erp_sim: ErpControl, site: Site, oscar: User
) -> None:
    mug = make_item(erp.client, "NWO-MUG")
    ret = inbound.open_return(client=erp.client, warehouse=site.warehouse, rma="RMA-78")
    inbound.receive_return_units(
        ctx(oscar), ret=ret, item=mug, quantity=3, grade=Grade.DEFECTIVE, location=site.returns
    )
    message = OutboxMessage.objects.get(kind="return_received", destination=erp.destination)

    assert delivery.deliver(message.pk) == Outcome.DELIVERED

    sent = erp_sim.state()["bodies"][message.idempotency_key]["body"]
    assert (sent["rma"], sent["order"]) == ("RMA-78", None)
    assert sent["lines"] == [{"sku": "NWO-MUG", "lot": None, "quantity": 3, "grade": "defective"}]


def test_the_erp_simulator_refuses_a_return_receipt_without_what_it_needs(
    erp_sim: ErpControl,
) -> None:
    answer = httpx.post(
        f"{erp_sim.url}/api/v1/return-receipts",
        json={"rma": "RMA-9", "lines": [{"sku": "NWO-MUG", "quantity": 0, "grade": "sellable"}]},
        headers={"authorization": f"Bearer {TOKEN}", "Idempotency-Key": "k"},
        timeout=10,
    )

    assert answer.status_code == 422
    assert answer.json() == {"message": "NWO-MUG: quantity must be a positive integer, not 0"}
    assert erp_sim.applied() == {}
