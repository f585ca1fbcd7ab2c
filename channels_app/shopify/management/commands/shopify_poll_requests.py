"""python manage.py shopify_poll_requests [--store DOMAIN] — answer lost fulfillment requests now.

What beat runs every few minutes (tasks.poll_requests): each active, registered store is asked for the
fulfillment and cancellation requests still assigned to us, and each is answered. Prints one line
per store with what was answered and which exceptions were recorded.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from channels_app.shopify import adapter
from channels_app.shopify.errors import ShopifyNotConfigured, TransportError


class Command(BaseCommand):
    help = "Ask Shopify for fulfillment requests whose callback was lost, and answer them now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", help="One store's shop domain (default: every active one).")

    def handle(self, *args: Any, **options: Any) -> None:
        stores = adapter.registered_stores()
        if options["store"]:
            stores = [s for s in stores if s.shop_domain == options["store"]]
            if not stores:
                raise CommandError(
                    f"No active, registered Shopify store {options['store']}: register the "
                    "fulfillment service first (it gives the store its location)."
                )
        if not stores:
            self.stdout.write("No active Shopify store is registered as our fulfillment service.")
            return
        failed = False
        for store in stores:
            try:
                answer = adapter.answer_open_requests(store)
            except (TransportError, ShopifyNotConfigured) as exc:
                failed = True
                self.stderr.write(f"{store.shop_domain}: not polled — {exc}; try again later.")
                continue
            outcomes = answer["outcomes"]
            line = f"{store.shop_domain}: {len(outcomes)} request(s) answered"
            if outcomes:
                line += " (" + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())) + ")"
            if answer["exceptions"]:
                line += f"; exceptions recorded: {answer['exceptions']}"
                if answer.get("message"):
                    line += f" — {answer['message']}"
            self.stdout.write(line)
        if failed:
            raise CommandError("Some stores could not be polled (see above).")
