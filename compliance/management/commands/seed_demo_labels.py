"""The demo's label station: run by `make run` after `seed_demo` (the core's demo, which knows
nothing of compliance: wms never imports it — docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from compliance.models import Printer, RuleSet, SsccSeries
from compliance.station_desk import LABEL_CLERKS
from wms.accounts.models import Role, User
from wms.catalog.models import Client


class Command(BaseCommand):
    help = (
        "Load the demo's label station: a desk printer, pack-station printers, GS1 prefixes for "
        "SSCCs and a retailer's routing guide (run after seed_demo; skipped if already loaded)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if Printer.objects.filter(station="LABEL-DESK").exists():
            if not options["quiet"]:
                self.stdout.write("Demo label station already loaded (printer LABEL-DESK exists).")
            return
        clients = {c.code: c for c in Client.objects.filter(code__in=["NWO", "BBB"])}
        if "NWO" not in clients:
            raise CommandError("No demo brand NWO: run `python manage.py seed_demo` first.")
        with transaction.atomic():
            self._label_station(clients["NWO"])
            self._label_clerk()
        self.stdout.write(
            "Demo label station loaded: 5 printers, 2 SSCC series, 1 routing guide, and the label "
            "clerk `labels` / `labels-demo` (the station: /station/)."
        )

    def _label_clerk(self) -> None:
        """A floor operator in the Label clerks group: the label station is theirs (and
        supervisors'), not every operator's."""
        demo_password = "labels-demo"  # noqa: S105 - the demo's published login (README)
        clerk = User.objects.filter(username="labels").first() or User.objects.create_user(
            username="labels", password=demo_password, role=Role.OPERATOR
        )
        clerk.groups.add(Group.objects.get_or_create(name=LABEL_CLERKS)[0])

    def _label_station(self, northwind: Client) -> None:
        """A desk printer (PDF), GS1 prefixes for SSCCs, and a retailer's routing guide for EDI."""
        Printer.objects.create(station="LABEL-DESK", name="Office laser", kind="pdf")
        # The pack stations' printers: PDF in the demo (no Zebra on the network), so the print
        # audit offers each carton label for download.
        for i in range(1, 5):
            Printer.objects.create(station=f"PACK-{i:02d}", name="Pack printer", kind="pdf")
        SsccSeries.objects.create(company_prefix="0861234", client=northwind)
        SsccSeries.objects.create(company_prefix="0614141", extension_digit=1)  # the 3PL's own
        guide = RuleSet.objects.create(
            code="BIGRETAIL-2026",
            name="Big Retail routing guide",
            kind="retailer",
            channel="edi",
            max_carton_weight_g=22_700,
            max_carton_length_mm=610,
            max_carton_width_mm=460,
            max_carton_height_mm=460,
            max_pallet_height_mm=1_830,
            sscc_required=True,
            carton_labels=["sscc_carton"],
            mixed_sku_cartons=False,
            asn_deadline_minutes=30,
            uom_must_match_po=True,
        )
        guide.clients.add(northwind)
