"""Labels as PDF (reportlab): one function per label, data in, bytes out, no database.

Every barcode is Code 128 drawn from symbol values we compute in `gs1.code128_values` (reportlab
only draws the bars): its own encoder loses a digit in some GS1 strings. Bars are sized to the
space available, capped at a sensible X-dimension, and refused below 7.5 mil instead of printing
something a scanner cannot read. Output is byte-for-byte reproducible (invariant mode), so a
reprint is identical to the first print.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from compliance.labels import gs1
from compliance.labels.data import (
    Address,
    CartonLabel,
    CodeLabel,
    FbaBoxLabel,
    FnskuLabel,
    PackingSlip,
    PalletLabel,
    ShippingLabel,
)

FONT = "Helvetica"
BOLD = "Helvetica-Bold"
# 10 mil: the common default X-dimension. 7.5 mil printed, but did not scan back from a 300 dpi
# raster (and is 1.5 dots on a 203 dpi thermal head), so anything narrower is refused.
MIN_X = 0.010 * inch
GS1_X = 0.0195 * inch  # 0.495 mm, the GS1 logistic-label minimum X-dimension
FOUR_BY_SIX = (4 * inch, 6 * inch)


class _Symbol(Code128):
    """reportlab's Code 128 drawing, fed with symbol values we chose (see module docstring)."""

    def __init__(self, values: list[int], **kwargs: object) -> None:
        self._values = values
        super().__init__("", humanReadable=0, **kwargs)

    def validate(self) -> str:
        self.valid = 1
        self.validated = ""
        return ""

    def encode(self) -> list[int]:
        self.encoded = [*self._values, gs1.code128_checksum(self._values), gs1.STOP]
        return self.encoded


def _barcode(
    c: Canvas,
    data: str,
    *,
    x: float,
    y: float,
    width: float,
    height: float,
    max_x: float = 0.015 * inch,
) -> None:
    """Code 128 of `data` (FNC1 as \\xf1), centred in `width` including 10X quiet zones."""
    values = gs1.code128_values(data)
    modules = gs1.code128_modules(values) + 20
    bar = min(max_x, width / modules)
    if bar < MIN_X:
        raise ValueError(
            f"{data.replace(gs1.FNC1, '')!r} needs {modules * MIN_X / inch:.2f} in for a readable "
            f"barcode; the label has {width / inch:.2f} in."
        )
    symbol = _Symbol(values, barWidth=bar, barHeight=height, lquiet=10 * bar, rquiet=10 * bar)
    symbol.drawOn(c, x + (width - modules * bar) / 2, y)


def _gs1_barcode(
    c: Canvas, pairs: list[tuple[str, str]], *, x: float, y: float, width: float, height: float
) -> None:
    """GS1-128 with its HRI text centred under the bars."""
    _barcode(c, gs1.gs1_code128_data(pairs), x=x, y=y, width=width, height=height, max_x=GS1_X)
    _centred(c, x + width / 2, y - 10, gs1.element_string(pairs), 9, width=width, bold=True)


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Cut `text` to `width`, ending in an ellipsis, so it never runs off the label."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _text(
    c: Canvas, x: float, y: float, text: str, size: float, *, width: float, bold: bool = False
) -> None:
    font = BOLD if bold else FONT
    c.setFont(font, size)
    c.drawString(x, y, _fit(text, font, size, width))


def _centred(
    c: Canvas, x: float, y: float, text: str, size: float, *, width: float, bold: bool = False
) -> None:
    font = BOLD if bold else FONT
    size = min(size, size * width / max(stringWidth(text, font, size), 1))  # shrink, never cut
    c.setFont(font, size)
    c.drawCentredString(x, y, text)


def _address(
    c: Canvas, title: str, address: Address, *, x: float, top: float, width: float, size: float
) -> None:
    _text(c, x, top - 7, title, 6, width=width, bold=True)
    for i, line in enumerate(address.lines()):
        _text(c, x, top - 9 - (i + 1) * (size + 1), line, size, width=width, bold=i == 0)


