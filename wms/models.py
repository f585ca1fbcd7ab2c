"""All models of the `wms` app, defined by concept in sub-packages and gathered here for Django."""

from wms.accounts.models import Role, User
from wms.catalog.models import (
    BaseUnit,
    Client,
    Identifier,
    IdentifierKind,
    Item,
    Lot,
    PackLevel,
    PackLevelKind,
)
from wms.inventory.models import Balance, Scan, StockStatus, Touch, TouchKind
from wms.layout.models import (
    VIRTUAL_TYPES,
    Container,
    ContainerType,
    Location,
    LocationType,
    Warehouse,
)

__all__ = [
    "VIRTUAL_TYPES",
    "Balance",
    "BaseUnit",
    "Client",
    "Container",
    "ContainerType",
    "Identifier",
    "IdentifierKind",
    "Item",
    "Location",
    "LocationType",
    "Lot",
    "PackLevel",
    "PackLevelKind",
    "Role",
    "Scan",
    "StockStatus",
    "Touch",
    "TouchKind",
    "User",
    "Warehouse",
]
