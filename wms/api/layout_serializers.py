"""Read shapes and write validation for warehouses, locations and containers.

Serializers validate input shape only; every write calls a service (wms/layout/services.py).
"""

from __future__ import annotations

from rest_framework import serializers

from wms.layout.models import Container, Location, Warehouse


class WarehouseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = [
            "id",
            "code",
            "name",
            "time_zone",
            "address_line1",
            "address_line2",
            "city",
            "region",
            "postal_code",
            "country",
            "active",
        ]
        read_only_fields = ["id"]


class LocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = [
            "id",
            "warehouse",
            "code",
            "barcode",
            "type",
            "sellable",
            "is_virtual",
            "sequence",
            "active",
        ]
        read_only_fields = ["id", "is_virtual"]
        extra_kwargs = {"barcode": {"required": False, "help_text": "Defaults to the code."}}
        validators: list[object] = []  # uniqueness is checked by layout.create_location


class LocationUpdateSerializer(serializers.ModelSerializer):
    """A location's type and warehouse are fixed once created: stock history depends on them."""

    class Meta:
        model = Location
        fields = ["code", "barcode", "sellable", "sequence", "active"]


class ContainerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Container
        fields = [
            "id",
            "warehouse",
            "barcode",
            "type",
            "sscc",
            "parent",
            "location",
            "active",
            "created_at",
        ]
        read_only_fields = ["id", "parent", "active", "created_at"]
        extra_kwargs = {"barcode": {"required": False}}
