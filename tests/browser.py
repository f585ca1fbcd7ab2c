"""One Chromium for every browser test of a run (the RF walk, the label station).

Playwright's sync API keeps an event loop running in this thread for as long as it is open, so a
second ``sync_playwright()`` while the first is open fails ("using Playwright Sync API inside the
asyncio loop"). Each browser test module therefore borrows the session's one browser
(``chromium``, a fixture in tests/conftest.py) instead of starting its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

# Playwright's sync API runs an event loop in this thread; the ORM calls the test makes between
# scans are ordinary blocking calls, which Django would otherwise refuse in that case.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing. `make test` installs it (apt-get install chromium); "
            "the browser tests never skip."
        )
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
