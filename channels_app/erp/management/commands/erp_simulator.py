"""python manage.py erp_simulator --port 8767 — a local ERP for rehearsals and demos.

Point an integration at it with ERP_<NAME>_URL=http://127.0.0.1:8767 and ERP_<NAME>_TOKEN set to
the token below.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from channels_app.erp.simulator import TOKEN, ErpSimulator


class Command(BaseCommand):
    help = "Run the ERP simulator (item master, confirmations and snapshots, /_sim controls)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8767)
        parser.add_argument("--token", default=TOKEN)

    def handle(self, *args: Any, **options: Any) -> None:
        sim = ErpSimulator(host=options["host"], port=options["port"], token=options["token"])
        self.stdout.write(f"ERP simulator on {sim.url} (token {options['token']})")
        sim.serve()
