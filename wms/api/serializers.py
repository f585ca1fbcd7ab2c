"""Read shapes of the inventory: balances and touches (the item master and layout are re-exported).

Serializers validate input shape only; every write calls a service (wms/*/services.py).
"""

from __future__ import annotations

from rest_framework import serializers

from wms.api.catalog_serializers import (  # noqa: F401 - re-exported: serializers.py held them
    ClientSerializer,
    IdentifierSerializer,
    ItemSerializer,
    ItemUpdateSerializer,
    LotSerializer,
    PackLevelSerializer,
)
from wms.api.layout_serializers import (  # noqa: F401 - re-exported
    ContainerSerializer,
    LocationSerializer,
    LocationUpdateSerializer,
    WarehouseSerializer,
)
from wms.inventory.models import Balance, Touch
from wms.inventory.sellable import is_sellable


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
