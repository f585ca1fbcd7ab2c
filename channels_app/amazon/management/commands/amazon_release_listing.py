"""python manage.py amazon_release_listing --seller A3... --msku NWO-TENT — the mismatch that held
the listing is explained: release it and publish its real quantity to Amazon at once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from channels_app.amazon import reconcile
from channels_app.amazon.doors import patient_client
from channels_app.amazon.management.commands._amazon import AmazonCommand
from channels_app.amazon.models import Listing


class Command(AmazonCommand):
    help = "Release a held Amazon listing and publish its quantity again."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--msku", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        integration = self.integration(options)
        listing = (
            Listing.objects.filter(integration=integration, msku=options["msku"])
            .select_related("item", "integration")
            .first()
        )
        if listing is None:
            raise CommandError(f"No listing {options['msku']} for seller {integration.seller_id}.")
        if not listing.held:
            raise CommandError(f"Listing {listing.msku} is not held; nothing to release.")
        reconcile.release_listing(listing=listing)
        self.say(f"Released {listing.msku}; its mismatch exception is resolved.")
        pushed = self.attempt(lambda: _publish(integration, listing))
        if pushed.rejected:
            raise CommandError(f"Released, but Amazon refused the quantity: {pushed.rejected}")
        self.say(f"Amazon now shows {pushed.sent[listing.msku]} × {listing.msku}.")


def _publish(integration: Any, listing: Listing) -> Any:
    with patient_client(integration) as api:
        return reconcile.publish_listing(listing=listing, api=api)