def _document(size: tuple[float, float], title: str, draw: Callable[[Canvas], None]) -> bytes:
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=size, invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("Touchline WMS")
    draw(c)
    c.showPage()
    c.save()
    return buffer.getvalue()


def _rule(c: Canvas, y: float, x0: float = 0, x1: float = 4 * inch) -> None:
    c.setLineWidth(1)
    c.line(x0, y, x1, y)


def _from_to(c: Canvas, ship_from: Address, ship_to: Address, *, bottom: float) -> None:
    """Zones A and B of a 4×6 label: ship-from on the left, ship-to (larger) on the right."""
    top = 6 * inch
    _address(c, "SHIP FROM:", ship_from, x=6, top=top, width=118, size=7)
    c.line(128, bottom, 128, top)
    _address(c, "SHIP TO:", ship_to, x=134, top=top, width=148, size=9)
    _rule(c, bottom)


def _sscc_zone(c: Canvas, sscc: str) -> None:
    """Zone I: the SSCC GS1-128 in the lowest part of the label, at least 31.75 mm tall."""
    _text(c, 6, 122, "SSCC", 7, width=100, bold=True)
    _gs1_barcode(c, [("00", sscc)], x=4, y=26, width=280, height=92)


# --- Amazon item labels ----------------------------------------------------------------------


def _draw_fnsku(c: Canvas, data: FnskuLabel, x: float, y: float, w: float, h: float) -> None:
    _barcode(c, data.fnsku, x=x + 2, y=y + h * 0.44, width=w - 4, height=h * 0.46)
    _centred(c, x + w / 2, y + h * 0.32, data.fnsku, h * 0.1, width=w - 8, bold=True)
    size = h * 0.08
    _text(c, x + 6, y + h * 0.19, data.title, size, width=w - 12)
    _text(c, x + 6, y + h * 0.07, data.condition, size, width=w - 12, bold=True)


def fnsku_label(data: FnskuLabel) -> bytes:
    """One 2.25"×1.25" thermal FNSKU label (inside Amazon's 1"×2" to 2"×3" range)."""
    w, h = 2.25 * inch, 1.25 * inch
    return _document((w, h), f"FNSKU {data.fnsku}", lambda c: _draw_fnsku(c, data, 0, 0, w, h))


@dataclass(frozen=True)
class SheetTemplate:
    columns: int
    rows: int
    label_width: float
    label_height: float
    left: float
    top: float
    pitch_x: float
    pitch_y: float
    page: tuple[float, float] = letter


# Named as Amazon's ItemLabelPageType so a sheet printed here matches one printed from Amazon.
SHEETS = {
    # Avery 5160 grid: 3 × 10 labels of 2-5/8" × 1", 3/16" side and 1/2" top margins.
    "Letter_30": SheetTemplate(
        3, 10, 2.625 * inch, inch, 0.1875 * inch, 0.5 * inch, 2.75 * inch, inch
    ),
}


def fnsku_sheet(labels: list[FnskuLabel], template: str = "Letter_30") -> bytes:
    """FNSKU labels on sheet stock, as many pages as needed; print at 100 %, never 'fit to page'."""
    if template not in SHEETS:
        raise ValueError(f"Unknown sheet template {template!r}; known: {', '.join(SHEETS)}.")
    if not labels:
        raise ValueError("No labels to print.")
    sheet = SHEETS[template]
    per_page = sheet.columns * sheet.rows

    def draw(c: Canvas) -> None:
        for index, label in enumerate(labels):
            if index and index % per_page == 0:
                c.showPage()
            row, column = divmod(index % per_page, sheet.columns)
            x = sheet.left + column * sheet.pitch_x
            y = sheet.page[1] - sheet.top - (row + 1) * sheet.pitch_y
            _draw_fnsku(c, label, x, y, sheet.label_width, sheet.label_height)

    return _document(sheet.page, f"FNSKU labels ({len(labels)})", draw)


# --- 4×6 logistic labels -----------------------------------------------------------------------


