"""Settings for the Celery worker the Amazon outbox tests start: the outbox's short clocks, the
Amazon pollers on a short beat, SP-API timeouts the tests can outwait. Env toggles let a test
run one poller alone (AMAZON_TEST_POLLERS=notifications)."""

import os

from tests.outbox_worker_settings import *  # noqa: F403

AMAZON_SP_API_TIMEOUT = float(os.environ.get("AMAZON_SP_API_TIMEOUT", "2"))
# Longer than a handler's calls (LWA, getOrder, confirmShipment: one timeout each).
OUTBOX_LEASE_SECONDS = 3 * AMAZON_SP_API_TIMEOUT + 1
_pollers = os.environ.get("AMAZON_TEST_POLLERS", "orders,notifications").split(",")
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "channels_app.outbox.tasks.sweep", "schedule": 0.3},
    "amazon-poll-feeds": {"task": "channels_app.amazon.tasks.poll_feeds", "schedule": 1.0},
}
if "orders" in _pollers:
    CELERY_BEAT_SCHEDULE["amazon-poll-orders"] = {
        "task": "channels_app.amazon.tasks.poll_orders",
        "schedule": 1.0,
    }
if "notifications" in _pollers:
    CELERY_BEAT_SCHEDULE["amazon-poll-notifications"] = {
        "task": "channels_app.amazon.tasks.poll_notifications",
        "schedule": 0.5,
    }
