"""python manage.py amazon_fba_inventory --seller A3... — what Amazon's fulfillment centers hold
(getInventorySummaries, every page) beside what we publish, stored on each listing."""

from __future__ import annotations

from typing import Any

from channels_app.amazon.doors import patient_client
from channels_app.amazon.fba_inventory import fetch_fba_inventory
from channels_app.amazon.management.commands._amazon import AmazonCommand


class Command(AmazonCommand):
    help = "Fetch FBA inventory summaries and show them beside our quantities."

    def handle(self, *args: Any, **options: Any) -> None:
        integration = self.integration(options)
        with patient_client(integration) as api:
            found = self.attempt(
                lambda: fetch_fba_inventory(integration, api=api, progress=self.say)
            )
        self.say(
            f"{'MSKU':<24} {'ours':>6} {'FBA ok':>7} {'inbound':>8} {'reserved':>9} {'unfit':>6}"
        )
        for x in found.lines:
            self.say(
                f"{x.msku:<24} {x.ours:>6} {x.fulfillable:>7} {x.inbound:>8} {x.reserved:>9} "
                f"{x.unfulfillable:>6}"
            )
        for msku in found.unknown:
            self.say(f"Amazon holds {msku}, which is no listing of ours.")
        self.say(f"{len(found.lines)} listing(s) updated from {found.pages} page(s).")
