from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wms.inventory.reconcile import verify


class Command(BaseCommand):
    help = "Replay the touch ledger and prove the balances. Exit 0 when they agree, 1 when not."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=1000, help="List at most this many problems of each kind."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify(limit=options["limit"])
        if report.ok:
            self.stdout.write(report.summary())
            return
        for problem in report.problems:
            self.stderr.write(problem)
        raise CommandError(report.summary(), returncode=1)
