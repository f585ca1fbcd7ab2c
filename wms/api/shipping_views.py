"""Parcels (packed cartons, closed when weighed) and shipments with their tracking."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from wms.accounts.models import Role
from wms.api.order_serializers import OrderOut
from wms.api.permissions import ReadAnyWriteRole, WarehouseStaffOnly, actor, scope
from wms.api.shipping_serializers import CloseIn, ParcelOut, ShipmentOut
from wms.orders import fulfilment
from wms.orders.models import Parcel, Shipment


class ParcelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [WarehouseStaffOnly, ReadAnyWriteRole]
    write_role = Role.OPERATOR
    serializer_class = ParcelOut
    queryset = Parcel.objects.select_related("container")

    @extend_schema(request=CloseIn, responses={200: ParcelOut})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """Weigh and measure a packed carton; it can then ship."""
        data = CloseIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            ParcelOut(fulfilment.close_parcel(parcel=self.get_object(), **data.validated_data)).data
        )


class ShipmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Shipments with their parcels, tracking numbers and contents."""

    permission_classes = [ReadAnyWriteRole]
    write_role = Role.SUPERVISOR
    serializer_class = ShipmentOut

    def get_queryset(self) -> QuerySet[Shipment]:
        qs = Shipment.objects.select_related("order", "warehouse", "service").prefetch_related(
            "parcels__parcel__container"
        )
        return scope(qs, self.request.user, "order__client")

    @extend_schema(request=None, responses={200: OrderOut})
    @action(detail=True, methods=["post"])
    def delivered(self, request: Request, pk: str) -> Response:
        """Record delivery (until the carrier adapter reports it)."""
        order = fulfilment.mark_delivered(
            shipment=self.get_object(), owner=f"user:{actor(request).username}"
        )
        return Response(OrderOut(order).data)
