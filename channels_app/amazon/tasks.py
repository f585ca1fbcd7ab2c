"""Celery tasks of the Amazon integration: load, call the adapter, retry on transient errors.

Beat fans out one task per active integration (or per notification, per open feed), so one seller's
outage or throttling never delays another's. A transient ``TransportError`` retries the task after
Amazon's Retry-After or a jittered backoff — a countdown of at most a minute, far below the
broker's visibility timeout; a poll that still fails is simply made again by the next beat. A
permanent one (refresh token revoked, secrets missing) opens one ``AmazonException`` for the
integration engineer instead of retrying. With no active integration every task returns at once.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import httpx
import redis
from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone
from redis.exceptions import LockError

from channels_app.amazon import adapter, returns
from channels_app.amazon.client import SpApiClient, client_for
from channels_app.amazon.errors import AmazonNotConfigured
from channels_app.amazon.models import AmazonException, AmazonIntegration, FeedSubmission
from channels_app.amazon.throttle import SellerThrottle
from channels_app.errors import RateLimited, TransportError
from wms.errors import DomainError

log = logging.getLogger(__name__)

MAX_RETRIES = 5
MAX_COUNTDOWN = 60.0
ENGINEER = "integration engineer"


def _active(pk: int) -> AmazonIntegration | None:
    return AmazonIntegration.objects.filter(pk=pk, active=True).first()


def _active_ids() -> list[int]:
    return list(AmazonIntegration.objects.filter(active=True).values_list("pk", flat=True))


@contextmanager
def _api(integration: AmazonIntegration) -> Iterator[SpApiClient]:
    with client_for(integration, throttle=SellerThrottle(integration.seller_id)) as api:
        yield api


def countdown(retries: int, retry_after: float | None) -> float:
    ceiling = min(MAX_COUNTDOWN, 2.0 * 2**retries)
    delay = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret
    return min(MAX_COUNTDOWN, max(delay, retry_after or 0.0))


def _failed(task: Task, integration: AmazonIntegration, what: str, exc: Exception) -> Exception:
    """What a task raises for `exc`: a retry when it is transient, else the failure itself."""
    if isinstance(exc, RateLimited):
        # Throttling is not failure: come back when Amazon's usage plan has room, however many
        # times it takes (the order poll's paging is saved, so nothing is fetched twice).
        return task.retry(
            exc=exc, countdown=min(MAX_COUNTDOWN, exc.retry_after or 1.0), max_retries=None
        )
    if isinstance(exc, TransportError) and not exc.permanent:
        log.info("amazon: %s for %s failed, retrying: %s", what, integration, exc)
        return task.retry(
            exc=exc,
            countdown=countdown(task.request.retries, exc.retry_after),
            max_retries=MAX_RETRIES,
        )
    _record_failure(integration, what, exc)
    return exc


def _record_failure(integration: AmazonIntegration, what: str, exc: Exception) -> None:
    """A sync that will not be retried: one open exception per integration and sync."""
    detail = (
        f"Amazon {what} for seller {integration.seller_id} failed and will not be retried: {exc}"
    )
    if not AmazonException.objects.filter(
        integration=integration, kind="sync_failed", resolved_at=None, evidence__what=what
    ).exists():
        AmazonException.objects.create(
            integration=integration,
            kind="sync_failed",
            detail=detail + " Fix the credentials or the integration; the next poll tries again.",
            evidence={"what": what},
            owner=ENGINEER,
        )
    log.error("amazon: %s", detail)


def _succeeded(integration: AmazonIntegration, what: str) -> None:
    """The sync works again: its open failure closes itself, saying when and why."""
    now = timezone.now()
    for exception in AmazonException.objects.filter(
        integration=integration, kind="sync_failed", resolved_at=None, evidence__what=what
    ):
        AmazonException.objects.filter(pk=exception.pk, resolved_at=None).update(
            resolved_at=now,
            evidence=exception.evidence | {"resolved_by": f"the next {what} succeeded at {now}"},
        )


# --- orders -------------------------------------------------------------------------------------


@shared_task(name="channels_app.amazon.tasks.poll_orders")
def poll_orders() -> int:
    """Beat: one order poll per active integration."""
    ids = _active_ids()
    for pk in ids:
        import_orders.apply_async((pk,))
    return len(ids)


@contextmanager
def _poll_lock(integration: AmazonIntegration) -> Iterator[bool]:
    """One order poll per integration at a time (True when this one holds it): two polls would
    fetch the same saved page twice and spend getOrders' scarce tokens (0.0167/s). Without Redis
    (one process) there is nothing to share. The lock expires on its own if its worker dies."""
    if not settings.REDIS_URL:
        yield True
        return
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    lock = client.lock(
        f"amazon:poll-orders:{integration.pk}",
        timeout=settings.AMAZON_POLL_BUDGET + 10 * settings.AMAZON_POLL_PATIENCE,
    )
    try:
        held = lock.acquire(blocking=False)
    except redis.RedisError:
        held = True  # a Redis outage must not stop polling; paging is idempotent anyway
    try:
        yield held
    finally:
        if held:
            with suppress(redis.RedisError, LockError):
                lock.release()
        client.close()


def _poll_once(task: Task | None, integration: AmazonIntegration) -> dict[str, Any]:
    """One budget-bounded order poll under the integration's poll lock; records how it went."""
    with _poll_lock(integration) as held:
        if not held:
            return {"busy": True}
        try:
            with _api(integration) as api:
                result = adapter.import_orders(
                    integration, api=api, budget=settings.AMAZON_POLL_BUDGET
                )
        except (TransportError, AmazonNotConfigured) as exc:
            if task is None:  # run by hand: the person sees the error; only a permanent one stays
                if not (isinstance(exc, TransportError) and not exc.permanent):
                    _record_failure(integration, "order poll", exc)
                raise
            raise _failed(task, integration, "order poll", exc) from exc
        _succeeded(integration, "order poll")
    return {"pages": result.pages, "orders": len(result.outcomes), "more": result.more}


