"""python manage.py amazon_simulator --port 8765 — a local SP-API for rehearsals and demos.

Point the adapter at it with AMAZON_SP_API_URL=AMAZON_LWA_URL=http://127.0.0.1:8765 and the
credentials below in AMAZON_<NAME>_LWA_CLIENT_SECRET / AMAZON_<NAME>_REFRESH_TOKEN.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from channels_app.amazon.simulator import Credentials, Simulator


class Command(BaseCommand):
    help = (
        "Run the Amazon SP-API simulator (LWA, orders, listings, feeds, FBA inbound and "
        "inventory, /_sim controls)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = Credentials()
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--seller-id", default="A3SIMSELLER01")
        parser.add_argument("--client-id", default=defaults.client_id)
        parser.add_argument("--client-secret", default=defaults.client_secret)
        parser.add_argument("--refresh-token", default=defaults.refresh_token)
        parser.add_argument("--token-ttl", type=float, default=3600)

    def handle(self, *args: Any, **options: Any) -> None:
        sim = Simulator(
            host=options["host"],
            port=options["port"],
            seller_id=options["seller_id"],
            token_ttl=options["token_ttl"],
            credentials=Credentials(
                options["client_id"], options["client_secret"], options["refresh_token"]
            ),
        )
        self.stdout.write(f"Amazon SP-API simulator on {sim.url} (seller {options['seller_id']})")
        sim.serve()
