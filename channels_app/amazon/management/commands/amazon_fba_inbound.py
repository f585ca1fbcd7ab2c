"""python manage.py amazon_fba_inbound --seller A3... --order FBA-7 — send a packed replenishment
order into FBA: inbound plan, packing, placement, transport and labels (Fulfillment Inbound
2024-03-20), step by step with progress; run it again to continue a plan that stopped."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from channels_app.amazon.doors import patient_client
from channels_app.amazon.fba import send_to_fba
from channels_app.amazon.management.commands._amazon import AmazonCommand
from channels_app.amazon.models import InboundPlan
from wms.orders.models import Order


class Command(AmazonCommand):
    help = "Plan a packed order's cartons into FBA through placement, transport and labels."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--order", required=True, help="The order's external id.")

    def handle(self, *args: Any, **options: Any) -> None:
        integration = self.integration(options)
        order = Order.objects.filter(
            client_id=integration.client_id, external_id=options["order"]
        ).first()
        if order is None:
            raise CommandError(
                f"No order {options['order']} of client {integration.client}: give the external "
                "id of a packed replenishment order."
            )
        try:
            with patient_client(integration) as api:
                plan = self.attempt(
                    lambda: send_to_fba(integration, order, api=api, progress=self.say)
                )
        except CommandError as exc:
            InboundPlan.objects.filter(order=order).update(problem=str(exc))
            raise
        self.say(f"Inbound plan {plan.inbound_plan_id}: {plan.step}.")
        for label in plan.labels:
            self.say(f"  FNSKU item labels: {label['uri']}")
        for label in plan.box_labels:
            self.say(f"  Box labels for {label['shipmentConfirmationId']}: {label['uri']}")
