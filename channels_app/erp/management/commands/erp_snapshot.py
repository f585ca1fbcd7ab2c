"""python manage.py erp_snapshot [--client NWO] — queue inventory snapshots to the ERPs now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from channels_app.erp import adapter
from wms.catalog.models import Client


class Command(BaseCommand):
    help = "Queue an inventory snapshot (per SKU on hand / available) to each client's ERP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client", help="Client code; every ERP client when left out.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["client"]:
            n = adapter.queue_all_snapshots()
            self.stdout.write(f"{n} snapshot deliveries queued.")
            return
        client = Client.objects.filter(code=options["client"]).first()
        if client is None:
            raise CommandError(f"No client {options['client']}.")
        queued = adapter.queue_snapshot(client)
        if not queued:
            raise CommandError(f"{client.code} has no active ERP integration.")
        self.stdout.write(
            f"{client.code}: snapshot queued to {', '.join(m.destination for m in queued)}."
        )
