"""Labels as ZPL II for 203 dpi thermal printers: one function per label, data in, text out.

Code 128 fields use ^BC in mode N with explicit invocation codes (">;" start C, ">:" start B,
">5"/">6" switch to C/B, ">8" FNC1), generated from the same symbol plan as the PDF labels
(`gs1.code128_values`), so both print the same bars. GS1-128 is therefore ">;>8…" (or ">:>8…"):
FNC1 right after the start code, and FNC1 again after each variable-length field that is not
last. We avoid mode D (the printer's own UCC/EAN parser) because it re-computes check digits and
depends on firmware version. Human-readable lines are separate text fields, not ^BC's own.

Text goes through ^FH (hex escapes with "_"), so "^", "~" and "_" in data cannot end a field or
start a command; ^CI28 makes the escaped bytes UTF-8.
"""

from __future__ import annotations

from compliance.labels import gs1
from compliance.labels.data import (
    Address,
    CartonLabel,
    CodeLabel,
    FbaBoxLabel,
    FnskuLabel,
    PackingSlip,
    PackingSlipLine,
    PalletLabel,
    ShippingLabel,
)

DPI = 203
WIDTH_4X6, LENGTH_4X6 = 812, 1218  # 4 in × 6 in at 203 dpi
MIN_MODULE = 2  # dots: 1 dot is 4.9 mil, under the 7.5 mil a scanner needs
GS1_MODULE = 4  # dots: 19.7 mil, about the 0.495 mm GS1 logistic-label minimum

_START = {104: ">:", 105: ">;"}


def escape(text: str) -> str:
    """Field data safe under ^FH: "^", "~", "_", control and non-ASCII characters as _XX bytes."""
    out = []
    for char in text:
        if char in "^~_" or not 32 <= ord(char) < 127:
            out.append("".join(f"_{byte:02X}" for byte in char.encode("utf-8")))
        else:
            out.append(char)
    return "".join(out)


def invocations(data: str) -> str:
    """^BC mode N field data for `data` (FNC1 as \\xf1), before ^FH escaping."""
    values = gs1.code128_values(data)
    in_c = values[0] == gs1.START_C
    out = [_START[values[0]]]
    for value in values[1:]:
        if value == gs1.FNC1_VALUE:
            out.append(">8")
        elif in_c and value == gs1.CODE_B:
            out.append(">6")
            in_c = False
        elif not in_c and value == gs1.CODE_C:
            out.append(">5")
            in_c = True
        elif in_c:
            out.append(f"{value:02d}")
        else:
            char = chr(value + 32)
            out.append("><" if char == ">" else char)
    return "".join(out)


