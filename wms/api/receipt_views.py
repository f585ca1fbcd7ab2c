"""Expected receipts (ASN / PO): create, receive against, complete, where to put away."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from wms.accounts.models import Role
from wms.api.permissions import ReadAnyWriteRole, WarehouseStaffOnly, actor, scope
from wms.api.receipt_serializers import ReceiptIn, ReceiptOut, ReceiveAgainstIn
from wms.api.scanning import scan_context
from wms.catalog.models import Item
from wms.errors import NotPermitted
from wms.inbound import services as inbound
from wms.inbound.models import ExpectedReceipt


class ReceiptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Expected receipts (ASN / PO): receive against them with over/under tolerance."""

    permission_classes = [ReadAnyWriteRole]
    write_role = Role.OPERATOR
    serializer_class = ReceiptOut

    def get_queryset(self) -> QuerySet[ExpectedReceipt]:
        return scope(
            ExpectedReceipt.objects.select_related("warehouse").prefetch_related("lines__item"),
            self.request.user,
        )

    @extend_schema(request=ReceiptIn, responses={201: ReceiptOut})
    def create(self, request: Request) -> Response:
        if not actor(request).has_role(Role.SUPERVISOR):
            raise NotPermitted("Creating an expected receipt needs a supervisor.")
        data = ReceiptIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            ReceiptOut(inbound.create_receipt(**data.validated_data)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ReceiveAgainstIn, responses={201: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str) -> Response:
        data = ReceiveAgainstIn(data=request.data)
        data.is_valid(raise_exception=True)
        args = dict(data.validated_data)
        result = inbound.receive_against(
            scan_context(request, args), receipt=self.get_object(), **args
        )
        return Response(
            {
                "message": result.scan.message,
                "replayed": result.scan.replayed,
                "received": result.received,
                "expected": result.expected,
                "warning": result.warning,
            },
            status=status.HTTP_200_OK if result.scan.replayed else status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: ReceiptOut})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        return Response(
            ReceiptOut(
                inbound.complete_receipt(receipt=self.get_object(), actor=actor(request))
            ).data
        )

    @extend_schema(
        parameters=[OpenApiParameter("sku", OpenApiTypes.STR, required=True)],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], permission_classes=[WarehouseStaffOnly])
    def putaway(self, request: Request, pk: str) -> Response:
        """Where to put this receipt's units of a SKU: its pick face first, then empty storage."""
        receipt = self.get_object()
        item = Item.objects.filter(
            client=receipt.client, sku=request.query_params.get("sku", "")
        ).first()
        if item is None:
            raise serializers.ValidationError({"sku": ["Give a SKU of this receipt's client."]})
        line = receipt.lines.filter(item=item).first()
        try:
            quantity = int(
                request.query_params.get("quantity") or max(1, line.received if line else 1)
            )
        except ValueError:
            raise serializers.ValidationError({"quantity": ["A whole number of units."]}) from None
        places = inbound.suggest_putaway(item=item, warehouse=receipt.warehouse, quantity=quantity)
        return Response([{"id": loc.pk, "code": loc.code, "type": loc.type} for loc in places])
