"""The Celery app runs real tasks through a real worker on the real Redis broker."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from tests.factories import ClientFactory, UserFactory, ctx, make_item, make_site
from wms.celery import app
from wms.inventory import touches
from wms.tasks import verify_ledger

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker() -> Iterator[None]:
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "tests run Celery on Redis"
    queue = f"test-{uuid.uuid4().hex[:8]}"  # a queue of our own on the shared Redis
    app.conf.update(result_backend=settings.CELERY_BROKER_URL, task_default_queue=queue)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10
        ):
            yield
    finally:
        app.conf.update(result_backend=None, task_default_queue="celery")


def test_verify_ledger_task_runs_on_a_worker(worker: None) -> None:
    op = UserFactory.create(username="celery-op")
    site = make_site("CEL1")
    item = make_item(ClientFactory.create(code="CEL"), "CEL-1")
    touches.receive(ctx(op), item=item, quantity=3, location=site.dock)

    result = verify_ledger.apply_async(ignore_result=False).get(timeout=30)

    assert result == {"ok": True, "touches": 1, "problems": 0}
