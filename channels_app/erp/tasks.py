"""Beat tasks: pull the ERPs' item changes, and queue every ERP client's inventory snapshot."""

from __future__ import annotations

import logging

from celery import shared_task

from channels_app.erp import adapter
from channels_app.erp.errors import TransportError
from channels_app.erp.models import ErpIntegration

log = logging.getLogger(__name__)


@shared_task(name="channels_app.erp.tasks.import_items")
def import_items() -> dict[str, int]:
    done: dict[str, int] = {}
    for integration in ErpIntegration.objects.filter(active=True).order_by("pk"):
        try:
            result = adapter.import_items(integration)
        except TransportError as exc:
            # The cursor did not move: the next beat reads the same changes again.
            log.warning("erp: item import for %s failed: %s", integration, exc)
            continue
        done[integration.secrets_name] = len(result.applied)
    return done


@shared_task(name="channels_app.erp.tasks.send_snapshots")
def send_snapshots() -> int:
    return adapter.queue_all_snapshots()
