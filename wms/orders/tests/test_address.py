"""The ship-to region is stored as its ISO 3166-2 code, whatever form the channel sent."""

import pytest

from wms.orders.address import Address, region_code
from wms.orders.intake import ship_to_fields


@pytest.mark.parametrize(
    ("country", "region", "code"),
    [
        ("US", "Oregon", "OR"),
        ("US", "OR", "OR"),
        ("US", "or", "OR"),
        ("US", "US-OR", "OR"),
        ("CA", "Ontario", "ON"),
        ("DE", "Bayern", "BY"),
        ("US", "Atlantis", "Atlantis"),
        ("US", "", ""),
    ],
)
def test_a_region_is_stored_as_its_iso_3166_2_code(country: str, region: str, code: str) -> None:
    assert region_code(country, region) == code


def test_intake_normalises_the_region_and_keeps_phone_and_email() -> None:
    fields = ship_to_fields(
        Address(
            name="Ann",
            line1="1 Main St",
            city="Portland",
            postal_code="97201",
            region="Oregon",
            phone="+1 503 555 0100",
            email="ann@example.com",
        ).as_ship_to()
    )
    assert fields["ship_to_region"] == "OR"
    assert fields["ship_to_phone"] == "+1 503 555 0100"
    assert fields["ship_to_email"] == "ann@example.com"
