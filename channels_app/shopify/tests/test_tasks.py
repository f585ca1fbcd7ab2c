"""The Shopify beat entries name tasks a fresh worker registers by itself (Celery's autodiscovery
of channels_app/shopify/tasks.py), not tasks some other import happened to load first: the
poller once needed a CELERY_IMPORTS line because its tasks lived outside tasks.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

# A new interpreter, as `celery worker` / `celery beat` start: settings, the app, autodiscovery.
PROBE = """
import json, django
django.setup()
from django.conf import settings
from wms.celery import app
app.loader.import_default_modules()
beat = {k: v["task"] for k, v in settings.CELERY_BEAT_SCHEDULE.items() if k.startswith("shopify-")}
print(json.dumps({"beat": beat, "registered": sorted(app.tasks)}))
"""


def test_the_shopify_beat_entries_name_tasks_a_fresh_worker_registers() -> None:
    root = Path(__file__).resolve().parents[3]
    env: dict[str, Any] = {**os.environ, "DJANGO_SETTINGS_MODULE": "wms.settings"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", PROBE],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])

    assert found["beat"] == {
        "shopify-reconcile": "channels_app.shopify.tasks.reconcile_all",
        "shopify-poll-requests": "channels_app.shopify.tasks.poll_requests",
    }
    shopify_tasks = {t for t in found["registered"] if t.startswith("channels_app.shopify.")}
    assert shopify_tasks == {
        "channels_app.shopify.tasks.poll_requests",
        "channels_app.shopify.tasks.poll_store",
        "channels_app.shopify.tasks.reconcile_all",
        "channels_app.shopify.tasks.reconcile",
        "channels_app.shopify.tasks.sync_stock",
    }
