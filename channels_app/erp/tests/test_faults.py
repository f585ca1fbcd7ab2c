"""The ERP's confirmations and snapshots under faults, with a real Celery worker process (solo pool,
embedded beat sweeping), a private Redis the tests stop, and the ERP simulator answering 429, 500,
too late, or while the worker is SIGKILLed. Every test ends with each effect applied exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from channels_app.erp import outbound
from channels_app.erp.models import ErpIntegration
from channels_app.erp.tests.conftest import ErpControl, receive_asn, ship_one
from tests.factories import Site, make_item
from tests.outbox_support import (
    PrivateRedis,
    Worker,
    private_redis,  # noqa: F401 - fixture
    state_of,
    wait_for,
)
from wms.accounts.models import User
from wms.outbox.models import OutboxMessage, OutboxState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ERP_TIMEOUT = 2.0  # the worker's; below its lease (3 s), as in production


@pytest.fixture
def worker(
    erp: ErpIntegration,
    private_redis: PrivateRedis,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[Worker]:
    monkeypatch.setenv("ERP_TIMEOUT", str(ERP_TIMEOUT))  # read by the worker's settings
    w = Worker(broker=private_redis.url, receiver_url="http://127.0.0.1:9/unused", tmp=tmp_path)
    w.start()
    yield w
    w.stop()
    for n in range(1, w.starts + 1):
        print(f"--- worker log {n} ---\n{(tmp_path / f'worker-{n}.log').read_text()[-6000:]}")


def delivered(*messages: OutboxMessage) -> bool:
    return all(state_of(m.pk) == OutboxState.DELIVERED for m in messages)


def snapshot(erp: ErpIntegration) -> OutboxMessage:
    [message] = outbound.queue_snapshot(erp.client)
    return message


def test_confirmations_and_snapshots_are_applied_once(
    worker: Worker, erp: ErpIntegration, erp_sim: ErpControl, site: Site, oscar: User, sam: User
) -> None:
    tent = make_item(erp.client, "NWO-TENT")
    receive_asn(site, tent, oscar, quantity=5)
    ship_one(site, tent, oscar, sam, quantity=2)
    snapshot(erp)
    messages = list(OutboxMessage.objects.filter(destination=erp.destination))

    wait_for("every ERP message delivered", lambda: delivered(*messages))

    effects = erp_sim.state()["effects"]
    assert sorted(m.kind for m in messages) == [
        "inventory_snapshot",
        "order_shipped",
        "receipt_complete",
    ]
    assert effects["applied"] == {m.idempotency_key: 1 for m in messages}
    assert effects["by_kind"] == {
        "inventory_snapshot": 1,
        "receipt_confirmation": 1,
        "shipment_confirmation": 1,
    }


@pytest.mark.parametrize("fault", ["slow", "hang"], ids=["after-apply", "before-apply"])
def test_worker_killed_mid_call_the_effect_is_applied_once(
    worker: Worker, erp: ErpIntegration, erp_sim: ErpControl, fault: str
) -> None:
    # "slow": the ERP applies, then answers late; "hang": it answers (and applies) late.
    erp_sim.fault(fault, operation="inventory_snapshot", seconds=ERP_TIMEOUT * 0.9)
    message = snapshot(erp)

    wait_for(
        "the worker's call to reach the ERP",
        lambda: erp_sim.state()["calls"].get("inventory_snapshot", 0) >= 1,
    )
    worker.kill()  # mid-call: no answer recorded, no ack
    assert state_of(message.pk) == OutboxState.IN_FLIGHT
    worker.start()

    wait_for("the redelivery after the lease", lambda: delivered(message))
    effects = erp_sim.state()["effects"]
    assert effects["applied"] == {message.idempotency_key: 1}
    assert effects["arrivals"][message.idempotency_key] in (1, 2)
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 2


def test_redis_down_the_confirmation_commits_and_drains_after(
    worker: Worker,
    erp: ErpIntegration,
    erp_sim: ErpControl,
    private_redis: PrivateRedis,  # noqa: F811
    site: Site,
    oscar: User,
) -> None:
    tent = make_item(erp.client, "NWO-TENT")
    private_redis.stop()

    receive_asn(site, tent, oscar)  # commits without the broker
    message = OutboxMessage.objects.get(destination=erp.destination, kind="receipt_complete")
    assert state_of(message.pk) == OutboxState.PENDING

    private_redis.start()  # empty: whatever had been queued is gone
    wait_for("the sweeper to drain the backlog", lambda: delivered(message))
    assert erp_sim.applied() == {message.idempotency_key: 1}


def test_500s_are_retried_until_the_erp_answers(
    worker: Worker, erp: ErpIntegration, erp_sim: ErpControl
) -> None:
    erp_sim.fault("500", operation="inventory_snapshot", count=2)
    message = snapshot(erp)

    wait_for("the delivery after two failures", lambda: delivered(message))
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 3
    assert erp_sim.applied() == {message.idempotency_key: 1}


def test_a_late_answer_is_retried_with_the_same_key_and_applied_once(
    worker: Worker, erp: ErpIntegration, erp_sim: ErpControl
) -> None:
    erp_sim.fault("slow", operation="inventory_snapshot", seconds=ERP_TIMEOUT * 2)
    message = snapshot(erp)

    wait_for("the delivery after the timeout", lambda: delivered(message))
    effects = erp_sim.state()["effects"]
    assert effects["applied"] == {message.idempotency_key: 1}
    assert effects["arrivals"] == {message.idempotency_key: 2}


def test_429_reschedules_without_counting_attempts(
    worker: Worker, erp: ErpIntegration, erp_sim: ErpControl
) -> None:
    erp_sim.fault("429", operation="inventory_snapshot", count=4)  # more than the retry limit
    message = snapshot(erp)

    wait_for("the delivery after the throttling", lambda: delivered(message))
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 1
    assert erp_sim.state()["calls"]["inventory_snapshot"] == 5
    assert erp_sim.applied() == {message.idempotency_key: 1}
