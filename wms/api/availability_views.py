"""Available-to-promise: what a brand may sell of an item per warehouse, and what a channel was told."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from wms.api.permissions import ReadAnyWriteRole, scope
from wms.catalog.models import Channel, Item
from wms.inventory.availability import atp_by_warehouse
from wms.inventory.models import ChannelAvailability
from wms.layout.models import Warehouse


class AtpViewSet(viewsets.ViewSet):
    """Available-to-promise per warehouse for an item and channel, and what the channel was told."""

    permission_classes = [ReadAnyWriteRole]

    @extend_schema(
        parameters=[
            OpenApiParameter("item", OpenApiTypes.INT, required=True),
            OpenApiParameter("channel", OpenApiTypes.STR, required=True),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def list(self, request: Request) -> Response:
        channel = request.query_params.get("channel", "")
        if channel not in Channel.values:
            raise serializers.ValidationError({"channel": [f"One of {', '.join(Channel.values)}."]})
        try:
            item_id = int(request.query_params.get("item", ""))
        except ValueError:
            raise serializers.ValidationError({"item": ["An item id (number)."]}) from None
        item = scope(Item.objects.all(), request.user).filter(pk=item_id).first()
        if item is None:
            raise serializers.ValidationError({"item": [f"No item {item_id}."]})
        per_node = atp_by_warehouse(item_id=item.pk, client_id=item.client_id, channel=channel)
        codes = dict(Warehouse.objects.filter(pk__in=per_node).values_list("pk", "code"))
        told = (
            ChannelAvailability.objects.filter(item=item, channel=channel)
            .values_list("quantity", flat=True)
            .first()
        )
        return Response(
            {
                "item": item.pk,
                "sku": item.sku,
                "channel": channel,
                "warehouses": {codes[w]: n for w, n in sorted(per_node.items())},
                "published": told if told is None or told >= 0 else None,
            }
        )