@shared_task(bind=True, name="channels_app.amazon.tasks.import_orders")
def import_orders(self: Task, integration_id: int) -> dict[str, Any]:
    """getOrders by LastUpdatedAfter from the integration's cursor, page after page.

    A backlog bigger than one task's budget continues in a new task at once, from the page the
    integration saved; a poll already running for the integration makes this one a no-op.
    """
    integration = _active(integration_id)
    if integration is None:
        return {}
    outcome = _poll_once(self, integration)
    if outcome.get("more"):
        import_orders.apply_async((integration_id,))
    return outcome


def poll_orders_now(
    integration: AmazonIntegration, progress: Callable[[dict[str, Any]], None] | None = None
) -> list[dict[str, Any]]:
    """The order poll, run here and now until the backlog is drained (manage.py
    amazon_poll_orders): the same lock, paging and failure records as the beat's polls."""
    runs: list[dict[str, Any]] = []
    while True:
        outcome = _poll_once(None, integration)
        runs.append(outcome)
        if progress is not None:
            progress(outcome)
        if not outcome.get("more"):
            return runs


def receive_notifications(url: str) -> list[dict[str, Any]]:
    """Take the waiting ORDER_CHANGE notifications from the queue (the simulator's stands in for
    Amazon's SQS destination): receiving removes them."""
    try:
        response = httpx.get(url, timeout=settings.AMAZON_SP_API_TIMEOUT)
    except httpx.HTTPError as exc:
        raise TransportError(f"notification queue unreachable: {exc}") from exc
    if response.status_code != 200:
        raise TransportError(f"notification queue answered {response.status_code}")
    return list(response.json().get("notifications", []))


@shared_task(name="channels_app.amazon.tasks.poll_notifications")
def poll_notifications() -> int:
    """Beat: one task per received notification, for the integration of its seller.

    A notification lost between the receive and its task (the broker down just then) costs
    latency only: the next order poll finds the change by its LastUpdateDate.
    """
    url = settings.AMAZON_NOTIFICATIONS_URL
    if not url or not _active_ids():
        return 0
    try:
        notes = receive_notifications(url)
    except TransportError as exc:
        log.warning("amazon: %s; the next beat tries again", exc)
        return 0
    sellers = dict(
        AmazonIntegration.objects.filter(active=True).values_list("seller_id", "pk").order_by("pk")
    )
    for note in notes:
        seller = note.get("Payload", {}).get("OrderChangeNotification", {}).get("SellerId")
        if seller in sellers:
            handle_notification.apply_async((sellers[seller], note))
        else:
            log.warning("amazon: notification for unknown seller %r ignored", seller)
    return len(notes)


@shared_task(bind=True, name="channels_app.amazon.tasks.handle_notification")
def handle_notification(self: Task, integration_id: int, payload: dict[str, Any]) -> str:
    integration = _active(integration_id)
    if integration is None:
        return "inactive"
    try:
        with _api(integration) as api:
            return adapter.handle_notification(integration, payload, api=api)
    except (TransportError, AmazonNotConfigured) as exc:
        raise _failed(self, integration, "ORDER_CHANGE notification", exc) from exc


# --- feeds and reconciliation -------------------------------------------------------------------


