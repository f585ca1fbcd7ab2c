"""Read shapes and write validation for the item master.

Serializers validate input shape only; every write calls a service (wms/catalog/services.py).
"""

from __future__ import annotations

from rest_framework import serializers

from wms.catalog.models import Client, Identifier, Item, Lot, PackLevel
from wms.catalog.services import ITEM_FIELDS


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
