"""The poller adapter.py promises: fulfillment (and cancellation) requests whose callback was lost.

Shopify notifies our callbackUrl once per request; a notification that never arrives (our server
down, a network split, Shopify giving up its retries) would leave the order requested at Shopify
and unknown here. Every few minutes beat asks Shopify for what is still assigned to us with
assignmentStatus FULFILLMENT_REQUESTED (and CANCELLATION_REQUESTED) and answers it the same way a
notification would (``adapter.answer_notification``: idempotent, permanent failures become
exceptions with owners). ``manage.py shopify_poll_requests`` runs it now.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task

from channels_app.shopify import adapter
from channels_app.shopify.errors import ShopifyNotConfigured, TransportError
from channels_app.shopify.models import ShopifyStore

log = logging.getLogger(__name__)

MAX_RETRIES = 3


def stores() -> list[ShopifyStore]:
    """Active stores our fulfillment service is registered with (a location to be assigned to)."""
    return list(
        ShopifyStore.objects.filter(active=True)
        .exclude(location_id="")
        .select_related("client")
        .order_by("pk")
    )


def poll(store: ShopifyStore) -> dict[str, Any]:
    """Answer every request still open for `store` (both kinds); raises only transient errors."""
    return adapter.answer_notification(store, None)


@shared_task(name="channels_app.shopify.poller.poll_requests")
def poll_requests() -> int:
    """Beat: one task per store, so one store's outage never delays another's."""
    found = stores()
    for store in found:
        poll_store.delay(store.pk)
    return len(found)


@shared_task(bind=True, name="channels_app.shopify.poller.poll_store", max_retries=MAX_RETRIES)
def poll_store(self: Task, store_id: int) -> dict[str, Any]:
    store = ShopifyStore.objects.filter(pk=store_id, active=True).select_related("client").first()
    if store is None:
        return {}
    try:
        return poll(store)
    except ShopifyNotConfigured as exc:
        log.error("shopify %s: %s", store.shop_domain, exc.message)
        return {"error": exc.message}
    except TransportError as exc:
        # Transient: the next beat polls again anyway; retry sooner within the limit.
        raise self.retry(exc=exc, countdown=exc.retry_after or 30.0) from exc
