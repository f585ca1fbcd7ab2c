"""What the parcel and shipment endpoints read and return."""

from __future__ import annotations

from rest_framework import serializers

from wms.orders.models import Parcel, Shipment


class CloseIn(serializers.Serializer):
    weight_g = serializers.IntegerField(min_value=1, max_value=1_000_000)
    length_mm = serializers.IntegerField(min_value=1, max_value=10_000)
    width_mm = serializers.IntegerField(min_value=1, max_value=10_000)
    height_mm = serializers.IntegerField(min_value=1, max_value=10_000)


class ParcelOut(serializers.ModelSerializer):
    carton = serializers.CharField(source="container.barcode")

    class Meta:
        model = Parcel
        fields = [
            "id",
            "order",
            "carton",
            "weight_g",
            "length_mm",
            "width_mm",
            "height_mm",
            "closed_at",
        ]


class ShipmentParcelOut(serializers.Serializer):
    tracking_number = serializers.CharField()
    carton = serializers.CharField(source="parcel.container.barcode")
    contents = serializers.JSONField()


class ShipmentOut(serializers.ModelSerializer):
    order = serializers.CharField(source="order.external_id")
    warehouse = serializers.CharField(source="warehouse.code")
    service = serializers.CharField(source="service.code")
    parcels = ShipmentParcelOut(many=True, read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "order",
            "warehouse",
            "carrier",
            "service",
            "shipped_at",
            "delivered_at",
            "parcels",
        ]