def carton_label(data: CartonLabel) -> bytes:
    """GS1 logistic label (VICS zones): A/B addresses, C (420) postal code, D carrier, E PO and
    carton count, F optional contents (02)+(37)[+(10)], I the SSCC at the bottom."""

    def draw(c: Canvas) -> None:
        _from_to(c, data.ship_from, data.ship_to, bottom=352)
        _text(c, 6, 342, "SHIP TO POSTAL CODE", 6, width=150, bold=True)
        postal = data.ship_to.postal_code.replace("-", "").replace(" ", "")
        _gs1_barcode(c, [("420", postal)], x=2, y=274, width=156, height=60)
        c.line(160, 252, 160, 352)
        _text(c, 166, 342, "CARRIER:", 6, width=116, bold=True)
        _text(c, 166, 322, data.carrier, 12, width=116, bold=True)
        _text(c, 166, 300, f"PRO: {data.pro_number}", 8, width=116)
        _text(c, 166, 286, f"B/L: {data.bol_number}", 8, width=116)
        _rule(c, 252)
        _text(c, 6, 232, f"PO: {data.po_number}", 13, width=180, bold=True)
        _text(c, 6, 212, f"CARTON {data.carton_number} OF {data.carton_count}", 11, width=180)
        _rule(c, 200)
        if data.content_pairs():
            _text(c, 6, 190, "CONTENTS", 6, width=100, bold=True)
            try:
                _gs1_barcode(c, data.content_pairs(), x=4, y=146, width=280, height=40)
            except ValueError:
                # GS1 makes the contents barcode optional (the SSCC is not): when a long lot
                # will not scan at the label's width, the contents are printed, not barcoded.
                _text(c, 6, 170, gs1.element_string(data.content_pairs()), 9, width=280, bold=True)
                _text(c, 6, 156, "contents too long to barcode on this label", 6, width=280)
        _rule(c, 132)
        _sscc_zone(c, data.sscc)

    return _document(FOUR_BY_SIX, f"Carton {data.sscc}", draw)


def pallet_label(data: PalletLabel) -> bytes:
    """4×6 pallet label: addresses, PO, carton count and weight, the SSCC at the bottom."""

    def draw(c: Canvas) -> None:
        _from_to(c, data.ship_from, data.ship_to, bottom=340)
        _text(c, 6, 310, f"PO: {data.po_number}", 16, width=276, bold=True)
        _text(c, 6, 270, f"CARTONS: {data.carton_count}", 16, width=276, bold=True)
        _text(c, 6, 230, f"WEIGHT: {data.weight} {data.weight_unit}", 16, width=276, bold=True)
        _text(c, 6, 190, "PALLET", 28, width=276, bold=True)
        _rule(c, 132)
        _sscc_zone(c, data.sscc)

    return _document(FOUR_BY_SIX, f"Pallet {data.sscc}", draw)


def fba_box_label(data: FbaBoxLabel) -> bytes:
    """4×6 Amazon inbound box label: shipment, FC, box n of m and the box ID as Code 128."""

    def draw(c: Canvas) -> None:
        _from_to(c, data.ship_from, data.ship_to, bottom=352)
        _text(c, 6, 322, f"FBA: {data.shipment_name}", 9, width=276)
        _text(c, 6, 294, data.shipment_id, 22, width=180, bold=True)
        _text(c, 196, 294, data.fc_code, 22, width=86, bold=True)
        _text(c, 6, 262, f"BOX {data.box_number} OF {data.box_count}", 18, width=276, bold=True)
        _rule(c, 240)
        _barcode(c, data.box_id, x=4, y=120, width=280, height=90)
        _centred(c, 144, 100, data.box_id, 14, width=276, bold=True)
        _text(c, 6, 30, "PLEASE LEAVE THIS LABEL UNCOVERED", 10, width=276, bold=True)

    return _document(FOUR_BY_SIX, f"FBA box {data.box_id}", draw)


