"""Pure rules for item identifiers: format checks and the normalized lookup key."""

from __future__ import annotations

import re

from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumError

from wms.catalog.models import IdentifierKind
from wms.errors import IdentifierInvalid

ASIN_RE = re.compile(r"^(B0[0-9A-Z]{8}|[0-9]{9}[0-9X])$")
FNSKU_RE = re.compile(r"^(X0|B0)[0-9A-Z]{8}$")
GTIN_LENGTHS = (8, 12, 13, 14)


def is_digits(value: str) -> bool:
    """0-9 only: str.isdigit() also accepts '²' and other digits int() cannot read."""
    return value.isascii() and value.isdigit()


def same_scan_forms(key: str) -> list[str]:
    """Every way of writing a code that scans as `key` (a GTIN-14 also scans as its UPC/EAN forms)."""
    if len(key) == 14 and is_digits(key):
        return [key[-n:] for n in GTIN_LENGTHS if not key[:-n].strip("0")]
    return [key]


def gtin14(value: str) -> str | None:
    """The GTIN-14 form of a UPC-A, EAN-8/13 or GTIN-14 with a valid check digit, else None."""
    digits = value.strip()
    if not is_digits(digits) or len(digits) not in GTIN_LENGTHS:
        return None
    try:
        ean.validate(digits)
    except StdnumError:
        return None
    return digits.zfill(14)


def normalize(kind: str, value: str, channel: str = "") -> str:
    """Validate `value` for `kind` and return the key it is stored and looked up under."""
    raw = value.strip()
    if not raw:
        raise IdentifierInvalid("The identifier is empty; scan or type it.", field="value")
    if kind == IdentifierKind.GTIN:
        if not is_digits(raw) or len(raw) not in GTIN_LENGTHS:
            raise IdentifierInvalid(
                f"'{raw}' is not a UPC/EAN/GTIN: it must be 8, 12, 13 or 14 digits.", field="value"
            )
        normalized = gtin14(raw)
        if normalized is None:
            expected = ean.calc_check_digit(raw[:-1])
            raise IdentifierInvalid(
                f"'{raw}' has a wrong check digit (the last digit should be {expected}). "
                "Re-scan it or check the number on the packaging.",
                field="value",
            )
        return normalized
    upper = raw.upper()
    if kind == IdentifierKind.ASIN:
        if not ASIN_RE.match(upper):
            raise IdentifierInvalid(
                f"'{raw}' is not an ASIN: 10 characters, B0 followed by 8 letters/digits "
                "(or an ISBN-10).",
                field="value",
            )
        return upper
    if kind == IdentifierKind.FNSKU:
        if not FNSKU_RE.match(upper):
            raise IdentifierInvalid(
                f"'{raw}' is not an FNSKU: 10 characters starting X0 (or B0 for ASIN-labelled "
                "stock).",
                field="value",
            )
        return upper
    if kind == IdentifierKind.CHANNEL_SKU:
        if not channel.strip():
            raise IdentifierInvalid(
                "A channel SKU needs its channel (e.g. amazon).", field="channel"
            )
        # Namespaced: a channel SKU is a name in a channel's catalogue, never a scanned barcode.
        return f"{channel.strip().lower()}:{raw}"
    if kind == IdentifierKind.OTHER:
        return upper
    raise IdentifierInvalid(f"Unknown identifier kind '{kind}'.", field="kind")


def scan_key(value: str) -> str:
    """The lookup key for a scanned barcode: GTINs in GTIN-14 form, anything else upper-cased."""
    raw = value.strip()
    return gtin14(raw) or raw.upper()
