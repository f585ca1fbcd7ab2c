"""Settings for the Celery worker the outbox fault tests start: short clocks, same everything else."""

from wms.settings import *  # noqa: F403

OUTBOX_MAX_ATTEMPTS = 3
OUTBOX_BACKOFF_BASE = 0.2
OUTBOX_BACKOFF_CAP = 0.5
OUTBOX_LEASE_SECONDS = 3.0
OUTBOX_REQUEUE_SECONDS = 1.5
OUTBOX_HTTP_TIMEOUT = 1.0
OUTBOX_WEBHOOK_RATE = 1000.0
OUTBOX_COALESCE_SECONDS = 1.0
CELERY_BEAT_SCHEDULE = {  # only the sweeper, often
    "outbox-sweep": {"task": "channels_app.outbox.tasks.sweep", "schedule": 0.3},
}
