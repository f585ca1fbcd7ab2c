"""What became of a return — restocked, quarantined or disposed, and where the units went — reaches
the ERP (``return_disposition``) through the outbox over real HTTP, once per decision, after the
``return_received`` of the same units; the ERP simulator refuses a disposition it cannot book."""

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
from wms.inbound.models import Disposition, Grade
from wms.outbox.models import OutboxMessage


def test_each_disposition_of_a_return_reaches_the_erp_once(
    erp: ErpIntegration, erp_sim: ErpControl, site: Site, oscar: User, sam: User
) -> None:
    tent = make_item(erp.client, "NWO-TENT")
    shipment = ship_one(site, tent, oscar, sam, quantity=3)
    ret = inbound.open_return(
        client=erp.client, warehouse=site.warehouse, rma="RMA-80", order=shipment.order
    )
    units = [
        inbound.receive_return_units(
            ctx(oscar), ret=ret, item=tent, quantity=1, grade=grade, location=site.returns
        )
        for grade in (Grade.SELLABLE, Grade.DAMAGED, Grade.DISPOSE)
    ]
    inbound.dispose_return_unit(
        ctx(oscar), unit=units[0], disposition=Disposition.RESTOCKED, to_location=site.face1
    )
    inbound.dispose_return_unit(ctx(sam), unit=units[1], disposition=Disposition.QUARANTINED)
    inbound.dispose_return_unit(ctx(sam), unit=units[2], disposition=Disposition.DISPOSED)
    messages = list(
        OutboxMessage.objects.filter(
            kind="return_disposition", destination=erp.destination
        ).order_by("pk")
    )
    assert len(messages) == 3

    erp_sim.fault("apply_then_500", operation="return_disposition")  # the first answer is lost
    assert delivery.deliver(messages[0].pk) == Outcome.RETRYING
    OutboxMessage.objects.filter(pk=messages[0].pk).update(next_attempt_at=messages[0].created_at)
    assert [delivery.deliver(m.pk) for m in messages] == [Outcome.DELIVERED] * 3

    state = erp_sim.state()
    keys = [m.idempotency_key for m in messages]
    assert state["effects"]["applied"] == dict.fromkeys(keys, 1)
    assert state["effects"]["by_kind"] == {"return_disposition": 3}
    sent = [state["bodies"][k]["body"] for k in keys]
    assert {(b["rma"], b["order"]) for b in sent} == {("RMA-80", shipment.order.external_id)}
    assert all(b["decided_at"] for b in sent)
    scrap = [b["lines"][0]["location"] for b in sent][2]
    assert [b["lines"] for b in sent] == [
        [{"sku": "NWO-TENT", "quantity": 1, "grade": "sellable", "disposition": "restocked",
          "location": site.face1.code}],
        [{"sku": "NWO-TENT", "quantity": 1, "grade": "damaged", "disposition": "quarantined",
          "location": site.quarantine.code}],
        [{"sku": "NWO-TENT", "quantity": 1, "grade": "dispose", "disposition": "disposed",
          "location": scrap}],
    ]  # fmt: skip
    assert scrap


def test_the_erp_simulator_refuses_a_disposition_it_cannot_book(erp_sim: ErpControl) -> None:
    def post(line: dict[str, object]) -> httpx.Response:
        return httpx.post(
            f"{erp_sim.url}/api/v1/return-dispositions",
            json={"rma": "RMA-9", "decided_at": "2026-12-02T10:00:00Z", "lines": [line]},
            headers={"authorization": f"Bearer {TOKEN}", "Idempotency-Key": "k"},
            timeout=10,
        )

    unknown = post({"sku": "NWO-MUG", "quantity": 1, "disposition": "sold", "location": "A"})
    nowhere = post({"sku": "NWO-MUG", "quantity": 1, "disposition": "restocked"})

    assert unknown.status_code == nowhere.status_code == 422
    assert unknown.json() == {
        "message": "NWO-MUG: disposition must be one of restocked, quarantined, disposed"
    }
    assert nowhere.json() == {"message": "NWO-MUG: location is required"}
    assert erp_sim.applied() == {}
