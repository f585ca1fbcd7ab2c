"""python manage.py amazon_reconcile --seller A3... — Amazon's quantity against ours for every
listing now; beyond tolerance the listing is held; then the whole catalogue as one feed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from channels_app.amazon import catalogue, reconcile
from channels_app.amazon.doors import patient_client
from channels_app.amazon.management.commands._amazon import AmazonCommand


class Command(AmazonCommand):
    help = "Reconcile every Amazon listing now and send the corrected catalogue as one feed."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--no-wait", action="store_true")
        parser.add_argument("--poll-seconds", type=float, default=30.0)

    def handle(self, *args: Any, **options: Any) -> None:
        integration = self.integration(options)
        with patient_client(integration) as api:
            done = self.attempt(
                lambda: reconcile.reconcile_now(
                    integration, api=catalogue.borrowed(api), progress=self.say
                )
            )
            for line in done.reconciled.lines:
                if line.delta:
                    mark = "HELD " if line.msku in done.reconciled.held else ""
                    self.say(
                        f"  {mark}{line.msku}: Amazon {line.amazon_quantity}, ours "
                        f"{line.our_quantity} (Δ {line.delta:+d})"
                    )
            for msku in done.reconciled.missing:
                self.say(f"  MISSING {msku}: Amazon has no such listing")
            if options["no_wait"]:
                return
            outcome = self.attempt(
                lambda: catalogue.wait_for_feed(
                    integration,
                    done.sync.feed_id,
                    api=catalogue.borrowed(api),
                    poll_seconds=options["poll_seconds"],
                    progress=self.say,
                )
            )
        if outcome.status != "DONE":
            raise CommandError(f"Feed {done.sync.feed_id} ended {outcome.status}.")
        self.say(
            f"Reconciled {len(done.reconciled.lines)} listing(s); {len(done.reconciled.held)} "
            f"held now; feed {done.sync.feed_id} DONE with {len(outcome.errors)} refused."
        )
