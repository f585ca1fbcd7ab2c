"""The outbox's services on the real database and a private Redis: rows written with the domain
change, coalescing per listing, the claim, retry and dead-letter rules, the shared token bucket,
inbound dedupe and what an integration engineer sees (API, back office)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from django.db import transaction
from django.test import Client as WebClient
from django.utils import timezone

from channels_app.outbox import delivery, handlers
from channels_app.outbox.delivery import Outcome
from channels_app.outbox.handlers import Delivery, RateLimited, TransportError
from channels_app.outbox.ratelimit import TokenBucket
from tests.conftest import api_as
from tests.factories import Site, ctx, run_parallel, stock
from tests.outbox_support import PrivateRedis, to_receiver
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inventory import touches
from wms.inventory.models import ChannelAvailability, ChannelRule
from wms.orders.models import Event
from wms.outbox import queue, routing
from wms.outbox.inbound import external_id_for, record_inbound, seen
from wms.outbox.models import DeliveryException, InboundMessage, OutboxMessage, OutboxState

S = OutboxState
sent: list[Delivery] = []
script: list[Exception] = []


def recording(d: Delivery) -> None:
    """A handler for in-process tests: raises what the test scripted, else records the call."""
    if script:
        raise script.pop(0)
    sent.append(d)


@pytest.fixture(autouse=True)
def test_handler() -> Iterator[None]:
    handlers.register("test", recording)
    sent.clear()
    script.clear()
    yield
    sent.clear()
    script.clear()


def route_all(fact: routing.Outbound) -> list[str]:
    return ["test:one"]


def event(client: Client, kind: str = "order_shipped") -> Event:
    return Event.objects.create(kind=kind, client=client, payload={"n": 1})


def due_now(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


# --- written with the change ---------------------------------------------------------------------


def test_without_a_router_the_core_writes_no_delivery_rows(nwo: Client) -> None:
    queue.queue_event(event(nwo), channel="amazon")
    assert not OutboxMessage.objects.exists()


def test_a_routed_event_gets_one_row_per_destination_and_rolls_back_with_the_change(
    nwo: Client,
) -> None:
    with routing.routed(lambda fact: ["test:one", "test:two", "test:one"]):
        rows = queue.queue_event(event(nwo), channel="amazon")
        assert sorted(r.destination for r in rows) == ["test:one", "test:two"]
        assert {r.state for r in rows} == {S.PENDING}
        assert rows[0].idempotency_key == f"tl-event-{rows[0].event_id}-{rows[0].destination}"
        with pytest.raises(RuntimeError):
            failing_change(nwo)
    assert OutboxMessage.objects.count() == 2  # the failed change left no delivery behind


def failing_change(client: Client) -> None:
    with transaction.atomic():
        queue.queue_event(event(client, "order_delivered"), channel="amazon")
        raise RuntimeError("the scan failed")


def test_a_destination_without_a_handler_name_is_refused(nwo: Client) -> None:
    with routing.routed(lambda fact: ["nohandler"]), pytest.raises(ValueError, match="<handler>"):
        queue.queue_event(event(nwo), channel="amazon")


# --- coalescing ----------------------------------------------------------------------------------


@pytest.fixture
def listed(site: Site, nwo: Client, tent: Item, oscar: User) -> Iterator[Item]:
    ChannelRule.objects.create(client=nwo, channel="amazon")
    touches.receive(ctx(oscar), item=tent, quantity=20, location=site.dock)
    with routing.routed(to_receiver(routing.AVAILABILITY)):
        yield tent


def stow(site: Site, item: Item, oscar: User, n: int = 1) -> None:
    touches.stow(ctx(oscar), item=item, quantity=n, from_location=site.dock, to_location=site.face1)


def test_availability_changes_fold_into_one_row_per_listing_latest_wins(
    listed: Item, site: Site, oscar: User
) -> None:
    for _ in range(5):
        stow(site, listed, oscar)

    row = OutboxMessage.objects.get()
    assert row.listing == f"availability:{listed.client_id}:{listed.pk}:amazon:webhook:receiver"
    assert (row.version, row.coalesced, row.state) == (5, 4, S.PENDING)
    published = ChannelAvailability.objects.get(item=listed, channel="amazon").quantity
    assert row.payload["quantity"] == published == 5
    assert row.key_for(row.version).endswith("#5")


def test_a_newer_quantity_waits_for_the_one_in_flight_then_goes_with_its_own_key(
    listed: Item, site: Site, oscar: User, settings: object
) -> None:
    stow(site, listed, oscar)
    row = OutboxMessage.objects.get()
    due_now(row)
    claimed = delivery.claim(row.pk, token="w1")
    assert claimed is not None and claimed.version == 1

    stow(site, listed, oscar)  # while version 1 is on the wire
    row.refresh_from_db()
    assert (row.state, row.version, row.claimed_by) == (S.IN_FLIGHT, 2, "w1")
    assert delivery.claim(row.pk, token="w2") is None  # never two senders for one listing

    delivery._delivered(claimed, "w1", sent_version=1)
    row.refresh_from_db()
    assert (row.state, row.delivered_version, row.version) == (S.PENDING, 1, 2)
    assert row.payload["quantity"] == 2


def test_a_delivered_listing_comes_back_to_life_on_the_next_change(
    listed: Item, site: Site, oscar: User
) -> None:
    stow(site, listed, oscar)
    row = OutboxMessage.objects.get()
    due_now(row)
    claimed = delivery.claim(row.pk, token="w1")
    assert claimed is not None
    delivery._delivered(claimed, "w1", sent_version=1)

    stow(site, listed, oscar, 3)

    row.refresh_from_db()
    assert (row.state, row.version, row.attempts, row.payload["quantity"]) == (S.PENDING, 2, 0, 4)
    assert OutboxMessage.objects.count() == 1


# --- claim, retry, dead letter -------------------------------------------------------------------


@pytest.fixture
def message(nwo: Client) -> OutboxMessage:
    with routing.routed(route_all):
        (row,) = queue.queue_event(event(nwo), channel="amazon")
    return row


def test_a_claim_is_one_conditional_update_only_one_worker_wins(message: OutboxMessage) -> None:
    assert delivery.claim(message.pk, token="w1") is not None
    assert delivery.claim(message.pk, token="w2") is None


def test_an_expired_claim_is_taken_over_and_the_old_worker_cannot_finish_it(
    message: OutboxMessage,
) -> None:
    first = delivery.claim(message.pk, token="w1")
    assert first is not None
    OutboxMessage.objects.filter(pk=message.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )

    assert delivery.deliver(message.pk, token="w2") == Outcome.DELIVERED
    assert delivery._delivered(first, "w1", sent_version=1) == Outcome.LOST_CLAIM
    assert [d.idempotency_key for d in sent] == [message.idempotency_key]
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.state, row.attempts, row.claimed_by) == (S.DELIVERED, 2, "w2")


def test_a_failure_is_retried_later_with_backoff_not_now(message: OutboxMessage) -> None:
    script.append(TransportError("HTTP 500", retry_after=30))
    before = timezone.now()

    assert delivery.deliver(message.pk) == Outcome.RETRYING

    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.state, row.attempts, row.last_error) == (S.PENDING, 1, "HTTP 500")
    assert row.next_attempt_at >= before + timedelta(seconds=30)  # the receiver's Retry-After
    assert delivery.deliver(message.pk) == Outcome.NOT_CLAIMED  # not due yet


def test_backoff_doubles_with_jitter_up_to_the_cap(settings: object) -> None:
    for attempt, ceiling in [(1, 2.0), (2, 4.0), (3, 8.0), (20, 15 * 60.0)]:
        delays = [delivery.backoff(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert delivery.backoff(1, retry_after=90) == 90


def test_rate_limited_is_rescheduled_without_counting_an_attempt(message: OutboxMessage) -> None:
    script.append(RateLimited("no token", retry_after=5))

    assert delivery.deliver(message.pk) == Outcome.RESCHEDULED

    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.state, row.attempts) == (S.PENDING, 0)
    assert row.last_error.startswith("rate limited")


def test_a_permanent_error_dead_letters_to_the_integration_engineer(
    message: OutboxMessage,
) -> None:
    script.append(TransportError("HTTP 403 Forbidden", permanent=True))

    assert delivery.deliver(message.pk) == Outcome.DEAD

    exception = DeliveryException.objects.get(message=message)
    assert exception.owner == "integration engineer" and exception.order is None
    assert (
        "HTTP 403" in exception.detail and f"retry outbox message {message.pk}" in exception.detail
    )


def test_an_unknown_handler_dead_letters_at_once(nwo: Client) -> None:
    with routing.routed(lambda fact: ["gone:1"]):
        (row,) = queue.queue_event(event(nwo), channel="amazon")

    assert delivery.deliver(row.pk) == Outcome.DEAD
    assert "No handler is registered for 'gone'" in OutboxMessage.objects.get(pk=row.pk).last_error


def test_a_handler_bug_counts_as_a_failed_attempt(message: OutboxMessage) -> None:
    script.append(KeyError("sku"))
    assert delivery.deliver(message.pk) == Outcome.RETRYING
    assert "KeyError" in OutboxMessage.objects.get(pk=message.pk).last_error


def test_retry_revives_a_dead_message_and_resolves_its_exception(message: OutboxMessage) -> None:
    script.append(TransportError("HTTP 403", permanent=True))
    delivery.deliver(message.pk)

    queue.retry(message)

    assert delivery.deliver(message.pk) == Outcome.DELIVERED
    assert DeliveryException.objects.get(message=message).resolved_at is not None


def test_a_message_in_flight_cannot_be_retried(message: OutboxMessage) -> None:
    delivery.claim(message.pk, token="w1")
    with pytest.raises(queue.NotRetryable, match="in flight"):
        queue.retry(message)


# --- the sweeper and the broker ------------------------------------------------------------------


def test_the_sweeper_enqueues_what_is_due_and_what_a_dead_worker_held(
    nwo: Client, private_redis: PrivateRedis
) -> None:
    long_ago = timezone.now() - timedelta(hours=1)
    with routing.routed(lambda fact: ["test:a", "test:b", "test:c"]):
        due, leased, waiting = queue.queue_event(event(nwo), channel="amazon")
    OutboxMessage.objects.filter(pk=due.pk).update(enqueued_at=long_ago)  # the broker lost it
    delivery.claim(leased.pk, token="dead-worker")
    OutboxMessage.objects.filter(pk=leased.pk).update(lease_until=long_ago)
    OutboxMessage.objects.filter(pk=waiting.pk).update(
        enqueued_at=None, next_attempt_at=timezone.now() + timedelta(minutes=5)
    )

    assert delivery.sweep() == 2

    broker = redis.Redis.from_url(private_redis.url)
    assert broker.llen("celery") == 2
    assert delivery.sweep() == 0  # just enqueued: not again until OUTBOX_REQUEUE_SECONDS


@pytest.mark.slow  # waits out the broker's connection timeouts (~6 s)
def test_with_the_broker_down_the_commit_succeeds_and_the_row_waits(
    nwo: Client, private_redis: PrivateRedis, django_capture_on_commit_callbacks: object
) -> None:
    private_redis.stop()
    with routing.routed(route_all), django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        (row,) = queue.queue_event(event(nwo), channel="amazon")
    assert OutboxMessage.objects.get(pk=row.pk).state == S.PENDING


# --- the token bucket ----------------------------------------------------------------------------


@pytest.fixture
def bucket(private_redis: PrivateRedis) -> TokenBucket:
    return TokenBucket("amazon:7:patchListingsItem", rate=0.01, burst=5, url=private_redis.url)


def test_the_bucket_gives_its_burst_then_says_how_long_to_wait(bucket: TokenBucket) -> None:
    waits = [bucket.take() for _ in range(7)]
    assert waits[:5] == [0.0] * 5
    assert all(w > 90 for w in waits[5:])  # one token every 100 s


def test_workers_racing_for_the_bucket_never_take_more_than_it_holds(
    private_redis: PrivateRedis,
) -> None:
    def take(i: int) -> float:
        return TokenBucket("race", rate=0.01, burst=5, url=private_redis.url).take()

    waits = run_parallel(20, take)
    assert sum(1 for w in waits if w == 0.0) == 5


def test_the_bucket_adopts_the_rate_the_receiver_announces(bucket: TokenBucket) -> None:
    assert bucket.observe({"x-amzn-RateLimit-Limit": "2.0"}) == 2.0
    for _ in range(5):
        bucket.take()
    assert 0.0 < bucket.take() <= 0.5  # a token every half second now
    assert bucket.observe({"x-amzn-RateLimit-Limit": "fast"}) is None


def test_a_429_blocks_every_worker_for_retry_after(
    bucket: TokenBucket, private_redis: PrivateRedis
) -> None:
    bucket.throttled(30)
    other = TokenBucket("amazon:7:patchListingsItem", rate=100, burst=100, url=private_redis.url)
    assert 29 < other.take() <= 30


# --- inbound dedupe ------------------------------------------------------------------------------


def test_an_inbound_message_is_taken_in_once(db: None) -> None:
    key = external_id_for("111-222", "2026-01-01T10:00:00Z")
    assert record_inbound(source="amazon:7:ORDER_CHANGE", external_id=key)
    assert not record_inbound(source="amazon:7:ORDER_CHANGE", external_id=key)
    assert record_inbound(source="amazon:8:ORDER_CHANGE", external_id=key)  # another seller
    assert seen(source="amazon:7:ORDER_CHANGE", external_id=key)


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_of_one_notification_are_taken_in_once() -> None:
    results = run_parallel(
        8, lambda i: record_inbound(source="shopify:orders/create", external_id="n-42")
    )
    assert sorted(results) == [False] * 7 + [True]
    assert InboundMessage.objects.count() == 1


def test_a_duplicate_does_not_spoil_the_callers_transaction(nwo: Client) -> None:
    record_inbound(source="s", external_id="1")
    with transaction.atomic():
        assert not record_inbound(source="s", external_id="1")
        Event.objects.create(kind="still_fine", client=nwo)
    assert Event.objects.filter(kind="still_fine").exists()


# --- what an integration engineer sees -----------------------------------------------------------


def test_staff_list_the_dead_letters_with_why_and_an_admin_retries(
    message: OutboxMessage, sam: User, ada: User, alice: User
) -> None:
    script.append(TransportError("HTTP 401 Unauthorized", permanent=True))
    delivery.deliver(message.pk)

    body = api_as(sam).get("/api/outbox/?state=dead").json()
    (row,) = body["results"]
    assert (row["id"], row["state"], row["last_error"]) == (
        message.pk,
        "dead",
        "HTTP 401 Unauthorized",
    )
    assert row["exceptions"][0]["owner"] == "integration engineer"
    assert api_as(sam).get("/api/outbox/?state=delivered").json()["results"] == []
    assert api_as(alice).get("/api/outbox/").status_code == 403  # a brand's user: not its plumbing
    assert api_as(sam).post(f"/api/outbox/{message.pk}/retry/").status_code == 403

    answer = api_as(ada).post(f"/api/outbox/{message.pk}/retry/")
    assert answer.status_code == 200 and answer.json()["state"] == "pending"
    again = api_as(ada).post(f"/api/outbox/{message.pk}/retry/")
    assert again.status_code == 200  # pending may be retried: it is sent now
    delivery.claim(message.pk, token="w")
    refused = api_as(ada).post(f"/api/outbox/{message.pk}/retry/")
    assert refused.status_code == 409 and refused.json()["error"] == "not_retryable"


def test_the_back_office_lists_outbox_messages_and_exceptions(
    message: OutboxMessage, ada: User
) -> None:
    script.append(TransportError("HTTP 401", permanent=True))
    delivery.deliver(message.pk)
    web = WebClient()
    web.force_login(ada)
    assert b"HTTP 401" in web.get("/admin/wms/outboxmessage/?state=dead").content
    assert b"integration engineer" in web.get("/admin/wms/deliveryexception/").content


def test_stock_burst_without_routes_writes_no_outbox(site: Site, tent: Item, oscar: User) -> None:
    ChannelRule.objects.create(client=tent.client, channel="amazon")
    stock(site, tent, 3, oscar)
    assert not OutboxMessage.objects.exists()