def _barcode(
    data: str, *, x: int, y: int, width: int, height: int, max_module: int = GS1_MODULE
) -> str:
    """A ^BC field centred in `width` dots, quiet zones included, with the widest module that fits."""
    modules = gs1.code128_modules(gs1.code128_values(data)) + 20
    module = min(max_module, width // modules)
    if module < MIN_MODULE:
        raise ValueError(
            f"{data.replace(gs1.FNC1, '')!r} needs {modules * MIN_MODULE} dots for a readable "
            f"barcode; the label has {width}."
        )
    left = x + (width - modules * module) // 2 + 10 * module
    return f"^FO{left},{y}^BY{module}^BCN,{height},N,N,N^FH^FD{escape(invocations(data))}^FS"


def _fit(text: str, height: int, width: int) -> str:
    """Cut text to fit: font 0 averages about 0.55 × height per character (an estimate); "..."
    rather than an ellipsis character, which not every printer font has."""
    limit = max(4, int(width / (height * 0.55)))
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _text(x: int, y: int, text: str, height: int, *, width: int, centre: bool = False) -> str:
    block = f"^FB{width},1,0,C,0" if centre else ""
    return f"^FO{x},{y}^A0N,{height}{block}^FH^FD{escape(_fit(text, height, width))}^FS"


def _line(x: int, y: int, width: int, height: int) -> str:
    return f"^FO{x},{y}^GB{width},{height},3^FS"


def _address(title: str, address: Address, *, x: int, y: int, width: int, height: int) -> list[str]:
    fields = [_text(x, y, title, 18, width=width)]
    for i, line in enumerate(address.lines()):
        fields.append(_text(x, y + 24 + i * (height + 4), line, height, width=width))
    return fields


def _label(width: int, length: int, fields: list[str]) -> str:
    """One label: ^PW/^LL sized to the stock, UTF-8 text, home at the corner."""
    return (
        "\n".join(["^XA", "^CI28", f"^PW{width}", f"^LL{length}", "^LH0,0", *fields, "^XZ"]) + "\n"
    )


def _gs1(pairs: list[tuple[str, str]], *, y: int, x: int, width: int, height: int) -> list[str]:
    return [
        _barcode(gs1.gs1_code128_data(pairs), x=x, y=y, width=width, height=height),
        _text(x, y + height + 8, gs1.element_string(pairs), 28, width=width, centre=True),
    ]


def _from_to(ship_from: Address, ship_to: Address, *, bottom: int) -> list[str]:
    return [
        *_address("SHIP FROM:", ship_from, x=15, y=12, width=240, height=20),
        _line(260, 0, 3, bottom),
        *_address("SHIP TO:", ship_to, x=275, y=12, width=525, height=30),
        _line(0, bottom, WIDTH_4X6, 3),
    ]


def _sscc(sscc: str) -> list[str]:
    """Zone I: the SSCC at the bottom, 254 dots (1.25 in, over the 31.75 mm minimum) tall."""
    return [
        _text(15, 852, "SSCC", 20, width=200),
        *_gs1([("00", sscc)], x=10, y=880, width=792, height=254),
    ]


def fnsku_label(data: FnskuLabel) -> str:
    """2.25 × 1.25 in (457 × 254 dots) FNSKU label: bars, FNSKU, title, condition."""
    return _label(
        457,
        254,
        [
            _barcode(data.fnsku, x=5, y=14, width=447, height=100, max_module=3),
            _text(5, 122, data.fnsku, 30, width=447, centre=True),
            _text(15, 162, data.title, 22, width=427),
            _text(15, 200, data.condition, 24, width=427),
        ],
    )


def carton_label(data: CartonLabel) -> str:
    """GS1 logistic label, zones as in `pdf.carton_label`."""
    postal = data.ship_to.postal_code.replace("-", "").replace(" ", "")
    fields = [
        *_from_to(data.ship_from, data.ship_to, bottom=230),
        _text(15, 242, "SHIP TO POSTAL CODE", 18, width=420),
        *_gs1([("420", postal)], x=5, y=270, width=440, height=170),
        _line(450, 230, 3, 280),
        _text(465, 242, "CARRIER:", 18, width=330),
        _text(465, 280, data.carrier, 40, width=330),
        _text(465, 340, f"PRO: {data.pro_number}", 24, width=330),
        _text(465, 375, f"B/L: {data.bol_number}", 24, width=330),
        _line(0, 510, WIDTH_4X6, 3),
        _text(15, 525, f"PO: {data.po_number}", 44, width=780),
        _text(15, 585, f"CARTON {data.carton_number} OF {data.carton_count}", 36, width=780),
        _line(0, 660, WIDTH_4X6, 3),
    ]
    if data.content_pairs():
        fields.append(_text(15, 668, "CONTENTS", 18, width=300))
        try:
            fields += _gs1(data.content_pairs(), x=10, y=692, width=792, height=110)
        except ValueError:  # optional in GS1: printed instead of barcoded when it will not fit
            fields.append(_text(15, 712, gs1.element_string(data.content_pairs()), 24, width=780))
    return _label(WIDTH_4X6, LENGTH_4X6, [*fields, _line(0, 840, WIDTH_4X6, 3), *_sscc(data.sscc)])


def pallet_label(data: PalletLabel) -> str:
    """4×6 pallet label: addresses, PO, carton count and weight, the SSCC at the bottom."""
    fields = [
        *_from_to(data.ship_from, data.ship_to, bottom=260),
        _text(15, 300, f"PO: {data.po_number}", 50, width=780),
        _text(15, 420, f"CARTONS: {data.carton_count}", 50, width=780),
        _text(15, 540, f"WEIGHT: {data.weight} {data.weight_unit}", 50, width=780),
        _text(15, 680, "PALLET", 90, width=780),
        _line(0, 840, WIDTH_4X6, 3),
    ]
    return _label(WIDTH_4X6, LENGTH_4X6, [*fields, *_sscc(data.sscc)])


def fba_box_label(data: FbaBoxLabel) -> str:
    """4×6 Amazon inbound box label with the box ID as Code 128."""
    fields = [
        *_from_to(data.ship_from, data.ship_to, bottom=230),
        _text(15, 250, f"FBA: {data.shipment_name}", 26, width=780),
        _text(15, 295, data.shipment_id, 64, width=520),
        _text(555, 295, data.fc_code, 64, width=250),
        _text(15, 380, f"BOX {data.box_number} OF {data.box_count}", 54, width=780),
        _line(0, 460, WIDTH_4X6, 3),
        _barcode(data.box_id, x=10, y=520, width=792, height=254, max_module=3),
        _text(10, 790, data.box_id, 40, width=792, centre=True),
        _text(15, 1140, "PLEASE LEAVE THIS LABEL UNCOVERED", 30, width=780),
    ]
    return _label(WIDTH_4X6, LENGTH_4X6, fields)


def shipping_label(data: ShippingLabel) -> str:
    """4×6 parcel label: carrier and service, addresses, weight, tracking barcode."""
    fields = [
        _text(15, 20, data.carrier, 64, width=520),
        _text(15, 95, data.service, 34, width=520),
        _text(555, 30, f"{data.weight} {data.weight_unit}", 40, width=250),
        _line(0, 160, WIDTH_4X6, 3),
        *_address("SHIP FROM:", data.ship_from, x=15, y=172, width=780, height=20),
        _line(0, 330, WIDTH_4X6, 3),
        *_address("SHIP TO:", data.ship_to, x=50, y=345, width=750, height=36),
        _text(15, 650, f"REF: {data.reference}", 24, width=780),
        _line(0, 690, WIDTH_4X6, 3),
        _text(15, 705, "TRACKING #", 24, width=400),
        _barcode(data.tracking_number, x=10, y=750, width=792, height=280, max_module=3),
        _text(10, 1050, data.tracking_number, 40, width=792, centre=True),
    ]
    return _label(WIDTH_4X6, LENGTH_4X6, fields)


def code_label(data: CodeLabel) -> str:
    """4 × 2 in (812 × 406 dots) floor label: item, location or license plate."""
    fields = [
        _text(20, 12, data.caption, 28, width=770),
        _barcode(data.code, x=10, y=50, width=792, height=230, max_module=5),
        _text(10, 292, data.code, 60, width=792, centre=True),
        _text(20, 365, data.description, 26, width=770),
    ]
    return _label(WIDTH_4X6, 406, fields)


_SLIP_ROWS_FIRST, _SLIP_ROWS_NEXT = 24, 30  # what fits above the 6-inch edge


def packing_slip(data: PackingSlip) -> str:
    """Packing slip on 4×6 thermal stock, one label per page of lines; each page carries the
    order barcode so a page found alone still scans to its order."""
    pages: list[tuple[PackingSlipLine, ...]] = []
    rest = data.lines
    while rest:
        rows = _SLIP_ROWS_NEXT if pages else _SLIP_ROWS_FIRST
        pages.append(rest[:rows])
        rest = rest[rows:]
    labels = []
    for number, lines in enumerate(pages, start=1):
        fields = [
            _text(15, 15, "PACKING SLIP", 40, width=420),
            _text(15, 62, f"Order {data.order_ref}", 28, width=420),
            _text(15, 96, f"Page {number} of {len(pages)}", 20, width=420),
            _barcode(data.order_ref, x=430, y=15, width=372, height=100, max_module=3),
        ]
        y = 135
        if number == 1:
            fields += _address("SHIP TO:", data.ship_to, x=15, y=y, width=780, height=24)
            y += 175
        fields += [_text(15, y, "SKU", 22, width=200), _text(230, y, "DESCRIPTION", 22, width=450)]
        fields += [_text(700, y, "QTY", 22, width=100), _line(15, y + 26, 782, 2)]
        for line in lines:
            y += 32
            fields += [
                _text(15, y, line.sku, 24, width=205),
                _text(230, y, line.description, 24, width=455),
            ]
            fields.append(f"^FO700,{y}^A0N,24^FB97,1,0,R,0^FD{line.quantity}^FS")
        if number == len(pages):
            total = sum(line.quantity for line in data.lines)
            fields.append(_text(15, y + 45, f"Total units: {total}", 28, width=780))
        labels.append(_label(WIDTH_4X6, LENGTH_4X6, fields))
    return "".join(labels)
