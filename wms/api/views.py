"""REST API views: scoping and permissions here, rules in the services."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from wms.accounts.models import Role
from wms.api import serializers as s
from wms.api.permissions import ReadAnyWriteRole, WarehouseStaffOnly, actor, scope
from wms.catalog import services as catalog
from wms.catalog.models import Client, Identifier, Item, PackLevel
from wms.catalog.selectors import resolve_barcode
from wms.inventory import selectors as inventory_reads
from wms.inventory.models import Balance, Touch
from wms.layout import services as layout
from wms.layout.models import Container, Location, Warehouse


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise serializers.ValidationError({name: [f"'{raw}' is not a number."]}) from None


class ClientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Brands the warehouse serves. A client user sees only its own."""

    serializer_class = s.ClientSerializer
    permission_classes = [ReadAnyWriteRole]
    write_role = Role.ADMIN

    def get_queryset(self) -> QuerySet[Client]:
        return scope(Client.objects.all(), self.request.user, "pk")


class ItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The item master. Items are never deleted (history points at them): set active=false."""

    permission_classes = [ReadAnyWriteRole]
    write_role = Role.ADMIN

    def get_queryset(self) -> QuerySet[Item]:
        qs = Item.objects.prefetch_related("pack_levels", "identifiers")
        qs = scope(qs, self.request.user)
        if (client := _int_param(self.request, "client")) is not None:
            qs = qs.filter(client_id=client)
        if sku := self.request.query_params.get("sku"):
            qs = qs.filter(sku=sku)
        return qs

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action in ("update", "partial_update"):
            return s.ItemUpdateSerializer
        return s.ItemSerializer

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        client, sku, description = data.pop("client"), data.pop("sku"), data.pop("description")
        serializer.instance = catalog.create_item(
            client=client, sku=sku, description=description, **data
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        assert serializer.instance is not None
        catalog.update_item(item=serializer.instance, **serializer.validated_data)

    @extend_schema(
        parameters=[
            OpenApiParameter("client", OpenApiTypes.INT, required=True),
            OpenApiParameter("value", OpenApiTypes.STR, required=True, description="The barcode"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"], url_path="resolve")
    def resolve(self, request: Request) -> Response:
        """Which item and pack level a scanned barcode names within a client."""
        user = actor(request)
        client = user.client_id if user.is_client_user else _int_param(request, "client")
        value = request.query_params.get("value", "")
        if client is None or not value:
            raise serializers.ValidationError(
                {"client": ["Give client (id) and value (the barcode)."]}
            )
        found = resolve_barcode(client_id=client, value=value)
        return Response(
            {
                "item": found.item.pk,
                "sku": found.item.sku,
                "pack_level": found.pack_level.level if found.pack_level else "each",
                "units": found.units,
            }
        )


class PackLevelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Each / inner / case with quantities, dimensions and weight. POST sets (creates or replaces)."""

    serializer_class = s.PackLevelSerializer
    permission_classes = [ReadAnyWriteRole]
    write_role = Role.ADMIN

    def get_queryset(self) -> QuerySet[PackLevel]:
        return scope(PackLevel.objects.all(), self.request.user, "item__client")

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = catalog.set_pack_level(**serializer.validated_data)


class IdentifierViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """UPC/EAN/GTIN, ASIN, FNSKU and channel SKUs. A colliding barcode is refused with 409."""

    serializer_class = s.IdentifierSerializer
    permission_classes = [ReadAnyWriteRole]
    write_role = Role.ADMIN

    def get_queryset(self) -> QuerySet[Identifier]:
        return scope(Identifier.objects.all(), self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = catalog.add_identifier(**serializer.validated_data)


class WarehouseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Warehouses (nodes). Creating one also creates its virtual locations."""

    serializer_class = s.WarehouseSerializer
    permission_classes = [ReadAnyWriteRole]
    write_role = Role.ADMIN
    queryset = Warehouse.objects.all()

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = layout.create_warehouse(**serializer.validated_data)


class LocationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Locations (warehouse staff only). Type and warehouse are fixed once created."""

    permission_classes = [WarehouseStaffOnly, ReadAnyWriteRole]
    write_role = Role.ADMIN

    def get_queryset(self) -> QuerySet[Location]:
        qs = Location.objects.all()
        if (wh := _int_param(self.request, "warehouse")) is not None:
            qs = qs.filter(warehouse_id=wh)
        if barcode := self.request.query_params.get("barcode"):
            qs = qs.filter(barcode=barcode)
        return qs

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action in ("update", "partial_update"):
            return s.LocationUpdateSerializer
        return s.LocationSerializer

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = layout.create_location(**serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        sellable = data.pop("sellable", None)
        assert serializer.instance is not None
        # The flag moves stock in or out of what channels may sell: through its service only.
        if sellable is not None:
            layout.set_sellable(location=serializer.instance, sellable=sellable)
        for name, value in data.items():
            setattr(serializer.instance, name, value)
        if data:
            serializer.instance.save(update_fields=list(data))


class ContainerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """License plates: pallets, totes, cartons (warehouse staff only)."""

    serializer_class = s.ContainerSerializer
    permission_classes = [WarehouseStaffOnly, ReadAnyWriteRole]
    write_role = Role.OPERATOR

    def get_queryset(self) -> QuerySet[Container]:
        qs = Container.objects.all()
        if barcode := self.request.query_params.get("barcode"):
            qs = qs.filter(barcode=barcode)
        return qs

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = layout.create_container(**serializer.validated_data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().create(request, *args, **kwargs)
        response.status_code = status.HTTP_201_CREATED
        return response


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
