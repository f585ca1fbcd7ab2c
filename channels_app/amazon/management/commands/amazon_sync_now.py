"""python manage.py amazon_sync_now --seller A3... — every listed SKU's quantity to Amazon now,
as one JSON_LISTINGS_FEED, waiting for its processing report (unless --no-wait)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from channels_app.amazon.management.commands._amazon import AmazonCommand
from channels_app.amazon.management.commands.amazon_connect import run_sync


class Command(AmazonCommand):
    help = "Send every listing's quantity to Amazon as one JSON_LISTINGS_FEED."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--no-wait", action="store_true")
        parser.add_argument("--poll-seconds", type=float, default=30.0)

    def handle(self, *args: Any, **options: Any) -> None:
        run_sync(self, self.integration(options), "sync-now", options)
