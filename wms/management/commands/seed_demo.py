"""Demo data for `make run`: two brands, one warehouse, ~200 locations, ~50 items, stock on hand.

Stock is received and stowed through the ledger services, exactly as the floor would do it, so the
demo ledger verifies. Idempotent: a second run leaves an existing demo alone.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from stdnum import ean

from wms.accounts.models import Role, User
from wms.catalog import services as catalog
from wms.catalog.models import Client, IdentifierKind, Item
from wms.inventory import touches
from wms.inventory.availability import republish
from wms.inventory.ledger import ScanContext
from wms.inventory.models import ChannelRule
from wms.layout import services as layout
from wms.layout.models import ContainerType, Location, LocationType, Warehouse
from wms.orders.fulfilment import release_wave
from wms.orders.models import AuthorityPolicy, CarrierService, Cutoff, ServiceLevel
from wms.orders.services import LineIn, import_order

DEMO_USERS = [
    # username, password, role, client code
    ("operator", "operator-demo", Role.OPERATOR, None),
    ("supervisor", "supervisor-demo", Role.SUPERVISOR, None),
    ("admin", "admin-demo", Role.ADMIN, None),
    ("northwind", "northwind-demo", Role.CLIENT_USER, "NWO"),
    ("bluebird", "bluebird-demo", Role.CLIENT_USER, "BBB"),
]

NWO_PRODUCTS = [
    "Trail Tent 2P",
    "Trail Tent 4P",
    "Down Sleeping Bag",
    "Camp Stove",
    "Fuel Canister 230g",
    "Headlamp 300lm",
    "Water Filter",
    "Trekking Poles",
    "Dry Bag 20L",
    "Camp Chair",
    "Insulated Mug",
    "Hiking Socks M",
    "Hiking Socks L",
    "Rain Shell M",
    "Rain Shell L",
    "Fleece Jacket M",
    "Fleece Jacket L",
    "Beanie",
    "Gaiters",
    "First Aid Kit",
    "Compass",
    "Carabiner Set",
    "Paracord 30m",
    "Cook Set",
    "Spork",
]
BBB_PRODUCTS = [
    "Vitamin C Serum",
    "Night Cream",
    "Day Cream SPF30",
    "Cleansing Gel",
    "Toner",
    "Eye Cream",
    "Lip Balm",
    "Hand Cream",
    "Body Lotion",
    "Sheet Mask 5pk",
    "Retinol Serum",
    "Clay Mask",
    "Micellar Water",
    "Face Oil",
    "Sunscreen SPF50",
    "Shampoo Bar",
    "Conditioner Bar",
    "Bath Salts",
    "Body Scrub",
    "Nail Oil",
    "Perfume 50ml",
    "Hair Mask",
    "Setting Spray",
    "Makeup Remover",
    "Bamboo Brush",
]


def gtin(prefix: str, n: int, length: int = 12) -> str:
    body = f"{prefix}{n:0{length - 1 - len(prefix)}d}"
    return body + ean.calc_check_digit(body)


class Command(BaseCommand):
    help = "Load the demo warehouse, brands, items, users and stock (skipped if already loaded)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if Warehouse.objects.filter(code="PHL1").exists():
            if not options["quiet"]:
                self.stdout.write("Demo data already loaded (warehouse PHL1 exists).")
            return
        rng = random.Random(42)
        with transaction.atomic():
            warehouse = self._warehouse()
            clients = self._clients()
            users = self._users(clients)
            items = self._items(clients, rng)
            self._containers(warehouse)
        self._stock(warehouse, items, users["operator"], rng)
        self._orders(warehouse, clients, items, users)
        self._inbound(warehouse, clients, items)
        self.stdout.write(
            f"Demo loaded: {len(clients)} clients, {Location.objects.filter(warehouse=warehouse).count()} "
            f"locations, {len(items)} items."
        )

    def _warehouse(self) -> Warehouse:
        wh = layout.create_warehouse(
            code="PHL1",
            name="Philadelphia 1",
            time_zone="America/New_York",
            address_line1="4500 S Columbus Blvd",
            city="Philadelphia",
            region="PA",
            postal_code="19148",
        )
        seq = 0
        for i in range(1, 5):
            layout.create_location(warehouse=wh, code=f"DOCK-{i:02d}", type=LocationType.DOCK)
            layout.create_location(warehouse=wh, code=f"STAGE-{i:02d}", type=LocationType.STAGING)
            layout.create_location(
                warehouse=wh, code=f"PACK-{i:02d}", type=LocationType.PACK_STATION
            )
            layout.create_location(warehouse=wh, code=f"LANE-{i:02d}", type=LocationType.SHIP_LANE)
        for i in range(1, 3):
            layout.create_location(warehouse=wh, code=f"QUAR-{i:02d}", type=LocationType.QUARANTINE)
            layout.create_location(warehouse=wh, code=f"RET-{i:02d}", type=LocationType.RETURNS)
        # Pick faces: aisle P, 2 sides × 25 bays. Storage: aisles A–C, 10 bays × 4 levels.
        for bay in range(1, 51):
            seq += 10
            layout.create_location(
                warehouse=wh, code=f"P-{bay:02d}-1", type=LocationType.PICK_FACE, sequence=seq
            )
        for aisle in "ABC":
            for bay in range(1, 11):
                for level in range(1, 5):
                    seq += 10
                    layout.create_location(
                        warehouse=wh,
                        code=f"{aisle}-{bay:02d}-{level}",
                        type=LocationType.STORAGE,
                        sequence=seq,
                    )
        return wh

    def _orders(
        self,
        warehouse: Warehouse,
        clients: dict[str, Client],
        items: list[Item],
        users: dict[str, User],
    ) -> None:
        """Channels, cutoffs, policies and a morning's orders: some reserved, one backordered, one picked."""
        ground = CarrierService.objects.create(code="UPS_GROUND", carrier="UPS", name="UPS Ground")
        express = CarrierService.objects.create(
            code="FEDEX_2DAY", carrier="FedEx", name="FedEx 2Day", level=ServiceLevel.EXPEDITED
        )
        for service, at in ((ground, dt.time(17, 0)), (express, dt.time(15, 30))):
            Cutoff.objects.create(warehouse=warehouse, service=service, local_time=at)
        warehouse.region = "PA"
        warehouse.orders_per_day = 2000
        warehouse.save(update_fields=["region", "orders_per_day"])
        for client in clients.values():
            AuthorityPolicy.objects.create(client=client, safety_buffer=2)
            for channel, buffer in (("amazon", 5), ("shopify", 0), ("edi", 0)):
                ChannelRule.objects.create(client=client, channel=channel, buffer=buffer)
            republish(client_id=client.pk)
        by_sku = {i.sku: i for i in items}
        now = timezone.now()
        specs = [
            ("NWO", "amazon", "114-3941689-8772232", [("NWO-001", 1)], express, "CA", 6),
            ("NWO", "shopify", "1001", [("NWO-004", 2), ("NWO-011", 1)], ground, "NY", 30),
            ("NWO", "shopify", "1002", [("NWO-006", 1)], ground, "NJ", 30),
            ("NWO", "edi", "PO-778120", [("NWO-002", 24)], ground, "OH", 48),
            ("BBB", "amazon", "113-5550123-0000001", [("BBB-001", 2)], express, "TX", 8),
            ("BBB", "shopify", "2001", [("BBB-005", 1), ("BBB-009", 1)], ground, "FL", 30),
            ("BBB", "shopify", "2002", [("BBB-003", 500)], ground, "WA", 30),  # backordered
        ]
        for code, channel, external_id, lines, service, region, hours in specs:
            import_order(
                client=clients[code],
                channel=channel,
                external_id=external_id,
                ship_to={
                    "name": "Demo Customer",
                    "line1": "1 Market St",
                    "city": "Anytown",
                    "region": region,
                    "postal_code": "10001",
                    "country": "US",
                },
                service=service,
                lines=[LineIn(by_sku[sku], n) for sku, n in lines],
                ship_by=now + dt.timedelta(hours=hours),
            )
        release_wave(warehouse=warehouse, actor=users["supervisor"], max_orders=2)

    def _inbound(self, warehouse: Warehouse, clients: dict[str, Client], items: list[Item]) -> None:
        """An ASN due today at the dock, for the RF receive screen (scan ASN-DEMO-1)."""
        from wms.inbound.services import create_receipt

        by_sku = {i.sku: i for i in items}
        create_receipt(
            client=clients["NWO"],
            warehouse=warehouse,
            reference="ASN-DEMO-1",
            lines=[(by_sku["NWO-001"], 24), (by_sku["NWO-002"], 12), (by_sku["NWO-003"], 6)],
            supplier="Northwind factory",
            expected_at=timezone.now(),
            over_tolerance_percent=10,
            under_tolerance_percent=5,
        )

    def _clients(self) -> dict[str, Client]:
        return {
            "NWO": Client.objects.create(code="NWO", name="Northwind Outdoor"),
            "BBB": Client.objects.create(code="BBB", name="Bluebird Beauty"),
        }

    def _users(self, clients: dict[str, Client]) -> dict[str, User]:
        users = {}
        for i, (username, password, role, client_code) in enumerate(DEMO_USERS, start=1):
            user = User.objects.create_user(
                username=username,
                password=password,
                role=role,
                client=clients[client_code] if client_code else None,
                is_staff=role in (Role.ADMIN, Role.SUPERVISOR),
                is_superuser=role == Role.ADMIN,
            )
            if role != Role.CLIENT_USER:
                user.badge = f"BADGE-{i:04d}"
                user.set_pin(f"{i}{i}{i}{i}")
                user.save(update_fields=["badge", "pin_hash"])
            users[username] = user
        return users

    def _items(self, clients: dict[str, Client], rng: random.Random) -> list[Item]:
        items = []
        for code, names, gs1 in (
            ("NWO", NWO_PRODUCTS, "0861234"),
            ("BBB", BBB_PRODUCTS, "0869876"),
        ):
            client = clients[code]
            for n, name in enumerate(names, start=1):
                beauty = code == "BBB"
                item = catalog.create_item(
                    client=client,
                    sku=f"{code}-{n:03d}",
                    description=name,
                    tracks_lots=beauty,
                    tracks_expiry=beauty,
                    hazmat=name.startswith(("Fuel", "Perfume", "Setting Spray")),
                    un_number="UN1266" if name.startswith("Perfume") else "",
                )
                each = item.pack_levels.get(level="each")
                each.weight_g = rng.randint(50, 2500)
                each.length_mm, each.width_mm, each.height_mm = (
                    rng.randint(50, 400) for _ in "lwh"
                )
                each.save()
                case_qty = rng.choice([6, 12, 24])
                case = catalog.set_pack_level(
                    item=item,
                    level="case",
                    quantity=case_qty,
                    length_mm=400,
                    width_mm=300,
                    height_mm=300,
                    weight_g=each.weight_g * case_qty + 300,
                )
                catalog.add_identifier(item=item, kind=IdentifierKind.GTIN, value=gtin(gs1, n))
                catalog.add_identifier(
                    item=item,
                    kind=IdentifierKind.GTIN,
                    value=gtin("1" + gs1, n, 14),
                    pack_level=case,
                )
                catalog.add_identifier(
                    item=item, kind=IdentifierKind.ASIN, value=f"B0{code}{n:05d}"
                )
                catalog.add_identifier(
                    item=item, kind=IdentifierKind.FNSKU, value=f"X0{code}{n:05d}"
                )
                catalog.add_identifier(
                    item=item,
                    kind=IdentifierKind.CHANNEL_SKU,
                    channel="shopify",
                    value=f"{code}{n}",
                )
                items.append(item)
        return items

    def _containers(self, warehouse: Warehouse) -> None:
        pack = Location.objects.get(warehouse=warehouse, code="PACK-01")
        for i in range(1, 21):
            layout.create_container(
                warehouse=warehouse, type=ContainerType.TOTE, barcode=f"T{i:05d}", location=pack
            )

    def _stock(
        self, warehouse: Warehouse, items: list[Item], operator: User, rng: random.Random
    ) -> None:
        """Receive and stow through the ledger, as the floor would."""
        dock = Location.objects.get(warehouse=warehouse, code="DOCK-01")
        faces = list(Location.objects.filter(warehouse=warehouse, type=LocationType.PICK_FACE))
        storage = list(Location.objects.filter(warehouse=warehouse, type=LocationType.STORAGE))
        namespace = uuid.UUID("6f1c7e0a-5a38-4c1e-9d49-7d2b1f0c9e11")

        def ctx(tag: str) -> ScanContext:
            return ScanContext(uuid.uuid5(namespace, tag), operator, "seed-demo")

        for n, item in enumerate(items):
            lot_code = f"L{2026}{n:03d}" if item.tracks_lots else ""
            expiry = (
                dt.date(2027, 1, 1) + dt.timedelta(days=30 * (n % 12))
                if item.tracks_expiry
                else None
            )
            qty = rng.randint(4, 12) * 12
            touches.receive(
                ctx(f"recv-{item.sku}"),
                item=item,
                quantity=qty,
                location=dock,
                lot_code=lot_code,
                expiry_date=expiry,
                reference=f"PO-DEMO-{n // 10 + 1:03d}",
            )
            lot = item.lots.first()
            face_qty = qty // 3
            touches.stow(
                ctx(f"stow-face-{item.sku}"),
                item=item,
                lot=lot,
                quantity=face_qty,
                from_location=dock,
                to_location=faces[n],
            )
            touches.stow(
                ctx(f"stow-bulk-{item.sku}"),
                item=item,
                lot=lot,
                quantity=qty - face_qty,
                from_location=dock,
                to_location=storage[n * 2],
            )
