"""The outbox for integration engineers: where is this event, and why is it stuck.

Warehouse staff read it (a brand's user does not: destinations and errors are the 3PL's plumbing);
an admin retries a dead message once the cause is fixed.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from wms.accounts.models import Role
from wms.api.permissions import ReadAnyWriteRole, WarehouseStaffOnly
from wms.outbox import queue
from wms.outbox.models import DeliveryException, OutboxMessage


class ExceptionOut(serializers.ModelSerializer[DeliveryException]):
    class Meta:
        model = DeliveryException
        fields = ["id", "kind", "owner", "detail", "created_at", "resolved_at"]


class OutboxMessageOut(serializers.ModelSerializer[OutboxMessage]):
    client = serializers.CharField(source="client.code", read_only=True)
    order = serializers.CharField(source="event.order.external_id", default=None, read_only=True)
    exceptions = ExceptionOut(many=True, read_only=True)

    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "destination",
            "kind",
            "client",
            "order",
            "event",
            "listing",
            "state",
            "attempts",
            "next_attempt_at",
            "last_error",
            "claimed_by",
            "lease_until",
            "idempotency_key",
            "version",
            "delivered_version",
            "coalesced",
            "payload",
            "created_at",
            "delivered_at",
            "exceptions",
        ]


FILTERS = {
    "state": "state",
    "destination": "destination",
    "kind": "kind",
    "client": "client__code",
    "order": "event__order__external_id",
}


@extend_schema(
    parameters=[OpenApiParameter(name, str, required=False) for name in FILTERS],
)
class OutboxMessageViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Every delivery with its state, attempts and last error; `?state=dead` is the dead-letter list."""

    permission_classes = [WarehouseStaffOnly, ReadAnyWriteRole]
    write_role = Role.ADMIN
    serializer_class = OutboxMessageOut

    def get_queryset(self) -> QuerySet[OutboxMessage]:
        qs = OutboxMessage.objects.select_related("client", "event__order").prefetch_related(
            "exceptions"
        )
        for param, field in FILTERS.items():
            value = self.request.query_params.get(param)
            if value:
                qs = qs.filter(**{field: value})
        return qs

    @extend_schema(request=None, responses={200: OutboxMessageOut})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        """Send a dead (or waiting) message again now, attempts counted afresh."""
        message = queue.retry(self.get_object())
        return Response(OutboxMessageOut(message).data)