@shared_task(name="channels_app.amazon.tasks.poll_feeds")
def poll_feeds() -> int:
    """Beat: look at every feed whose processing report has not been read yet."""
    open_feeds = list(
        FeedSubmission.objects.filter(done_at=None, integration__active=True).values_list(
            "integration_id", "feed_id"
        )
    )
    for integration_id, feed_id in open_feeds:
        poll_feed.apply_async((integration_id, feed_id))
    return len(open_feeds)


@shared_task(bind=True, name="channels_app.amazon.tasks.poll_feed")
def poll_feed(self: Task, integration_id: int, feed_id: str) -> str:
    integration = _active(integration_id)
    if integration is None:
        return "inactive"
    try:
        with _api(integration) as api:
            return adapter.poll_feed(integration, feed_id, api=api).status
    except (TransportError, AmazonNotConfigured) as exc:
        raise _failed(self, integration, f"feed {feed_id}", exc) from exc


@shared_task(name="channels_app.amazon.tasks.reconcile_all")
def reconcile_all() -> int:
    ids = _active_ids()
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    for pk in ids:  # the key goes with the task, so its retries reuse one feed
        reconcile.apply_async((pk, f"reconcile:{pk}:{stamp}"))
    return len(ids)


@shared_task(bind=True, name="channels_app.amazon.tasks.reconcile")
def reconcile(self: Task, integration_id: int, key: str | None = None) -> dict[str, Any]:
    """Amazon's quantities against ours for every listing, then the whole catalogue as one feed
    (a listing held now goes as 0). A retry reuses the feed key it was given."""
    integration = _active(integration_id)
    if integration is None:
        return {}
    key = key or f"reconcile:{integration.pk}:{timezone.now():%Y%m%dT%H%M%S}"
    try:
        with _api(integration) as api:
            done = adapter.reconcile_now(integration, api=api, idempotency_key=key)
    except (TransportError, AmazonNotConfigured) as exc:
        raise _failed(self, integration, "reconciliation", exc) from exc
    except DomainError as exc:  # nothing listed: a person must act, retrying cannot help
        raise _failed(self, integration, "reconciliation", exc) from exc
    found = done.reconciled
    return {"lines": len(found.lines), "held": found.held, "feed": done.sync.feed_id}


@shared_task(bind=True, name="channels_app.amazon.tasks.go_live")
def go_live(self: Task, integration_id: int, key: str) -> dict[str, Any]:
    """An integration just created or activated: every listed SKU's quantity once, by one feed
    (its report is read by poll_feeds)."""
    integration = _active(integration_id)
    if integration is None:
        return {}
    try:
        with _api(integration) as api:
            sync = adapter.sync_catalogue(
                integration, cause="go-live", idempotency_key=key, api=api
            )
    except (TransportError, AmazonNotConfigured, DomainError) as exc:
        raise _failed(self, integration, "go-live sync", exc) from exc
    return {"feed": sync.feed_id, "listings": len(sync.sent)}


@shared_task(bind=True, name="channels_app.amazon.tasks.fba_inbound_plan")
def fba_inbound_plan(self: Task, plan_id: int) -> str:
    """Carry an FBA inbound plan on from its stored step (started from the back office)."""
    from channels_app.amazon.models import InboundPlan

    plan = InboundPlan.objects.select_related("integration", "order").get(pk=plan_id)
    integration = plan.integration
    try:
        with _api(integration) as api:
            return str(adapter.fba_inbound_plan(integration, plan.order, api=api).step)
    except TransportError as exc:
        InboundPlan.objects.filter(pk=plan_id).update(problem=str(exc))
        raise _failed(self, integration, f"FBA inbound plan {plan_id}", exc) from exc
    except (DomainError, AmazonNotConfigured) as exc:
        InboundPlan.objects.filter(pk=plan_id).update(problem=str(exc))
        return "stopped"


# --- MFN returns (returns.py) -------------------------------------------------------------------


@shared_task(name="channels_app.amazon.tasks.pull_returns_all")
def pull_returns_all() -> int:
    """Beat: one returns step per active integration whose report is open or due."""
    ids = [i.pk for i in AmazonIntegration.objects.filter(active=True) if returns.due(i)]
    for pk in ids:
        pull_returns.apply_async((pk,))
    return len(ids)


@shared_task(bind=True, name="channels_app.amazon.tasks.pull_returns")
def pull_returns(self: Task, integration_id: int) -> str:
    integration = _active(integration_id)
    if integration is None:
        return "inactive"
    try:
        with _api(integration) as api:
            pulled = returns.advance(integration, api=api)
    except (TransportError, AmazonNotConfigured) as exc:
        raise _failed(self, integration, "returns pull", exc) from exc
    return pulled.message if pulled else "nothing to do"
