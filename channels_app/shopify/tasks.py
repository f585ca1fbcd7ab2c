"""Celery tasks of the Shopify channel: load the store, call the adapter, hand transient errors back.

    poll_requests()        beat ``shopify-poll-requests`` (SHOPIFY_POLL_REQUESTS_SECONDS, 300 s):
                           one ``poll_store`` per registered store
    poll_store(store_id)   requests whose callback was lost, answered (adapter.answer_open_requests)
    reconcile_all()        beat ``shopify-reconcile`` (SHOPIFY_RECONCILE_SECONDS, 4 h): one
                           ``reconcile`` per registered store
    reconcile(store_id)    Shopify's quantities against our ATP (adapter.reconcile)
    sync_stock(store_id)   every SKU's quantity once (adapter.sync_stock), on demand

Each fans out one task per active, registered store, so one store's outage or throttling never
delays another's, and each returns at once when no store is registered. A transient
``TransportError`` retries after Shopify's wait or a short backoff (the next beat would try again
anyway). A permanent one: the poller has already recorded it as an exception
(adapter.answer_notification); reconciliation and the stock sync open one ``ShopifyException``
for the integration engineer instead of retrying. Found by Celery's autodiscovery.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task

from channels_app.shopify import adapter
from channels_app.shopify.errors import ShopifyNotConfigured, TransportError
from channels_app.shopify.exceptions import ENGINEER
from channels_app.shopify.models import ShopifyException, ShopifyStore

log = logging.getLogger(__name__)

POLL_RETRIES = 3
STOCK_RETRIES = 5


def _store(store_id: int) -> ShopifyStore | None:
    return ShopifyStore.objects.filter(pk=store_id, active=True).select_related("client").first()


# --- fulfillment requests whose callback was lost ------------------------------------------------


@shared_task(name="channels_app.shopify.tasks.poll_requests")
def poll_requests() -> int:
    found = adapter.registered_stores()
    for store in found:
        poll_store.delay(store.pk)
    return len(found)


@shared_task(bind=True, name="channels_app.shopify.tasks.poll_store", max_retries=POLL_RETRIES)
def poll_store(self: Task, store_id: int) -> dict[str, Any]:
    store = _store(store_id)
    if store is None:
        return {}
    try:
        return adapter.answer_open_requests(store)
    except ShopifyNotConfigured as exc:
        log.error("shopify %s: %s", store.shop_domain, exc.message)
        return {"error": exc.message}
    except TransportError as exc:
        raise self.retry(exc=exc, countdown=exc.retry_after or 30.0) from exc


# --- staying right: reconciliation on a schedule, the stock sync on demand -----------------------


@shared_task(name="channels_app.shopify.tasks.reconcile_all")
def reconcile_all() -> int:
    ids = [store.pk for store in adapter.registered_stores()]
    for pk in ids:
        reconcile.apply_async((pk,))
    return len(ids)


@shared_task(bind=True, name="channels_app.shopify.tasks.reconcile")
def reconcile(self: Task, store_id: int) -> dict[str, Any]:
    return _run(self, store_id, "reconciliation", adapter.reconcile)


@shared_task(bind=True, name="channels_app.shopify.tasks.sync_stock")
def sync_stock(self: Task, store_id: int) -> dict[str, Any]:
    return _run(self, store_id, "stock sync", adapter.sync_stock)


def _run(task: Task, store_id: int, what: str, call: Any) -> dict[str, Any]:
    store = _store(store_id)
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
                max_retries=STOCK_RETRIES,
            ) from exc
        ShopifyException.objects.create(
            store=store,
            kind=f"{what}_failed",
            detail=f"Shopify {what} of {store.shop_domain} failed: {exc}",
            owner=ENGINEER,
        )
        return {"failed": str(exc)}
