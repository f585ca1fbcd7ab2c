"""python manage.py carrier_simulator --port 8766 — a local parcel carrier for rehearsals.

Point the adapter at it with CARRIER_API_URL=http://127.0.0.1:8766, CARRIER_<NAME>_API_KEY and
CARRIER_<NAME>_WEBHOOK_SECRET set to the values below, and --webhook-url at our webhook
(http://127.0.0.1:8000/channels/carrier/<name>/events/).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from channels_app.carrier.simulator import API_KEY, WEBHOOK_SECRET, CarrierSimulator


class Command(BaseCommand):
    help = "Run the carrier simulator (rates, labels, void, tracking; events to our webhook)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8766)
        parser.add_argument("--api-key", default=API_KEY)
        parser.add_argument("--webhook-secret", default=WEBHOOK_SECRET)
        parser.add_argument("--webhook-url", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        sim = CarrierSimulator(
            host=options["host"],
            port=options["port"],
            api_key=options["api_key"],
            webhook_secret=options["webhook_secret"],
        )
        sim.state.webhook_url = options["webhook_url"]
        self.stdout.write(f"Carrier simulator on {sim.url} (API key {options['api_key']})")
        sim.serve()
