"""REST API for the label station, ASN timing, pallet measures and chargebacks.

Thin views: rules and rendering live in the compliance services. The station and ASN watch are
warehouse staff's; a brand's user reads its own chargebacks and their evidence.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from compliance import asn, enforce, printing, station
from compliance.chargebacks import evidence, record_chargeback
from compliance.dispute import dispute_pack
from compliance.models import Chargeback, ChargebackCategory, Printer, PrintJob, RuleSet
from compliance.views import job_content
from wms.accounts.models import Role
from wms.api.permissions import ReadAnyWriteRole, WarehouseStaffOnly, actor, scope
from wms.catalog.models import Client, Item
from wms.layout.models import Container, Location
from wms.orders.models import Order, Parcel, Shipment


class PrinterOut(serializers.ModelSerializer):
    class Meta:
        model = Printer
        fields = ["id", "station", "name", "kind", "host", "port", "dpi", "active"]


class PrintJobOut(serializers.ModelSerializer):
    printer = serializers.CharField(source="printer.__str__")
    requested_by = serializers.CharField(source="requested_by.username")
    downloaded_by = serializers.CharField(source="downloaded_by.username", default=None)
    container = serializers.CharField(source="container.barcode", default=None)
    order = serializers.CharField(source="order.external_id", default=None)

    class Meta:
        model = PrintJob
        fields = [
            "id",
            "label",
            "printer",
            "state",
            "error",
            "attempts",
            "requested_by",
            "container",
            "order",
            "sscc",
            "subject",
            "reprint_of",
            "created_at",
            "sent_at",
            "downloaded_by",
        ]


LABELS = [
    "sscc_carton",
    "sscc_pallet",
    "fnsku",
    "packing_slip",
    "shipping_label",
    "location",
    "license_plate",
    "item",
    "fba_box",
]


class PrintIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LABELS, help_text="Which label to print.")
    printer = serializers.PrimaryKeyRelatedField(queryset=Printer.objects.filter(active=True))
    parcel = serializers.PrimaryKeyRelatedField(
        queryset=Parcel.objects.all(), required=False, allow_null=True, default=None
    )
    order = serializers.PrimaryKeyRelatedField(
        queryset=Order.objects.all(), required=False, allow_null=True, default=None
    )
    item = serializers.PrimaryKeyRelatedField(
        queryset=Item.objects.all(), required=False, allow_null=True, default=None
    )
    location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.all(), required=False, allow_null=True, default=None
    )
    container = serializers.PrimaryKeyRelatedField(
        queryset=Container.objects.all(), required=False, allow_null=True, default=None
    )
    quantity = serializers.IntegerField(min_value=1, max_value=3000, default=1)
    fba_shipment = serializers.RegexField(
        r"^[A-Za-z0-9-]{1,40}$",
        required=False,
        default="",
        help_text="For fba_box: the FBA shipment's Amazon shipment ID or confirmation ID (FBA…).",
    )


class PrinterViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [WarehouseStaffOnly]
    serializer_class = PrinterOut
    queryset = Printer.objects.filter(active=True).order_by("station", "name")


class PrintJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The print queue and its audit: who printed what, when, for which carton or order."""

    permission_classes = [WarehouseStaffOnly]
    serializer_class = PrintJobOut

    def get_queryset(self) -> QuerySet[PrintJob]:
        qs = PrintJob.objects.select_related(
            "printer", "requested_by", "downloaded_by", "container", "order"
        ).order_by("-pk")
        params = self.request.query_params
        if st := params.get("state"):
            qs = qs.filter(state=st)
        if code := params.get("station"):
            qs = qs.filter(printer__station=code)
        if barcode := params.get("container"):
            qs = qs.filter(container__barcode=barcode)
        return qs

    @extend_schema(request=PrintIn, responses={201: PrintJobOut})
    def create(self, request: Request) -> Response:
        """Render a label for a parcel, order, item, location or license plate and queue it."""
        data = PrintIn(data=request.data)
        data.is_valid(raise_exception=True)
        args = dict(data.validated_data)
        job = printing.print_label(label=args.pop("kind"), actor=actor(request), **args)
        return Response(PrintJobOut(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: PrintJobOut})
    @action(detail=True, methods=["post"])
    def reprint(self, request: Request, pk: str) -> Response:
        job = station.reprint(job=self.get_object(), actor=actor(request))
        return Response(PrintJobOut(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def content(self, request: Request, pk: str) -> HttpResponse:
        """The label's bytes, to look at: reading it does not mark it printed."""
        return job_content(self.get_object())

    @extend_schema(request=None, responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["post"])
    def download(self, request: Request, pk: str) -> HttpResponse:
        """Take a PDF label to print it: recorded as printed (when, by whom), then returned."""
        job = station.record_download(job=self.get_object(), user=actor(request))
        return job_content(job)


class AsnEventIn(serializers.Serializer):
    event = serializers.ChoiceField(choices=["sent", "acknowledged"])
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class MeasureIn(serializers.Serializer):
    height_mm = serializers.IntegerField(min_value=1, max_value=5000)
    weight_g = serializers.IntegerField(
        min_value=1, max_value=5_000_000, required=False, allow_null=True, default=None
    )


class AsnViewSet(viewsets.ViewSet):
    """ASN timing: shipments whose notice is unsent or unacknowledged as the deadline nears."""

    permission_classes = [WarehouseStaffOnly]

    @extend_schema(
        parameters=[
            OpenApiParameter("within_minutes", OpenApiTypes.INT, description="Default 30.")
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def list(self, request: Request) -> Response:
        try:
            minutes = min(
                max(int(request.query_params.get("within_minutes", "30")), 0), 60 * 24 * 7
            )
        except ValueError:
            raise serializers.ValidationError(
                {"within_minutes": ["A whole number of minutes."]}
            ) from None
        return Response(asn.watchlist(within=dt.timedelta(minutes=minutes)))

    @extend_schema(
        request=AsnEventIn,
        responses={200: OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Shipment id"
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path="event")
    def event(self, request: Request, pk: str) -> Response:
        """The integration reports the ASN sent or acknowledged (a late one is put on record)."""
        shipment = Shipment.objects.filter(pk=pk).first() if pk.isascii() and pk.isdigit() else None
        if shipment is None:
            return Response({"error": "not_found", "message": f"No shipment {pk}."}, status=404)
        data = AsnEventIn(data=request.data)
        data.is_valid(raise_exception=True)
        at = data.validated_data["at"]
        if data.validated_data["event"] == "sent":
            shipment = asn.mark_asn_sent(shipment=shipment, at=at)
        else:
            shipment = asn.mark_asn_acknowledged(shipment=shipment, at=at)
        return Response(
            {
                "shipment": shipment.pk,
                "asn_sent_at": shipment.asn_sent_at,
                "asn_acknowledged_at": shipment.asn_acknowledged_at,
            }
        )


class PalletViewSet(viewsets.ViewSet):
    permission_classes = [WarehouseStaffOnly]

    @extend_schema(
        request=MeasureIn,
        responses={200: OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Pallet barcode"
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def measure(self, request: Request, pk: str) -> Response:
        """Record a built pallet's height (and weight) before it ships; routing guides cap both."""
        pallet = Container.objects.filter(barcode=pk, type="pallet").first()
        if pallet is None:
            return Response({"error": "not_found", "message": f"No pallet {pk}."}, status=404)
        data = MeasureIn(data=request.data)
        data.is_valid(raise_exception=True)
        m = enforce.measure_pallet(pallet=pallet, actor=actor(request), **data.validated_data)
        return Response(
            {"pallet": pallet.barcode, "height_mm": m.height_mm, "weight_g": m.weight_g}
        )


class ChargebackOut(serializers.ModelSerializer):
    rule_set = serializers.CharField(source="rule_set.code")
    order = serializers.CharField(source="order.external_id", default=None)

    class Meta:
        model = Chargeback
        fields = [
            "id",
            "rule_set",
            "client",
            "category",
            "amount",
            "currency",
            "reference",
            "order",
            "shipment",
            "received_at",
            "notes",
        ]


class ChargebackIn(serializers.Serializer):
    rule_set = serializers.SlugRelatedField(slug_field="code", queryset=RuleSet.objects.all())
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    category = serializers.ChoiceField(choices=ChargebackCategory.choices)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField(max_length=3, default="USD")
    reference = serializers.RegexField(
        r"^[^\x00-\x1f\x7f]+$",
        max_length=80,
        error_messages={
            "invalid": "The claim reference is one line of text (no control characters)."
        },
    )
    order = serializers.PrimaryKeyRelatedField(
        queryset=Order.objects.all(), required=False, allow_null=True, default=None
    )
    shipment = serializers.PrimaryKeyRelatedField(
        queryset=Shipment.objects.all(), required=False, allow_null=True, default=None
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ChargebackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Partners' chargebacks, their evidence from the ledger, and the dispute pack (PDF)."""

    permission_classes = [ReadAnyWriteRole]
    write_role = Role.SUPERVISOR
    serializer_class = ChargebackOut

    def get_queryset(self) -> QuerySet[Chargeback]:
        return scope(Chargeback.objects.select_related("rule_set", "order"), self.request.user)

    @extend_schema(request=ChargebackIn, responses={201: ChargebackOut})
    def create(self, request: Request) -> Response:
        data = ChargebackIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            ChargebackOut(record_chargeback(**data.validated_data)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def evidence(self, request: Request, pk: str) -> Response:
        """Everything the ledger and the print audit know about the claim, with a verdict line."""
        return Response(evidence(self.get_object()).as_dict())

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="dispute-pack")
    def dispute_pack(self, request: Request, pk: str) -> HttpResponse:
        chargeback = self.get_object()
        response = HttpResponse(dispute_pack(chargeback), content_type="application/pdf")
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in chargeback.reference)
        response["Content-Disposition"] = f'attachment; filename="dispute-{safe}.pdf"'
        return response
