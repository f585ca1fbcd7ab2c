"""What the customer-return (RMA) endpoints read and return."""

from __future__ import annotations

from rest_framework import serializers

from wms.api.scanning import ScanFields
from wms.catalog.models import Client, Item
from wms.inbound.models import Disposition, Grade, Return, ReturnUnit
from wms.layout.models import Location, Warehouse
from wms.orders.models import Order


class ReturnUnitOut(serializers.ModelSerializer):
    sku = serializers.CharField(source="item.sku")
    location = serializers.CharField(source="location.code")

    class Meta:
        model = ReturnUnit
        fields = [
            "id",
            "sku",
            "quantity",
            "grade",
            "location",
            "disposition",
            "received_at",
            "disposed_at",
        ]


class ReturnOut(serializers.ModelSerializer):
    order = serializers.CharField(source="order.external_id", default=None)
    warehouse = serializers.CharField(source="warehouse.code")
    units = ReturnUnitOut(many=True, read_only=True)

    class Meta:
        model = Return
        fields = ["id", "client", "rma", "order", "warehouse", "created_at", "units"]


class OpenReturnIn(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    warehouse = serializers.SlugRelatedField(slug_field="code", queryset=Warehouse.objects.all())
    rma = serializers.CharField(max_length=80)
    order = serializers.PrimaryKeyRelatedField(
        queryset=Order.objects.all(), required=False, allow_null=True, default=None
    )


class ReturnReceiveIn(ScanFields):
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    grade = serializers.ChoiceField(choices=Grade.choices)
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all())
    lot_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    expiry_date = serializers.DateField(required=False, allow_null=True, default=None)


class DisposeUnitIn(ScanFields):
    disposition = serializers.ChoiceField(
        choices=[c for c in Disposition.choices if c[0] != Disposition.PENDING]
    )
    to_location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.all(), required=False, allow_null=True, default=None
    )
