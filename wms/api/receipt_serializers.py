"""What the expected-receipt (ASN / PO) endpoints read and return."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from wms.api.scanning import ScanFields
from wms.catalog.models import Client, Item
from wms.inbound.models import ExpectedReceipt
from wms.layout.models import Container, Location, Warehouse


class ReceiptLineIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)


class ReceiptIn(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    warehouse = serializers.SlugRelatedField(slug_field="code", queryset=Warehouse.objects.all())
    reference = serializers.CharField(max_length=80)
    kind = serializers.ChoiceField(choices=[("asn", "ASN"), ("po", "PO")], default="asn")
    supplier = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    expected_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    over_tolerance_percent = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    under_tolerance_percent = serializers.IntegerField(min_value=0, max_value=100, default=0)
    lines = ReceiptLineIn(many=True, allow_empty=False)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        skus = [line["sku"] for line in data["lines"]]
        items = {i.sku: i for i in Item.objects.filter(client=data["client"], sku__in=skus)}
        unknown = [s for s in skus if s not in items]
        if unknown:
            raise serializers.ValidationError({"lines": [f"Unknown SKU(s): {', '.join(unknown)}."]})
        data["lines"] = [(items[line["sku"]], line["quantity"]) for line in data["lines"]]
        return data


class ReceiptLineOut(serializers.Serializer):
    sku = serializers.CharField(source="item.sku")
    quantity = serializers.IntegerField()
    received = serializers.IntegerField()


class ReceiptOut(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    lines = ReceiptLineOut(many=True, read_only=True)

    class Meta:
        model = ExpectedReceipt
        fields = [
            "id",
            "client",
            "warehouse",
            "kind",
            "reference",
            "supplier",
            "expected_at",
            "over_tolerance_percent",
            "under_tolerance_percent",
            "state",
            "completed_at",
            "lines",
        ]


class ReceiveAgainstIn(ScanFields):
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all())
    container = serializers.SlugRelatedField(
        slug_field="barcode",
        queryset=Container.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    lot_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    expiry_date = serializers.DateField(required=False, allow_null=True, default=None)
    serial = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
