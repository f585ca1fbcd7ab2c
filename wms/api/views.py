"""REST API views of the inventory: balances and the touch ledger.

Scoping and permissions here, rules in the services. The item master is in catalog_views, the
layout in layout_views (both re-exported here).
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets

from wms.api import serializers as s
from wms.api.catalog_views import (  # noqa: F401 - re-exported: views.py held them before
    ClientViewSet,
    IdentifierViewSet,
    ItemViewSet,
    PackLevelViewSet,
)
from wms.api.layout_views import (  # noqa: F401 - re-exported
    ContainerViewSet,
    LocationViewSet,
    WarehouseViewSet,
)
from wms.api.params import int_param as _int_param
from wms.api.permissions import ReadAnyWriteRole, scope
from wms.inventory import selectors as inventory_reads
from wms.inventory.models import Balance, Touch

_BALANCE_FILTERS = {  # query parameter → keyword of inventory selectors.balances
    "client": "client_id",
    "item": "item_id",
    "location": "location_id",
    "container": "container_id",
    "warehouse": "warehouse_id",
}


@extend_schema(
    parameters=[
        *(OpenApiParameter(name, OpenApiTypes.INT) for name in _BALANCE_FILTERS),
        OpenApiParameter("sku", OpenApiTypes.STR),
        OpenApiParameter("status", OpenApiTypes.STR),
        OpenApiParameter(
            "include_virtual", OpenApiTypes.BOOL, description="Include supplier/customer/… rows."
        ),
        OpenApiParameter("include_zero", OpenApiTypes.BOOL, description="Include empty buckets."),
    ]
)
class BalanceViewSet(viewsets.ReadOnlyModelViewSet):
    """Stock per bucket (item, lot, location, container, status), derived from the ledger."""

    serializer_class = s.BalanceSerializer
    permission_classes = [ReadAnyWriteRole]

    def get_queryset(self) -> QuerySet[Balance]:
        params = self.request.query_params
        rows = inventory_reads.balances(
            **{field: _int_param(self.request, param) for param, field in _BALANCE_FILTERS.items()},
            sku=params.get("sku", ""),
            status=params.get("status", ""),
            include_virtual=params.get("include_virtual") in ("1", "true"),
            include_zero=params.get("include_zero") in ("1", "true"),
        )
        return scope(rows, self.request.user)


@extend_schema(
    parameters=[
        OpenApiParameter("item", OpenApiTypes.INT),
        OpenApiParameter("kind", OpenApiTypes.STR),
        OpenApiParameter("reference", OpenApiTypes.STR),
        OpenApiParameter("scan", OpenApiTypes.UUID),
    ]
)
class TouchViewSet(viewsets.ReadOnlyModelViewSet):
    """The ledger, newest first. Touches are created only through the scan endpoints."""

    serializer_class = s.TouchSerializer
    permission_classes = [ReadAnyWriteRole]

    def get_queryset(self) -> QuerySet[Touch]:
        request = self.request
        qs = scope(Touch.objects.select_related("item", "actor"), request.user)
        if (item := _int_param(request, "item")) is not None:
            qs = qs.filter(item_id=item)
        if kind := request.query_params.get("kind"):
            qs = qs.filter(kind=kind)
        if ref := request.query_params.get("reference"):
            qs = qs.filter(reference=ref)
        if scan := request.query_params.get("scan"):
            try:
                qs = qs.filter(scan_id=uuid.UUID(scan))
            except ValueError:
                raise serializers.ValidationError(
                    {"scan": [f"'{scan}' is not a scan id (UUID)."]}
                ) from None
        return qs
