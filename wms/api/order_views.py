"""Orders from every channel: import, read, hold/resume/cancel/address, pack and ship.

Scoping and roles here; every rule in the services. A brand's user reads its own orders.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from wms.accounts.models import Role
from wms.api.order_serializers import (
    AddressIn,
    CancelIn,
    DecisionOut,
    EventOut,
    HoldIn,
    OrderIn,
    OrderOut,
    PackOrderIn,
    ResumeIn,
    ShipOrderIn,
)
from wms.api.permissions import ReadAnyWriteRole, WarehouseStaffOnly, actor, scope
from wms.api.scanning import scan_context
from wms.api.shipping_serializers import ShipmentOut
from wms.layout.models import Warehouse
from wms.orders import fulfilment
from wms.orders import services as orders
from wms.orders.models import Order, Reservation


def reserved_units() -> Coalesce:
    """Units reserved for each order, as one subquery instead of one query per order."""
    per_order = (
        Reservation.objects.filter(line__order=OuterRef("pk"))
        .values("line__order")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(per_order), 0)


def _decision(decision: orders.Decision) -> Response:
    code = status.HTTP_409_CONFLICT if decision.outcome == "refused" else status.HTTP_200_OK
    return Response({"outcome": decision.outcome, "message": decision.message}, status=code)


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Orders from every channel. POST imports one; the same external id twice returns the first (200)."""

    permission_classes = [ReadAnyWriteRole]
    write_role = Role.SUPERVISOR
    serializer_class = OrderOut

    def get_queryset(self) -> QuerySet[Order]:
        qs = scope(
            Order.objects.select_related("warehouse", "service")
            .prefetch_related("lines__item")
            .annotate(reserved_units=reserved_units()),
            self.request.user,
        )
        params = self.request.query_params
        for name in ("state", "channel", "external_id"):
            if value := params.get(name):
                qs = qs.filter(**{name: value})
        if wh := params.get("warehouse"):
            qs = qs.filter(warehouse__code=wh)
        return qs

    @extend_schema(request=OrderIn, responses={201: OrderOut, 200: OrderOut})
    def create(self, request: Request) -> Response:
        data = OrderIn(data=request.data)
        data.is_valid(raise_exception=True)
        imported = orders.import_order(actor=actor(request), **data.validated_data)
        code = status.HTTP_201_CREATED if imported.created else status.HTTP_200_OK
        return Response(OrderOut(imported.order).data, status=code)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: str) -> Response:
        """Where the order is and why: every transition and decision, and each allocation's candidates."""
        order = self.get_object()
        return Response(
            {
                "order": order.external_id,
                "state": order.state,
                "events": EventOut(order.events.select_related("actor"), many=True).data,
                "allocation": [
                    {
                        "at": d.at,
                        "outcome": d.outcome,
                        "warehouses": d.warehouses,
                        "reason": d.reason,
                        "candidates": d.candidates,
                    }
                    for d in order.decisions.all()
                ],
                "exceptions": [
                    {
                        "kind": e.kind,
                        "detail": e.detail,
                        "owner": e.owner,
                        "resolved_at": e.resolved_at,
                    }
                    for e in order.exceptions.order_by("pk")
                ],
            }
        )

    @extend_schema(request=CancelIn, responses={200: DecisionOut, 409: DecisionOut})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        data = CancelIn(data=request.data)
        data.is_valid(raise_exception=True)
        return _decision(
            orders.cancel_order(
                order=self.get_object(), actor=actor(request), **data.validated_data
            )
        )

    @extend_schema(request=AddressIn, responses={200: DecisionOut, 409: DecisionOut})
    @action(detail=True, methods=["post"])
    def address(self, request: Request, pk: str) -> Response:
        data = AddressIn(data=request.data)
        data.is_valid(raise_exception=True)
        return _decision(
            orders.change_address(
                order=self.get_object(), actor=actor(request), **data.validated_data
            )
        )

    @extend_schema(request=HoldIn, responses={200: OrderOut})
    @action(detail=True, methods=["post"])
    def hold(self, request: Request, pk: str) -> Response:
        data = HoldIn(data=request.data)
        data.is_valid(raise_exception=True)
        order = orders.hold_order(
            order=self.get_object(), actor=actor(request), **data.validated_data
        )
        return Response(OrderOut(order).data)

    @extend_schema(request=ResumeIn, responses={200: OrderOut})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        """Back from a hold (deciding a waiting address change) or from an exception (re-allocate)."""
        data = ResumeIn(data=request.data)
        data.is_valid(raise_exception=True)
        order = orders.resume_order(
            order=self.get_object(), actor=actor(request), **data.validated_data
        )
        order.refresh_from_db()
        return Response(OrderOut(order).data)

    @extend_schema(request=PackOrderIn, responses={201: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], permission_classes=[WarehouseStaffOnly])
    def pack(self, request: Request, pk: str) -> Response:
        """Scan units from the order's tote into one of its cartons."""
        data = PackOrderIn(data=request.data)
        data.is_valid(raise_exception=True)
        args = dict(data.validated_data)
        result = fulfilment.pack_units(scan_context(request, args), order=self.get_object(), **args)
        return Response(
            {"message": result.message, "replayed": result.replayed},
            status=200 if result.replayed else 201,
        )

    @extend_schema(request=ShipOrderIn, responses={201: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], permission_classes=[WarehouseStaffOnly])
    def ship(self, request: Request, pk: str) -> Response:
        data = ShipOrderIn(data=request.data)
        data.is_valid(raise_exception=True)
        args = dict(data.validated_data)
        shipment = fulfilment.ship_order(
            scan_context(request, args), order=self.get_object(), **args
        )
        return Response(ShipmentOut(shipment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("warehouse", OpenApiTypes.STR, description="Warehouse code.")],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"], permission_classes=[WarehouseStaffOnly])
    def oversold(self, request: Request) -> Response:
        """Stock that fell below what is reserved, with the orders holding it (most urgent first)."""
        warehouse = None
        if code := request.query_params.get("warehouse"):
            warehouse = Warehouse.objects.filter(code=code).first()
            if warehouse is None:
                raise serializers.ValidationError({"warehouse": [f"No warehouse {code}."]})
        return Response(orders.oversold(warehouse=warehouse))

    @extend_schema(
        parameters=[
            OpenApiParameter("within_minutes", OpenApiTypes.INT, description="Default 120."),
            OpenApiParameter("warehouse", OpenApiTypes.STR, description="Warehouse code."),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"], url_path="at-risk")
    def at_risk(self, request: Request) -> Response:
        """Open orders due within the window (or overdue), soonest first, with minutes left."""
        try:
            within = min(
                max(int(request.query_params.get("within_minutes", "120")), 0), 60 * 24 * 60
            )
        except ValueError:
            raise serializers.ValidationError(
                {"within_minutes": ["A whole number of minutes."]}
            ) from None
        warehouse = None
        if code := request.query_params.get("warehouse"):
            warehouse = Warehouse.objects.filter(code=code).first()
            if warehouse is None:
                raise serializers.ValidationError({"warehouse": [f"No warehouse {code}."]})
        mine = set(self.get_queryset().values_list("pk", flat=True))
        rows = orders.at_risk(within=dt.timedelta(minutes=within), warehouse=warehouse)
        return Response(
            [
                {
                    "order": r["order"].external_id,
                    "id": r["order"].pk,
                    "state": r["state"],
                    "warehouse": r["order"].warehouse.code if r["order"].warehouse else None,
                    "due_at": r["due_at"],
                    "minutes_left": r["minutes_left"],
                }
                for r in rows
                if r["order"].pk in mine
            ]
        )
