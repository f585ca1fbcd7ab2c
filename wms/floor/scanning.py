"""What a scanned value names on the floor: a location, a container, an item, a quantity.

Each resolver raises a `DomainError` that says what was expected and what was scanned.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from wms.catalog import selectors as catalog_selectors
from wms.catalog.models import Item, Lot
from wms.catalog.selectors import ResolvedBarcode, resolve_barcode
from wms.errors import InvalidQuantity, UnknownBarcode, WrongContainer, WrongLocation
from wms.floor.errors import ChoiceRequired, InvalidDate, UnknownLot
from wms.layout import selectors as layout_selectors
from wms.layout.models import Container, Location, Warehouse


def clean(value: str) -> str:
    return (value or "").strip()


def location(warehouse: Warehouse, value: str, *, expected: Location | None = None) -> Location:
    """A location of this warehouse by its label (barcode) or its code."""
    code = clean(value)
    if not code:
        raise WrongLocation("Scan a location label.")
    found = layout_selectors.location_by_label(warehouse=warehouse, code=code)
    if expected is not None and (found is None or found.pk != expected.pk):
        raise WrongLocation(f"Scan location {expected.code} — you scanned {code}.")
    if found is None:
        raise WrongLocation(f"{code} is not a location of {warehouse.code}. Scan a location label.")
    if found.is_virtual:
        raise WrongLocation(f"{found.code} is a virtual location; scan a real one.")
    return found


def numbered(options: Sequence[tuple[str, str]]) -> str:
    """ "1 Damaged · 2 Expired …": how a choice's buttons are typed on a keyboard or keypad."""
    return " · ".join(f"{n} {label}" for n, (_code, label) in enumerate(options, 1))


def choice(value: str, options: Sequence[tuple[str, str]], *, what: str) -> str:
    """A choice typed instead of pressed: its number on the screen, its code or its label (any
    case). Nothing typed is no choice: a grade or reason has no safe default."""
    typed = clean(value).lower()
    for n, (code, label) in enumerate(options, 1):
        if typed and typed in (str(n), code.lower(), label.lower()):
            return code
    if not typed:
        raise ChoiceRequired(
            f"Type the {what}'s number and Enter, or press it: {numbered(options)}."
        )
    raise ChoiceRequired(
        f"{clean(value)} is not a {what} here. Type its number and Enter, or press it: "
        f"{numbered(options)}."
    )


def container(value: str, *, expected: Container | None = None) -> Container:
    code = clean(value)
    if not code:
        raise WrongContainer("Scan a license plate.")
    found = layout_selectors.container_by_label(
        code=code
    )  # a plate, or an SSCC (with AI 00 or not)
    if expected is not None and (found is None or found.pk != expected.pk):
        raise WrongContainer(f"Scan {expected.type} {expected.barcode} — you scanned {code}.")
    if found is None:
        if layout_selectors.is_location_label(code=code):  # only on the refusal: no extra read
            raise WrongContainer(
                f"{code} is a location, not a license plate. Scan the tote, carton or pallet label."
            )
        raise WrongContainer(
            f"License plate {code} is not known. Scan the tote, carton or pallet label."
        )
    return found


def item(
    value: str, *, client_id: int | None = None, expected: Item | None = None
) -> ResolvedBarcode:
    """Any of the item's barcodes (UPC/EAN/GTIN, FNSKU, channel SKU, SKU); a case barcode counts
    the case quantity. Without a client (a blind receipt), the barcode must name one brand's item."""
    code = clean(value)
    if not code:
        raise UnknownBarcode("Scan the item's barcode.")
    if expected is not None:
        client_id = expected.client_id
    if client_id is None:
        owners = catalog_selectors.clients_naming(code=code)
        if not owners:
            raise UnknownBarcode(
                f"Barcode {code} is not in the item master. Scan the item's UPC, FNSKU or SKU "
                "label, or set the unit aside for the item-master admin."
            )
        if len(owners) > 1:
            raise UnknownBarcode(
                f"Barcode {code} belongs to items of {len(owners)} brands; scan the SKU label."
            )
        client_id = owners.pop()
    try:
        resolved = resolve_barcode(client_id=client_id, value=code)
    except UnknownBarcode:
        if expected is not None:
            raise UnknownBarcode(
                f"Scan {expected.sku} — {code} is not one of its barcodes."
            ) from None
        if catalog_selectors.clients_naming(code=code) - {client_id}:  # only on the refusal
            raise UnknownBarcode(
                f"Barcode {code} is another brand's item, not one of this brand's. Set the unit "
                "aside for a supervisor and scan this brand's items."
            ) from None
        raise
    if expected is not None and resolved.item.pk != expected.pk:
        raise UnknownBarcode(f"Scan {expected.sku} — you scanned {resolved.item.sku}.")
    return resolved


def quantity(value: str, *, least: int = 1, most: int | None = None, what: str = "quantity") -> int:
    text = clean(value)
    if not re.fullmatch(r"\d{1,7}", text):
        raise InvalidQuantity(f"Type the {what} as a whole number; you entered '{text}'.")
    n = int(text)
    if n < least:
        raise InvalidQuantity(f"The {what} must be at least {least}; you entered {n}.")
    if most is not None and n > most:
        raise InvalidQuantity(f"The {what} can be at most {most}; you entered {n}.")
    return n


def grams(value: str) -> int:
    """A scale reading: kilograms with a decimal point ("2.45") or whole grams ("2450 g")."""
    text = clean(value).lower().replace(",", ".")
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(kg|g)?", text)
    if not match:
        raise InvalidQuantity(f"Type the weight in kg (e.g. 2.45); you entered '{value.strip()}'.")
    number, unit = match.groups()
    try:
        amount = Decimal(number)
    except InvalidOperation:
        raise InvalidQuantity(f"'{value.strip()}' is not a weight.") from None
    if unit == "g" or (unit is None and "." not in number and amount >= 100):
        result = int(amount)  # a bare "2450" is grams: nobody packs a 2,450 kg carton
    else:
        result = int(amount * 1000)
    if result <= 0 or result > 1_000_000:
        raise InvalidQuantity(
            f"A carton weighs more than 0 and at most 1,000 kg; you entered {value.strip()}."
        )
    return result


def dimensions(value: str) -> tuple[int, int, int]:
    """Length × width × height in centimetres: "40x30x20" (or with spaces, '*' or 'X')."""
    text = clean(value).lower().replace("×", "x").replace("*", "x")
    match = re.fullmatch(r"(\d{1,4})\s*x\s*(\d{1,4})\s*x\s*(\d{1,4})\s*(cm)?", text)
    if not match:
        raise InvalidQuantity(
            f"Type the carton size in cm as length x width x height (e.g. 40x30x20); you entered "
            f"'{value.strip()}'."
        )
    sides = tuple(int(g) * 10 for g in match.groups()[:3])
    if min(sides) <= 0:
        raise InvalidQuantity("Every side of the carton is more than 0 cm.")
    return sides[0], sides[1], sides[2]


def expiry(value: str) -> dt.date:
    """An expiry date as printed or scanned: 2027-03-31, 31/03/2027 or GS1's YYMMDD (270331)."""
    text = clean(value)
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%y%m%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InvalidDate(
        f"Type the expiry date as YYYY-MM-DD (e.g. 2027-03-31); you entered '{text}'."
    )


def lot_of(item_: Item, code: str) -> Lot:
    lot = catalog_selectors.lot_by_code(item=item_, code=clean(code))
    if lot is None:
        raise UnknownLot(
            f"Lot {clean(code)} is not known for {item_.sku}. Scan the lot on the label."
        )
    return lot
