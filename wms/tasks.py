from __future__ import annotations

import logging

from celery import shared_task

from wms.inventory.reconcile import verify

log = logging.getLogger(__name__)


@shared_task(name="wms.tasks.verify_ledger")
def verify_ledger() -> dict[str, object]:
    """Nightly proof that balances match the ledger; mismatches are logged as errors."""
    report = verify()
    for problem in report.problems:
        log.error("verify_ledger: %s", problem)
    log.info("verify_ledger: %s", report.summary())
    return {"ok": report.ok, "touches": report.touches, "problems": len(report.problems)}


@shared_task(name="wms.tasks.retry_backorders")
def retry_backorders() -> int:
    """Give backordered orders another chance at stock that arrived (beat: every few minutes)."""
    from wms.orders.services import retry_backorders as retry

    revived = retry()
    if revived:
        log.info("retry_backorders: %d order(s) now hold stock", revived)
    return revived
