"""One address value for every channel and carrier: what an order ships to.

Channels map their partner's address into ``Address`` (Shopify's ``provinceCode``, Amazon's
``StateOrRegion``, an EDI N4 segment); the order stores it in its ``ship_to_*`` fields; carriers read
it back with ``Address.of(order)``. The region is kept as the ISO 3166-2 subdivision code without
its country prefix ("OR" for Oregon, "ON" for Ontario), because carriers and partners ask for the
code; ``region_code`` turns a name or a prefixed code into it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import pycountry

if TYPE_CHECKING:
    from wms.orders.models import Order

FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country", "phone", "email")
REQUIRED = ("name", "line1", "city", "postal_code", "country")


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str = "US"
    line2: str = ""
    region: str = ""
    phone: str = ""
    email: str = ""

    def as_ship_to(self) -> dict[str, str]:
        """The mapping ``import_order(ship_to=…)`` and ``change_address`` take (blanks left out)."""
        return {k: v for k, v in asdict(self).items() if v or k in REQUIRED}

    @classmethod
    def of(cls, order: Order) -> Address:
        return cls(**{f: getattr(order, f"ship_to_{f}") for f in FIELDS})


def region_code(country: str, region: str) -> str:
    """The ISO 3166-2 subdivision code of ``region`` in ``country``, without the country prefix.

    "Oregon", "OR", "or" and "US-OR" in the US all give "OR". A region that is not a known
    subdivision of the country is kept as given (some countries have none a carrier asks for).
    """
    region = region.strip()
    country = country.strip().upper()
    if not region or not country:
        return region
    prefix = f"{country}-"
    code = region.upper() if region.upper().startswith(prefix) else prefix + region.upper()
    if pycountry.subdivisions.get(code=code) is not None:
        return code.removeprefix(prefix)
    for sub in pycountry.subdivisions.get(country_code=country) or ():
        if sub.name.casefold() == region.casefold():
            return str(sub.code).removeprefix(prefix)
    return region
