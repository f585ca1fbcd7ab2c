"""python manage.py shopify_simulator --port 8766 — a local Shopify Admin API for rehearsals.

Point the adapter at it with SHOPIFY_ADMIN_URL=http://127.0.0.1:8766 and the token and secret
below in SHOPIFY_<NAME>_ACCESS_TOKEN / SHOPIFY_<NAME>_WEBHOOK_SECRET.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from channels_app.shopify.simulator import Simulator


class Command(BaseCommand):
    help = (
        "Run the Shopify Admin GraphQL simulator (fulfillment service, inventory, /_sim controls)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = Simulator.__init__.__kwdefaults__ or {}
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8766)
        parser.add_argument("--shop-domain", default=defaults.get("shop_domain"))
        parser.add_argument("--access-token", default=defaults.get("access_token"))
        parser.add_argument("--webhook-secret", default=defaults.get("webhook_secret"))
        parser.add_argument(
            "--plan",
            default="standard",
            choices=["standard", "advanced", "plus", "enterprise"],
            help="The store's plan: its query-cost bucket and restore rate (simulator/cost.py).",
        )
        parser.add_argument(
            "--webhook-url",
            default="http://127.0.0.1:8000/channels/shopify/webhooks/",
            help="Where webhooks (orders/create, orders/cancelled, …) are sent.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sim = Simulator(
            host=options["host"],
            port=options["port"],
            shop_domain=options["shop_domain"],
            access_token=options["access_token"],
            webhook_secret=options["webhook_secret"],
            plan=options["plan"],
            webhook_url=options["webhook_url"],
        )
        self.stdout.write(
            f"Shopify Admin API simulator on {sim.url} (shop {options['shop_domain']})"
        )
        try:
            sim.server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            sim.server.server_close()
