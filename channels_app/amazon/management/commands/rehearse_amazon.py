"""python manage.py rehearse_amazon [--url http://127.0.0.1:8765] [--keep] — the whole Amazon flow
against the SP-API simulator (one is started on an ephemeral port when no URL is given): register
and activate an integration, go-live feed, import an order, pick/pack/ship it, confirm the
shipment, reconcile, FBA inbound plan. One PASS/FAIL line per step; exit status 1 on any FAIL.
The rehearsal's data is rolled back unless --keep."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from channels_app.amazon.rehearsal import rehearse


class Command(BaseCommand):
    help = "Rehearse the Amazon integration end to end against the SP-API simulator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", help="A running simulator (manage.py amazon_simulator).")
        parser.add_argument("--keep", action="store_true", help="Commit the rehearsal's data.")

    def handle(self, *args: Any, **options: Any) -> None:
        def line(step: str, ok: bool, detail: str) -> None:
            mark = self.style.SUCCESS("PASS") if ok else self.style.ERROR("FAIL")
            self.stdout.write(f"{mark} {step}: {detail}")

        if not rehearse(url=options["url"], out=line, keep=options["keep"]):
            raise CommandError("The Amazon rehearsal failed (see the FAIL lines above).")
        self.stdout.write("Amazon rehearsal: every step passed.")
