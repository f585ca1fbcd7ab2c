"""The carrier's webhook, and the "no carrier scan" list for staff and brands.

POST /channels/carrier/<name>/events/      one tracking event, signed (X-Carrier-Signature:
                                           sha256=<HMAC-SHA256 of the raw body>, shared secret
                                           CARRIER_<NAME>_WEBHOOK_SECRET); bad or missing → 401
                                           and nothing stored; a repeat → 200 "duplicate"
GET  /api/shipments/no-carrier-scan/?hours=N
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request

from channels_app.carrier import inbound, mapping, selectors
from channels_app.carrier.errors import CarrierNotConfigured, InvalidHours
from channels_app.carrier.models import CarrierAccount, CarrierLabel
from wms.api.permissions import scope

log = logging.getLogger(__name__)


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": code, "message": message, "fields": {}}, status=status)


@csrf_exempt
@require_POST
def tracking_webhook(request: HttpRequest, name: str) -> JsonResponse:
    account = CarrierAccount.objects.filter(name=name, active=True).first()
    if account is None:
        return _error(404, "unknown_carrier", f"No active carrier account is named {name!r}.")
    try:
        secret = account.secret("WEBHOOK_SECRET")
    except CarrierNotConfigured as exc:
        log.error("carrier webhook %s: %s", name, exc.message)
        # Our configuration, not the carrier's fault: it retries, and the event is not lost.
        return _error(503, "not_configured", "The webhook secret is not configured here yet.")
    raw = request.body
    if not mapping.signature_ok(secret, raw, request.headers.get(mapping.SIGNATURE_HEADER)):
        return _error(
            401,
            "bad_signature",
            f"{mapping.SIGNATURE_HEADER} is missing or does not match the body; sign the raw "
            "body with the shared secret (HMAC-SHA256, 'sha256=<hex>').",
        )
    try:
        body = json.loads(raw)
        event = mapping.event_from(body)
    except (ValueError, mapping.BadPayload) as exc:
        return _error(400, "bad_event", f"The event could not be read: {exc}")
    applied = inbound.apply_event(account=account, event=event, payload=body)
    return JsonResponse({"outcome": applied.outcome})


class AwaitingScanOut(serializers.ModelSerializer[CarrierLabel]):
    order = serializers.CharField(source="order.external_id")
    client = serializers.CharField(source="client.code")
    carton = serializers.CharField(source="parcel.container.barcode")
    carrier = serializers.CharField(source="account.carrier")
    service = serializers.CharField(source="carrier_service")
    order_state = serializers.CharField(source="order.state")

    class Meta:
        model = CarrierLabel
        fields = [
            "id",
            "tracking_number",
            "carrier",
            "service",
            "order",
            "order_state",
            "client",
            "carton",
            "bought_at",
        ]


class NoCarrierScanView(generics.ListAPIView[CarrierLabel]):
    """Labels created more than `hours` ago (default CARRIER_NO_SCAN_HOURS) that the carrier has
    not scanned since. Warehouse staff see every brand's; a brand user only its own."""

    serializer_class = AwaitingScanOut
    pagination_class = None

    def hours(self) -> float:
        raw = self.request.query_params.get("hours")
        if raw in (None, ""):
            return float(settings.CARRIER_NO_SCAN_HOURS)
        try:
            hours = float(raw)
        except ValueError:
            hours = -1
        if not hours > 0 or hours > 24 * 365:
            raise InvalidHours(
                f"hours must be a positive number of hours; you sent {raw!r}.", field="hours"
            )
        return hours

    def get_queryset(self) -> Any:
        return scope(selectors.without_carrier_scan(hours=self.hours()), self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter("hours", OpenApiTypes.NUMBER, description="Default 24.")]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)
