"""Celery tasks of going live and staying right: reconciliation on a schedule, stock sync on demand.

Beat runs ``reconcile_all`` (settings ``shopify-reconcile``), which fans out one ``reconcile`` per
active, registered store, so one store's throttling never delays another's. A transient
``TransportError`` retries after Shopify's wait or a short backoff; a permanent one (token refused,
no location) opens one ``ShopifyException`` for the integration engineer instead of retrying.
(Not named tasks.py: the poller of fulfillment requests lives there.)
"""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from channels_app.errors import TransportError
from channels_app.shopify import stock
from channels_app.shopify.errors import ShopifyNotConfigured
from channels_app.shopify.models import ShopifyException, ShopifyStore

MAX_RETRIES = 5
ENGINEER = "integration engineer"


def _live_ids() -> list[int]:
    return list(
        ShopifyStore.objects.filter(active=True)
        .exclude(location_id="")
        .values_list("pk", flat=True)
    )


def _run(task: Task, store_id: int, what: str, call: Any) -> dict[str, Any]:
    store = ShopifyStore.objects.filter(pk=store_id, active=True).first()
    if store is None:
        return {"skipped": "inactive"}
    try:
        return {"message": call(store).message}
    except (TransportError, ShopifyNotConfigured) as exc:
        if isinstance(exc, TransportError) and not exc.permanent:
            wait = exc.retry_after
            raise task.retry(
                exc=exc,
                countdown=min(60.0, wait or 2.0 * 2**task.request.retries),
                max_retries=MAX_RETRIES,
            ) from exc
        ShopifyException.objects.create(
            store=store,
            kind=f"{what}_failed",
            detail=f"Shopify {what} of {store.shop_domain} failed: {exc}",
            owner=ENGINEER,
        )
        return {"failed": str(exc)}


@shared_task(name="channels_app.shopify.live_tasks.reconcile_all")
def reconcile_all() -> int:
    ids = _live_ids()
    for pk in ids:
        reconcile.apply_async((pk,))
    return len(ids)


@shared_task(bind=True, name="channels_app.shopify.live_tasks.reconcile")
def reconcile(self: Task, store_id: int) -> dict[str, Any]:
    return _run(self, store_id, "reconciliation", stock.reconcile)


@shared_task(bind=True, name="channels_app.shopify.live_tasks.sync_stock")
def sync_stock(self: Task, store_id: int) -> dict[str, Any]:
    return _run(self, store_id, "stock sync", stock.sync_stock)
