"""python manage.py rehearse_shopify [--url URL] — the whole Shopify flow against a simulator.

Without --url a simulator is started on an ephemeral port for the run. Prints one PASS/FAIL line
per step (channels_app/shopify/rehearsal.py) and exits non-zero when a step fails.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from channels_app.shopify import rehearsal
from channels_app.shopify.simulator import Simulator


class Command(BaseCommand):
    help = "Rehearse going live on Shopify against the simulator: one PASS/FAIL line per step."

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = Simulator.__init__.__kwdefaults__ or {}
        parser.add_argument("--url", default="", help="A running simulator (else one is started).")
        parser.add_argument("--shop-domain", default="", help="The simulator's shop domain.")
        parser.add_argument("--access-token", default=defaults.get("access_token"))
        parser.add_argument("--webhook-secret", default=defaults.get("webhook_secret"))

    def handle(self, *args: Any, **options: Any) -> None:
        started: Simulator | None = None
        url = options["url"]
        domain = options["shop_domain"]
        if not url:
            domain = f"rehearsal-{uuid.uuid4().hex[:8]}.myshopify.com"
            started = Simulator(
                shop_domain=domain,
                access_token=options["access_token"],
                webhook_secret=options["webhook_secret"],
            ).start()
            url = started.url
            self.stdout.write(f"Shopify simulator on {url} (shop {domain})")
        elif not domain:
            raise CommandError("With --url, pass --shop-domain (the simulator's shop domain).")
        try:
            with (
                rehearsal.our_web_server() as ours,
                rehearsal.simulator_env(
                    url, ours, options["access_token"], options["webhook_secret"]
                ),
            ):
                run = rehearsal.Rehearsal(
                    sim_url=url,
                    access_token=options["access_token"],
                    webhook_secret=options["webhook_secret"],
                    shop_domain=domain,
                    say=self.stdout.write,
                )
                passed = run.run_all(ours)
        finally:
            if started is not None:
                started.stop()
        if not passed:
            raise CommandError("Shopify rehearsal failed (see the FAIL line above).")
        self.stdout.write(self.style.SUCCESS(f"Shopify rehearsal passed: {len(run.steps)} steps."))
