"""What the orders endpoints read and return: orders, their lines, events and decisions."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from wms.api.scanning import ScanFields
from wms.catalog.models import Channel, Client, Item, Lot
from wms.layout.models import Container, Warehouse
from wms.orders import services as orders
from wms.orders.models import CarrierService, Order, OrderEvent


class AddressSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20)
    country = serializers.CharField(max_length=2, default="US")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class OrderLineIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    channel_line_id = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default=""
    )


class OrderIn(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.filter(active=True))
    channel = serializers.ChoiceField(choices=Channel.choices)
    external_id = serializers.CharField(max_length=80)
    ship_to = AddressSerializer()
    service = serializers.SlugRelatedField(slug_field="code", queryset=CarrierService.objects.all())
    ship_by = serializers.DateTimeField(required=False, allow_null=True, default=None)
    deliver_by = serializers.DateTimeField(required=False, allow_null=True, default=None)
    requested_warehouse = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Warehouse.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    lines = OrderLineIn(many=True, allow_empty=False)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        client = data["client"]
        skus = [line["sku"] for line in data["lines"]]
        items = {i.sku: i for i in Item.objects.filter(client=client, sku__in=skus)}
        unknown = [s for s in skus if s not in items]
        if unknown:
            raise serializers.ValidationError(
                {"lines": [f"Unknown SKU(s) for {client.code}: {', '.join(unknown)}."]}
            )
        data["lines"] = [
            orders.LineIn(items[line["sku"]], line["quantity"], line["channel_line_id"])
            for line in data["lines"]
        ]
        return data


class OrderLineOut(serializers.Serializer):
    sku = serializers.CharField(source="item.sku")
    quantity = serializers.IntegerField()
    channel_line_id = serializers.CharField()
    picked = serializers.IntegerField()
    packed = serializers.IntegerField()
    shipped = serializers.IntegerField()


class OrderOut(serializers.ModelSerializer):
    lines = OrderLineOut(many=True, read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", default=None)
    service = serializers.CharField(source="service.code")
    reserved = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "client",
            "channel",
            "external_id",
            "state",
            "warehouse",
            "service",
            "ship_by",
            "deliver_by",
            "due_at",
            "ship_to_name",
            "ship_to_line1",
            "ship_to_line2",
            "ship_to_city",
            "ship_to_region",
            "ship_to_postal_code",
            "ship_to_country",
            "ship_to_phone",
            "ship_to_email",
            "label_printed_at",
            "flags",
            "received_at",
            "reserved",
            "lines",
        ]

    def get_reserved(self, obj: Order) -> int:
        # Lists annotate it in one query (order_views.reserved_units); one order asks the service.
        annotated = getattr(obj, "reserved_units", None)
        return int(annotated) if annotated is not None else orders.units_reserved(obj)


class EventOut(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)

    class Meta:
        model = OrderEvent
        fields = [
            "at",
            "kind",
            "from_state",
            "to_state",
            "actor",
            "owner",
            "reason",
            "policy",
            "reference",
        ]


class DecisionOut(serializers.Serializer):
    outcome = serializers.CharField()
    message = serializers.CharField()


class HoldIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class ResumeIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, default="Resumed.")
    apply_pending_address = serializers.BooleanField(required=False, allow_null=True, default=None)


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    requested_by = serializers.CharField(max_length=80, default="api")


class AddressIn(serializers.Serializer):
    ship_to = AddressSerializer()
    requested_by = serializers.CharField(max_length=80, default="api")


class PackOrderIn(ScanFields):
    tote = serializers.SlugRelatedField(slug_field="barcode", queryset=Container.objects.all())
    carton = serializers.SlugRelatedField(slug_field="barcode", queryset=Container.objects.all())
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.all())
    lot = serializers.PrimaryKeyRelatedField(
        queryset=Lot.objects.all(), required=False, allow_null=True, default=None
    )
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)


class ShipOrderIn(ScanFields):
    carrier = serializers.CharField(max_length=40)
    tracking = serializers.DictField(
        child=serializers.CharField(max_length=60), help_text="{parcel id: tracking number}"
    )

    def validate_tracking(self, value: dict[str, str]) -> dict[int, str]:
        """JSON keys are text; the service takes parcel ids."""
        try:
            return {int(k): v for k, v in value.items()}
        except ValueError:
            raise serializers.ValidationError("Keys are parcel ids (numbers).") from None
