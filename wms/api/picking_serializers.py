"""What the waves and pick-task endpoints read and return."""

from __future__ import annotations

from rest_framework import serializers

from wms.api.scanning import ScanFields
from wms.layout.models import Container, Warehouse
from wms.orders.models import PickTask, Wave


class WaveIn(serializers.Serializer):
    warehouse = serializers.SlugRelatedField(slug_field="code", queryset=Warehouse.objects.all())
    max_orders = serializers.IntegerField(min_value=1, max_value=500, default=50)


class PickTaskOut(serializers.ModelSerializer):
    order = serializers.CharField(source="order.external_id")
    sku = serializers.CharField(source="item.sku")
    location = serializers.CharField(source="location.code")
    lot = serializers.CharField(source="lot.code", default=None)
    from_container = serializers.CharField(source="from_container.barcode", default=None)

    class Meta:
        model = PickTask
        fields = [
            "id",
            "wave",
            "order",
            "sku",
            "lot",
            "location",
            "from_container",
            "quantity",
            "picked",
            "sequence",
            "state",
        ]


class WaveOut(serializers.ModelSerializer):
    tasks = PickTaskOut(many=True, read_only=True)
    warehouse = serializers.CharField(source="warehouse.code")

    class Meta:
        model = Wave
        fields = ["id", "warehouse", "created_at", "tasks"]


class ConfirmIn(ScanFields):
    tote = serializers.SlugRelatedField(slug_field="barcode", queryset=Container.objects.all())
    quantity = serializers.IntegerField(min_value=0, max_value=100_000)
    short_reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
