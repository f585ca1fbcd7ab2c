"""python manage.py amazon_connect --client NWO --seller A3... --lwa-client-id ... --secrets-name NWO
--service UPS_GROUND — register (or re-activate) a brand's Amazon integration and go live: every
listed SKU's quantity goes to Amazon once, as one JSON_LISTINGS_FEED, and the command waits for
Amazon's processing report (unless --no-wait)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from channels_app.amazon import catalogue, integrations
from channels_app.amazon.doors import patient_client
from channels_app.amazon.management.commands._amazon import AmazonCommand
from wms.catalog.models import Client
from wms.orders.models import CarrierService


class Command(AmazonCommand):
    help = "Register or re-activate an Amazon integration and send the go-live catalogue feed."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--marketplace", action="append", default=None)
        parser.add_argument("--lwa-client-id", required=True)
        parser.add_argument("--secrets-name", required=True)
        parser.add_argument("--service", required=True, help="Default carrier service code.")
        parser.add_argument("--ship-from-phone", default="")
        parser.add_argument("--tolerance", type=int, default=0)
        parser.add_argument("--no-wait", action="store_true")
        parser.add_argument("--poll-seconds", type=float, default=30.0)

    def handle(self, *args: Any, **options: Any) -> None:
        client = Client.objects.filter(code=options["client"] or "").first()
        if client is None:
            raise CommandError(f"No client with code {options['client']!r}: give --client CODE.")
        service = CarrierService.objects.filter(code=options["service"]).first()
        if service is None:
            raise CommandError(f"No carrier service {options['service']!r}: give --service CODE.")
        integration, went_live = self.attempt(
            lambda: integrations.connect(
                client=client,
                seller_id=options["seller"],
                marketplace_ids=options["marketplace"] or ["ATVPDKIKX0DER"],
                lwa_client_id=options["lwa_client_id"],
                secrets_name=options["secrets_name"],
                default_service=service,
                ship_from_phone=options["ship_from_phone"],
                reconcile_tolerance=options["tolerance"],
            )
        )
        state = "now active" if went_live else "was active already; catalogue sent again"
        self.say(f"Integration {integration} {state} (logged in to Amazon).")
        run_sync(self, integration, "go-live", options)


def run_sync(cmd: AmazonCommand, integration: Any, cause: str, options: dict[str, Any]) -> None:
    """One catalogue feed, then (unless --no-wait) its processing report, with progress."""
    with patient_client(integration) as api:
        sync = cmd.attempt(
            lambda: catalogue.sync_catalogue(
                integration, cause=cause, api=catalogue.borrowed(api), progress=cmd.say
            )
        )
        if options.get("no_wait"):
            cmd.say(f"Feed {sync.feed_id}: its report is read by the feed poller (Celery beat).")
            return
        outcome = cmd.attempt(
            lambda: catalogue.wait_for_feed(
                integration,
                sync.feed_id,
                api=catalogue.borrowed(api),
                poll_seconds=options["poll_seconds"],
                progress=cmd.say,
            )
        )
    for issue in outcome.errors:
        cmd.say(f"  ERROR {issue.msku or '(feed)'}: {issue.code} {issue.message}")
    if outcome.status != "DONE":
        raise CommandError(f"Feed {sync.feed_id} ended {outcome.status}: nothing was applied.")
    cmd.say(
        f"Feed {sync.feed_id} DONE: {len(outcome.accepted)} of {len(sync.sent)} listing(s) "
        f"accepted, {len(outcome.errors)} refused (each an Amazon exception in the back office)."
    )
