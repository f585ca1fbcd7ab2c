"""The item master over HTTP: clients (brands), items, pack levels and identifiers."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from wms.accounts.models import Role
from wms.api import catalog_serializers as s
from wms.api.params import int_param
from wms.api.permissions import ReadAnyWriteRole, actor, scope
from wms.catalog import services as catalog
from wms.catalog.models import Client, Identifier, Item, PackLevel
from wms.catalog.selectors import resolve_barcode


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
        if (client := int_param(self.request, "client")) is not None:
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
        client = user.client_id if user.is_client_user else int_param(request, "client")
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
