"""Labels scan back to what they were asked to say.

Every PDF label is rendered at 300 dpi (pypdfium2) and read with an independent decoder
(zxing-cpp); GS1-128 symbols must come back flagged as GS1 (symbology identifier ]C1) and parse,
check digits and all, to the element strings we meant. ZPL has no renderer here, so its tests
check structure. No database: the renderers take plain frozen data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal

import pypdfium2
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import ean

from compliance.labels import gs1, pdf, zpl
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
from compliance.tests.label_artifacts import keep

DPI = 300
RENO = Address("Touchline 3PL", "100 Dock Rd", "Reno", "NV", "89502")
DC = Address("Big Retail DC 12", "5 Commerce Way", "Beverly Hills", "CA", "90210")
SSCC = gs1.sscc(0, "0614141", 123456789)  # the documented example
GTIN = "10614141999993"
SHOE = FnskuLabel("X00ABCDEFG", "Northwind Trail Running Shoe, Men's 10, Blue/Grey, extra wide fit")
PALLET = PalletLabel(gs1.sscc(1, "0614141", 42), RENO, DC, "PO-1", 40, Decimal("812.5"))
BOX = FbaBoxLabel("FBA15ABCDE", "FBA15ABCDE U000001", 1, 3, RENO, DC, "ONT8")
PARCEL = ShippingLabel("UPS", "Ground", "1Z999AA10123456784", DC, RENO, Decimal("4.2"))
SIX = "^PW812\n^LL1218"  # 4 × 6 in at 203 dpi
SLIP = PackingSlip(
    "SO-1001", DC, tuple(PackingSlipLine(f"SKU-{i}", f"Widget {i}", i + 1) for i in range(40)), RENO
)


def scan(document: bytes) -> list[list[zxingcpp.Barcode]]:
    """Every page at 300 dpi, every barcode on it, top to bottom (the PDF kept in artifacts/labels)."""
    keep(document)
    doc = pypdfium2.PdfDocument(document)
    try:
        pages = []
        for index in range(len(doc)):
            image = doc[index].render(scale=DPI / 72).to_pil()
            found = zxingcpp.read_barcodes(image)
            pages.append(sorted(found, key=lambda b: b.position.top_left.y))
        return pages
    finally:
        doc.close()


def page_text(document: bytes) -> str:
    doc = pypdfium2.PdfDocument(document)
    try:
        return str(doc[0].get_textpage().get_text_range())
    finally:
        doc.close()


def plain(barcodes: list[zxingcpp.Barcode]) -> list[str]:
    """Texts of plain Code 128 symbols; fails on anything else."""
    for barcode in barcodes:
        assert barcode.format == zxingcpp.BarcodeFormat.Code128
        assert barcode.symbology_identifier == "]C0"
        assert barcode.content_type == zxingcpp.ContentType.Text
    return [barcode.text for barcode in barcodes]


def elements(barcodes: list[zxingcpp.Barcode]) -> list[dict[str, str]]:
    """GS1-128 symbols parsed; the HRI text (zxing's default) and the raw bytes must agree."""
    parsed = []
    for barcode in barcodes:
        assert barcode.symbology_identifier == "]C1"
        assert barcode.content_type == zxingcpp.ContentType.GS1
        assert gs1.parse(barcode.bytes.decode("ascii")) == gs1.parse(barcode.text)
        parsed.append(gs1.parse(barcode.text))
    return parsed


# --- GS1 helpers -----------------------------------------------------------------------------


def test_sscc_matches_the_documented_example_and_other_check_digits() -> None:
    assert SSCC == "006141411234567890"
    assert gs1.sscc(3, "0614141999", 1) == "306141419990000010"
    assert gs1.check_digit("03600029145") == "2"  # UPC-A 036000291452
    for body in ("0061414112345678", "1234567", "4006381333931"[:-1], SSCC[:-1]):
        assert gs1.check_digit(body) == ean.calc_check_digit(body)  # independent implementation
    assert gs1.has_valid_check_digit(GTIN)


@pytest.mark.parametrize(
    ("extension", "prefix", "serial", "message"),
    [
        (0, "061414", 1, "7–10 digits"),
        (0, "06141412345", 1, "7–10 digits"),
        (0, "06141A1", 1, "7–10 digits"),
        (0, "0614141234", 1_000_000, "leaves 6 digits"),
        (0, "0614141", -1, "does not fit"),
        (10, "0614141", 1, "extension digit"),
    ],
)
def test_sscc_refuses_what_would_not_be_an_sscc(
    extension: int, prefix: str, serial: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        gs1.sscc(extension, prefix, serial)


def test_encoded_puts_fixed_fields_first_and_separates_variable_ones() -> None:
    assert gs1.encoded([("420", "90210"), ("00", SSCC)]) == f"00{SSCC}42090210"
    assert gs1.encoded([("37", "24"), ("02", GTIN), ("10", "L7")]) == f"02{GTIN}3724\x1d10L7"
    assert gs1.encoded([("400", "PO-1"), ("420", "90210")]) == "400PO-1\x1d42090210"
    assert gs1.element_string([("37", "24"), ("02", GTIN)]) == f"(02){GTIN}(37)24"


def test_parse_reads_hri_and_raw_forms_and_checks_digits() -> None:
    want = {"02": GTIN, "37": "24", "10": "L(7)"}
    assert gs1.parse(f"(02){GTIN}(37)24(10)L(7)") == want
    assert gs1.parse(f"]C102{GTIN}3724\x1d10L(7)") == want
    with pytest.raises(ValueError, match="last digit should be 0"):
        gs1.parse("(00)006141411234567891")
    with pytest.raises(ValueError, match="must come with AI"):
        gs1.parse(f"02{GTIN}")
    with pytest.raises(ValueError, match="Unknown or unsupported AI"):
        gs1.parse("21ABC")


def test_label_data_refuses_a_wrong_label() -> None:
    with pytest.raises(ValueError, match="valid check digit"):
        CartonLabel("006141411234567891", RENO, DC, "PO-1", 1, 1, "XPO")
    with pytest.raises(ValueError, match="Carton 3 of 2"):
        CartonLabel(SSCC, RENO, DC, "PO-1", 3, 2, "XPO")
    with pytest.raises(ValueError, match="go together"):
        CartonLabel(SSCC, RENO, DC, "PO-1", 1, 1, "XPO", content_gtin=GTIN)


# --- PDF labels scan back --------------------------------------------------------------------


def test_fnsku_label_scans_and_shows_fnsku_title_and_condition() -> None:
    document = pdf.fnsku_label(SHOE)
    [page] = scan(document)
    assert plain(page) == ["X00ABCDEFG"]
    text = page_text(document)
    assert "X00ABCDEFG" in text and "New" in text
    assert "Northwind Trail Running Shoe" in text and "extra wide fit" not in text  # cut to fit
    assert pdf.fnsku_label(SHOE) == document  # a reprint is byte-for-byte the first print


def test_31_fnsku_labels_fill_a_letter_30_sheet_and_start_a_second() -> None:
    labels = [FnskuLabel(f"X00TEST{i:03d}", f"Item {i}") for i in range(31)]
    pages = scan(pdf.fnsku_sheet(labels))
    assert [len(page) for page in pages] == [30, 1]
    assert sorted(text for page in pages for text in plain(page)) == [x.fnsku for x in labels]
    with pytest.raises(ValueError, match="Unknown sheet template"):
        pdf.fnsku_sheet(labels, template="A4_99")


@pytest.mark.parametrize(
    ("single_sku", "lot"),
    [
        (False, None),
        (True, None),
        (True, "LOT-2024A"),
        (
            True,
            "1234567",
        ),  # odd digit run after an FNC1: reportlab's own encoder drops a digit here
    ],
)
def test_carton_label_gs1_barcodes_scan_to_their_element_strings(
    single_sku: bool, lot: str | None
) -> None:
    gtin, count = (GTIN, 24) if single_sku else (None, None)
    label = CartonLabel(
        SSCC,
        RENO,
        DC,
        "PO-4500012345",
        3,
        12,
        "XPO",
        content_gtin=gtin,
        content_count=count,
        lot=lot,
    )
    [page] = scan(pdf.carton_label(label))
    parsed = elements(page)
    assert parsed[0] == {"420": "90210"}  # zone C, near the top
    assert parsed[-1] == {"00": SSCC}  # zone I: the SSCC is the lowest barcode
    contents = {"02": GTIN, "37": "24"} | ({"10": lot} if lot else {})
    assert parsed[1:-1] == ([contents] if single_sku else [])


@pytest.mark.slow
@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(
    lot=st.text(alphabet="0123456789AZ-/", min_size=1, max_size=20),
    count=st.integers(min_value=1, max_value=99_999_999),
)
def test_any_lot_and_count_scan_back(lot: str, count: int) -> None:
    """Digit runs of every length around FNC1s: the code-set choices that reportlab got wrong.
    Contents too long to scan at 10 mil are printed as text instead (GS1 makes them optional)."""
    label = CartonLabel(
        SSCC, RENO, DC, "PO-1", 1, 1, "XPO", content_gtin=GTIN, content_count=count, lot=lot
    )
    document = pdf.carton_label(label)
    [page] = scan(document)
    parsed = elements(page)
    if len(parsed) == 3:
        assert parsed[1] == {"02": GTIN, "37": str(count), "10": lot}
    else:
        assert parsed == [{"420": "90210"}, {"00": SSCC}]
        assert "contents too long to barcode" in page_text(document)
        assert lot in page_text(document)


def test_a_long_lot_is_printed_not_barcoded() -> None:
    label = CartonLabel(
        SSCC,
        RENO,
        DC,
        "PO-1",
        1,
        1,
        "XPO",
        content_gtin=GTIN,
        content_count=10_000_000,
        lot="0A00000A0-2000000A0",
    )
    document = pdf.carton_label(label)
    [page] = scan(document)
    assert elements(page) == [{"420": "90210"}, {"00": SSCC}]
    assert "(02)10614141999993(37)10000000(10)0A00000A0-2000000A0" in page_text(document)
    assert "0A00000A0-2000000A0" in zpl.carton_label(label)


def test_pallet_label_scans_to_its_sscc() -> None:
    [page] = scan(pdf.pallet_label(PALLET))
    assert elements(page) == [{"00": PALLET.sscc}]


@pytest.mark.parametrize(
    ("render", "label", "expected"),
    [
        (pdf.fba_box_label, BOX, "FBA15ABCDE U000001"),
        (pdf.shipping_label, PARCEL, "1Z999AA10123456784"),
        (pdf.code_label, CodeLabel("B-04-2", "LOCATION", "Aisle B bay 4 level 2"), "B-04-2"),
        (pdf.code_label, CodeLabel("LP00001234", "LICENSE PLATE"), "LP00001234"),
        (pdf.code_label, CodeLabel("00036000291452", "ITEM"), "00036000291452"),
    ],
)
def test_code128_labels_scan_to_their_data(
    render: Callable[..., bytes], label: object, expected: str
) -> None:
    [page] = scan(render(label))
    assert plain(page) == [expected]


def test_every_packing_slip_page_scans_to_the_order() -> None:
    pages = scan(pdf.packing_slip(SLIP))
    assert [plain(page) for page in pages] == [["SO-1001"], ["SO-1001"]]


def test_a_shopify_fulfillment_order_id_gets_a_slip_barcode_row_of_its_own() -> None:
    gid = "gid://shopify/FulfillmentOrder/1005"  # a Shopify order's external id
    pages = scan(pdf.packing_slip(dataclasses.replace(SLIP, order_ref=gid)))
    assert [plain(page) for page in pages] == [[gid], [gid]]


def test_data_too_long_for_the_label_is_refused_not_printed_unreadable() -> None:
    with pytest.raises(ValueError, match="readable barcode"):
        pdf.code_label(CodeLabel("X" * 60))
    with pytest.raises(ValueError, match="printable ASCII"):
        pdf.code_label(CodeLabel("LOC-Ä1"))


# --- ZPL ---------------------------------------------------------------------------------------


def carton() -> CartonLabel:
    return CartonLabel(
        SSCC, RENO, DC, "PO-1", 1, 2, "XPO", content_gtin=GTIN, content_count=24, lot="LOT-2024A"
    )


@pytest.mark.parametrize(
    ("text", "size"),
    [
        (zpl.fnsku_label(SHOE), "^PW457\n^LL254"),
        (zpl.carton_label(carton()), SIX),
        (zpl.pallet_label(PALLET), SIX),
        (zpl.fba_box_label(BOX), SIX),
        (zpl.shipping_label(PARCEL), SIX),
        (zpl.packing_slip(SLIP), SIX),
        (zpl.code_label(CodeLabel("B-04-2", "LOCATION")), "^PW812\n^LL406"),
    ],
)
def test_zpl_labels_are_whole_and_sized_for_their_stock(text: str, size: str) -> None:
    assert text.startswith("^XA") and text.rstrip().endswith("^XZ")
    assert text.count("^XA") == text.count("^XZ") and "^CI28" in text
    assert size in text
    assert "^BCN," in text


def test_zpl_gs1_barcodes_start_with_fnc1_and_separate_variable_fields() -> None:
    text = zpl.carton_label(carton())
    assert "^BY4^BCN,254,N,N,N^FH^FD>;>800006141411234567890^FS" in text  # SSCC, 19.7 mil
    assert "^FD>;>842090210^FS" in text
    assert "^FD>;>802106141419999933724>810>6LOT-2024A^FS" in text
    assert "(02)10614141999993(37)24(10)LOT-2024A" in text


def test_zpl_invocations_switch_code_sets_and_escape_the_invocation_character() -> None:
    assert zpl.invocations("X00ABCDEFG") == ">:X00ABCDEFG"
    assert zpl.invocations("\xf110" + "1234567") == ">;>810123456>67"
    assert zpl.invocations("FBA15ABCDE U000001") == ">:FBA15ABCDE U>5000001"
    assert zpl.invocations("A>B") == ">:A><B"


def test_zpl_text_cannot_break_out_of_its_field() -> None:
    text = zpl.fnsku_label(FnskuLabel("X00ABCDEFG", "Cap^Tilde~Under_Ü"))
    assert "^FDCap_5ETilde_7EUnder_5F_C3_9C^FS" in text
    assert "~Under" not in text and "^Tilde" not in text
    assert zpl.packing_slip(SLIP).count("^XA") == 2
    assert zpl.code_label(CodeLabel("B^1")).count("^FD>:B_5E1^FS") == 1
