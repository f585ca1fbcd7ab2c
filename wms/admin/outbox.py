"""Back office: where each event is on its way, and delivery exceptions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from wms.admin._common import ReadOnlyAdmin
from wms.outbox import queue as outbox
from wms.outbox.models import DeliveryException, OutboxMessage, OutboxState


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Where each event is on its way to each destination, and why it is stuck."""

    list_display = (
        "id",
        "kind",
        "destination",
        "client",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("state", "kind", "destination")
    search_fields = ("idempotency_key", "listing", "event__order__external_id")
    actions = ["retry_now"]

    @admin.action(description="Retry now (dead or waiting messages)")
    def retry_now(self, request: HttpRequest, queryset: Any) -> None:
        done = 0
        for message in queryset.filter(state__in=[OutboxState.DEAD, OutboxState.PENDING]):
            outbox.retry(message)
            done += 1
        self.message_user(request, f"{done} message(s) will be sent again now.")


@admin.register(DeliveryException)
class DeliveryExceptionAdmin(ReadOnlyAdmin):
    list_display = ("message", "order", "owner", "created_at", "resolved_at", "detail")
    list_filter = ("owner", "kind")
