"""Waves of pick work and their pick tasks: warehouse staff's, never a brand's."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from wms.accounts.models import Role
from wms.api.permissions import ReadAnyWriteRole, WarehouseStaffOnly, actor
from wms.api.picking_serializers import ConfirmIn, PickTaskOut, WaveIn, WaveOut
from wms.api.scanning import scan_context
from wms.catalog.identifiers import is_digits
from wms.layout.models import Warehouse
from wms.orders import fulfilment
from wms.orders.models import PickTask, Wave


class WaveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Waves of pick work. POST releases the most urgent reserved orders of a warehouse (supervisor)."""

    permission_classes = [WarehouseStaffOnly, ReadAnyWriteRole]
    write_role = Role.SUPERVISOR
    serializer_class = WaveOut
    queryset = Wave.objects.select_related("warehouse").prefetch_related(
        Prefetch(
            "tasks",
            queryset=PickTask.objects.select_related(
                "order", "item", "location", "lot", "from_container"
            ),
        )
    )

    @extend_schema(request=WaveIn, responses={201: WaveOut, 200: OpenApiTypes.OBJECT})
    def create(self, request: Request) -> Response:
        data = WaveIn(data=request.data)
        data.is_valid(raise_exception=True)
        wave = fulfilment.release_wave(actor=actor(request), **data.validated_data)
        if wave is None:
            return Response({"message": "No reserved orders are waiting at this warehouse."})
        return Response(WaveOut(wave).data, status=status.HTTP_201_CREATED)


class PickTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pick tasks in path order. Confirm by scans; fewer units than asked is a short pick."""

    permission_classes = [WarehouseStaffOnly, ReadAnyWriteRole]
    write_role = Role.OPERATOR
    serializer_class = PickTaskOut

    def get_queryset(self) -> QuerySet[PickTask]:
        qs = PickTask.objects.select_related("order", "item", "location", "lot", "from_container")
        params = self.request.query_params
        if wave := params.get("wave"):
            qs = qs.filter(wave_id=wave) if is_digits(wave) else qs.none()
        if st := params.get("state"):
            qs = qs.filter(state=st)
        return qs.order_by("wave_id", "sequence", "pk")

    @extend_schema(
        parameters=[OpenApiParameter("warehouse", OpenApiTypes.STR, required=True)],
        responses={200: PickTaskOut},
    )
    @action(detail=False, methods=["get"])
    def next(self, request: Request) -> Response:
        warehouse = Warehouse.objects.filter(code=request.query_params.get("warehouse", "")).first()
        if warehouse is None:
            raise serializers.ValidationError({"warehouse": ["Give the warehouse code."]})
        task = fulfilment.next_task(warehouse=warehouse, picker=actor(request))
        if task is None:
            return Response(
                {"message": "Nothing to pick. Ask a supervisor to release a wave."}, status=404
            )
        return Response(PickTaskOut(task).data)

    @extend_schema(request=ConfirmIn, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        data = ConfirmIn(data=request.data)
        data.is_valid(raise_exception=True)
        args = dict(data.validated_data)
        outcome = fulfilment.confirm_pick(
            scan_context(request, args), task=self.get_object(), **args
        )
        return Response(
            {
                "message": outcome.message,
                "replayed": bool(outcome.scan and outcome.scan.replayed),
                "task": PickTaskOut(outcome.task).data,
            }
        )