def shipping_label(data: ShippingLabel) -> bytes:
    """4×6 parcel label of our own: carrier and service, addresses, weight, tracking barcode."""

    def draw(c: Canvas) -> None:
        _text(c, 6, 404, data.carrier, 22, width=180, bold=True)
        _text(c, 6, 384, data.service, 12, width=276)
        _text(c, 190, 404, f"{data.weight} {data.weight_unit}", 14, width=92, bold=True)
        _rule(c, 374)
        _address(c, "SHIP FROM:", data.ship_from, x=6, top=374, width=276, size=7)
        _rule(c, 314)
        _address(c, "SHIP TO:", data.ship_to, x=18, top=314, width=264, size=12)
        _text(c, 6, 196, f"REF: {data.reference}", 8, width=276)
        _rule(c, 186)
        _text(c, 6, 174, "TRACKING #", 8, width=276, bold=True)
        _barcode(c, data.tracking_number, x=4, y=60, width=280, height=100)
        _centred(c, 144, 40, data.tracking_number, 14, width=276, bold=True)

    return _document(FOUR_BY_SIX, f"{data.carrier} {data.tracking_number}", draw)


def code_label(data: CodeLabel) -> bytes:
    """4"×2" floor label (item, location, license plate): big bars, big text, scannable from reach."""

    def draw(c: Canvas) -> None:
        _text(c, 8, 132, data.caption, 9, width=272, bold=True)
        _barcode(c, data.code, x=4, y=46, width=280, height=78, max_x=0.025 * inch)
        _centred(c, 144, 24, data.code, 20, width=272, bold=True)
        _text(c, 8, 8, data.description, 8, width=272)

    return _document((4 * inch, 2 * inch), f"{data.caption} {data.code}", draw)


# --- Packing slip ----------------------------------------------------------------------------

_ROWS_FIRST, _ROWS_NEXT = 30, 36  # what fits above the 0.6" bottom margin


def packing_slip(data: PackingSlip) -> bytes:
    """US Letter packing slip; every page repeats the order reference and its barcode so a page
    found alone on the floor still scans to its order."""
    wide = (gs1.code128_modules(gs1.code128_values(data.order_ref)) + 20) * MIN_X > 220
    pages: list[tuple[int, int]] = []
    start = 0
    while start < len(data.lines):
        rows = (_ROWS_NEXT if pages else _ROWS_FIRST) - (5 if wide else 0)
        pages.append((start, min(start + rows, len(data.lines))))
        start += rows
    width, height = letter
    margin = 0.6 * inch

    def draw(c: Canvas) -> None:
        for number, (first, last) in enumerate(pages, start=1):
            if number > 1:
                c.showPage()
            top = height - margin
            _text(c, margin, top - 18, "PACKING SLIP", 18, width=250, bold=True)
            _text(c, margin, top - 38, f"Order {data.order_ref}", 12, width=250)
            _text(c, margin, top - 54, f"Page {number} of {len(pages)}", 8, width=250)
            if wide:  # a long channel id (a Shopify gid): the barcode gets a row of its own
                _barcode(
                    c, data.order_ref, x=margin, y=top - 116, width=width - 2 * margin, height=46
                )
                y = top - 136
            else:
                _barcode(
                    c, data.order_ref, x=width - margin - 220, y=top - 50, width=220, height=46
                )
                y = top - 70
            if number == 1:
                _address(c, "SHIP TO:", data.ship_to, x=margin, top=y, width=240, size=10)
                if data.ship_from:
                    _address(c, "FROM:", data.ship_from, x=width / 2, top=y, width=240, size=8)
                y -= 100
            columns = (margin, margin + 130, width - margin - 40)
            for x, title in zip(columns, ("SKU", "DESCRIPTION", "QTY"), strict=True):
                _text(c, x, y, title, 9, width=120, bold=True)
            _rule(c, y - 4, margin, width - margin)
            for line in data.lines[first:last]:
                y -= 16
                _text(c, columns[0], y, line.sku, 9, width=125)
                _text(c, columns[1], y, line.description, 9, width=columns[2] - columns[1] - 10)
                c.drawRightString(width - margin, y, str(line.quantity))
            if number == len(pages):
                _rule(c, y - 6, margin, width - margin)
                total = sum(line.quantity for line in data.lines)
                _text(c, margin, y - 20, f"Total units: {total}", 10, width=200, bold=True)
                _text(c, margin, y - 38, data.note, 9, width=width - 2 * margin)

    return _document(letter, f"Packing slip {data.order_ref}", draw)
