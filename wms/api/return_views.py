"""Customer returns (RMAs): open, receive graded units, dispose of each."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from wms.accounts.models import Role
from wms.api.permissions import ReadAnyWriteRole, scope
from wms.api.return_serializers import (
    DisposeUnitIn,
    OpenReturnIn,
    ReturnOut,
    ReturnReceiveIn,
    ReturnUnitOut,
)
from wms.api.scanning import scan_context
from wms.inbound import services as inbound
from wms.inbound.models import Return


class ReturnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Customer returns (RMAs): receive graded units, then decide what becomes of each."""

    permission_classes = [ReadAnyWriteRole]
    write_role = Role.OPERATOR
    serializer_class = ReturnOut

    def get_queryset(self) -> QuerySet[Return]:
        qs = Return.objects.select_related("order", "warehouse").prefetch_related(
            "units__item", "units__location"
        )
        return scope(qs, self.request.user)

    @extend_schema(request=OpenReturnIn, responses={201: ReturnOut})
    def create(self, request: Request) -> Response:
        data = OpenReturnIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            ReturnOut(inbound.open_return(**data.validated_data)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ReturnReceiveIn, responses={201: ReturnUnitOut})
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str) -> Response:
        data = ReturnReceiveIn(data=request.data)
        data.is_valid(raise_exception=True)
        args = dict(data.validated_data)
        unit = inbound.receive_return_units(
            scan_context(request, args), ret=self.get_object(), **args
        )
        return Response(ReturnUnitOut(unit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DisposeUnitIn, responses={200: ReturnUnitOut})
    @action(detail=True, methods=["post"], url_path=r"units/(?P<unit_id>\d+)/dispose")
    def dispose(self, request: Request, pk: str, unit_id: str) -> Response:
        ret = self.get_object()
        unit = ret.units.filter(pk=unit_id).first()
        if unit is None:
            raise serializers.ValidationError(
                {"unit": [f"Return {ret.rma} has no unit {unit_id}."]}
            )
        data = DisposeUnitIn(data=request.data)
        data.is_valid(raise_exception=True)
        args = dict(data.validated_data)
        return Response(
            ReturnUnitOut(
                inbound.dispose_return_unit(scan_context(request, args), unit=unit, **args)
            ).data
        )
