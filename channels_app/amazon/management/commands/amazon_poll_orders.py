"""python manage.py amazon_poll_orders --seller A3SIMSELLER01 [--restart-window] — poll now.

Runs the order poll of one integration (or of every active one) here and now, until its backlog
is drained, one line per budget-bounded run: pages, orders seen, whether more follows. It takes
the same lock as the beat's polls (a poll already running makes this one say so and stop), resumes
from the saved page, and records or closes the integration's sync failure as they do.
``--restart-window`` drops the saved paging first: the window is paged again from the cursor
(orders already imported are recognised and skipped).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from channels_app.amazon import tasks
from channels_app.amazon.errors import AmazonNotConfigured, TransportError
from channels_app.amazon.models import AmazonIntegration


class Command(BaseCommand):
    help = "Poll Amazon orders now for one integration (--seller) or every active one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seller", help="Seller id of the integration (default: all active).")
        parser.add_argument(
            "--restart-window",
            action="store_true",
            help="Forget the saved NextToken and page the current window again from its start.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        found = AmazonIntegration.objects.filter(active=True).order_by("pk")
        if options["seller"]:
            found = found.filter(seller_id=options["seller"])
        integrations = list(found)
        if not integrations:
            which = f" for seller {options['seller']}" if options["seller"] else ""
            raise CommandError(
                f"No active Amazon integration{which}: add or activate one in the back office "
                "(Amazon integrations)."
            )
        for integration in integrations:
            if options["restart_window"]:
                AmazonIntegration.objects.filter(pk=integration.pk).update(orders_paging={})
                integration.orders_paging = {}
            self.stdout.write(f"Amazon seller {integration.seller_id}:")
            try:
                runs = tasks.poll_orders_now(integration, progress=self._line)
            except (TransportError, AmazonNotConfigured) as exc:
                raise CommandError(f"order poll failed: {exc}") from exc
            if not runs[-1].get("busy"):
                self.stdout.write(
                    self.style.SUCCESS("  done: the order window is polled to its end.")
                )

    def _line(self, outcome: dict[str, Any]) -> None:
        if outcome.get("busy"):
            self.stdout.write("  another poll of this integration is running; it goes on there.")
            return
        more = " — more to come, going on from the saved page" if outcome["more"] else ""
        self.stdout.write(f"  {outcome['pages']} page(s), {outcome['orders']} order(s){more}")
