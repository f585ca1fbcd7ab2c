"""The floor's layout over HTTP: warehouses, locations and containers (license plates)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from wms.accounts.models import Role
from wms.api import layout_serializers as s
from wms.api.params import int_param
from wms.api.permissions import ReadAnyWriteRole, WarehouseStaffOnly
from wms.layout import services as layout
from wms.layout.models import Container, Location, Warehouse


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
        if (wh := int_param(self.request, "warehouse")) is not None:
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
