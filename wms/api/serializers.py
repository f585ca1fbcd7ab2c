"""Read shapes and write validation for the item master, layout, balances and touches.

Serializers validate input shape only; every write calls a service (wms/*/services.py).
"""

from __future__ import annotations

from rest_framework import serializers

from wms.catalog.models import Client, Identifier, Item, Lot, PackLevel
from wms.catalog.services import ITEM_FIELDS
from wms.inventory.models import Balance, Touch
from wms.inventory.sellable import is_sellable
from wms.layout.models import Container, Location, Warehouse


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "code", "name", "active", "created_at"]
        read_only_fields = ["id", "created_at"]


class PackLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = PackLevel
        fields = [
            "id",
            "item",
            "level",
            "quantity",
            "length_mm",
            "width_mm",
            "height_mm",
            "weight_g",
        ]
        read_only_fields = ["id"]


class IdentifierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Identifier
        fields = ["id", "item", "pack_level", "kind", "channel", "value", "normalized"]
        read_only_fields = ["id", "normalized"]


class ItemSerializer(serializers.ModelSerializer):
    pack_levels = PackLevelSerializer(many=True, read_only=True)
    identifiers = IdentifierSerializer(many=True, read_only=True)

    class Meta:
        model = Item
        fields = ["id", "client", "sku", *ITEM_FIELDS, "pack_levels", "identifiers", "created_at"]
        read_only_fields = ["id", "created_at", "pack_levels", "identifiers"]


class ItemUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = list(ITEM_FIELDS)


class LotSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lot
        fields = ["id", "item", "code", "expiry_date"]


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


class BalanceSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="item.sku", read_only=True)
    lot_code = serializers.CharField(source="lot.code", read_only=True, default=None)
    expiry_date = serializers.DateField(source="lot.expiry_date", read_only=True, default=None)
    location_code = serializers.CharField(source="location.code", read_only=True)
    container_barcode = serializers.CharField(
        source="container.barcode", read_only=True, default=None
    )
    sellable = serializers.SerializerMethodField()

    class Meta:
        model = Balance
        fields = [
            "id",
            "client",
            "item",
            "sku",
            "lot",
            "lot_code",
            "expiry_date",
            "location",
            "location_code",
            "container",
            "container_barcode",
            "status",
            "quantity",
            "is_virtual",
            "sellable",
        ]

    def get_sellable(self, obj: Balance) -> bool:
        """The ledger's definition, the one ATP counts: a tote's or carton's units are not."""
        return is_sellable(obj.location, obj.status, obj.container)


class TouchSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="item.sku", read_only=True)
    actor = serializers.CharField(source="actor.username", read_only=True)

    class Meta:
        model = Touch
        fields = [
            "id",
            "scan",
            "kind",
            "client",
            "item",
            "sku",
            "lot",
            "serial",
            "quantity",
            "from_location",
            "from_container",
            "from_status",
            "to_location",
            "to_container",
            "to_status",
            "actor",
            "device",
            "reference",
            "reason_code",
            "detail",
            "created_at",
        ]
