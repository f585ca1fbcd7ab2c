"""Pull Amazon's MFN returns report now and match it to our RMAs (returns.py).

python manage.py amazon_returns                 # every active integration, wait for Amazon
python manage.py amazon_returns --seller A3…    # one seller
python manage.py amazon_returns --no-wait       # ask for the report; beat reads it later
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from channels_app.amazon import returns
from channels_app.amazon.errors import AmazonNotConfigured, TransportError
from channels_app.amazon.models import AmazonIntegration


class Command(BaseCommand):
    help = "Pull Amazon's returns report now and match each return to an RMA."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seller", help="Only this seller id (default: every active one).")
        parser.add_argument(
            "--no-wait", action="store_true", help="Ask for the report and return at once."
        )
        parser.add_argument(
            "--interval", type=float, default=15.0, help="Seconds between looks at the report."
        )
        parser.add_argument(
            "--max-looks", type=int, default=40, help="Looks before leaving it to beat."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        integrations = AmazonIntegration.objects.filter(active=True).order_by("pk")
        if options["seller"]:
            integrations = integrations.filter(seller_id=options["seller"])
        if not integrations.exists():
            raise CommandError(
                "No active Amazon integration"
                + (f" for seller {options['seller']}" if options["seller"] else "")
                + "; add or activate one in the back office (Amazon integrations)."
            )
        failed = False
        for integration in integrations:
            try:
                self._pull(integration, options)
            except (TransportError, AmazonNotConfigured) as exc:
                failed = True
                self.stderr.write(f"FAIL {integration.seller_id}: {exc}")
        if failed:
            raise CommandError("Some returns pulls failed (above); fix and run again.")

    def _pull(self, integration: AmazonIntegration, options: dict[str, Any]) -> None:
        pulled = returns.advance(integration)
        assert pulled is not None
        self.stdout.write(f"{integration.seller_id}: {pulled.message}")
        looks = 0
        while pulled.status in returns.OPEN and not options["no_wait"]:
            if looks >= options["max_looks"]:
                self.stdout.write(f"{integration.seller_id}: still {pulled.status}; beat reads it.")
                return
            looks += 1
            if looks > 1:
                time.sleep(options["interval"])
            next_step = returns.advance(integration, request=False)
            assert next_step is not None
            pulled = next_step
            self.stdout.write(f"{integration.seller_id}: {pulled.message}")
        if pulled.status not in returns.OPEN:
            self.stdout.write(self.style.SUCCESS(f"OK {integration.seller_id}: {pulled.message}"))
