"""GS1 helpers for logistic labels: check digits, SSCC, element strings, scans, Code 128 symbols.

Pure functions, no Django. The AI table holds only the AIs our carton and pallet labels use; an
unknown AI is an error rather than a guess, because a guessed length silently shifts every field
after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

GS = "\x1d"
"""The separator a scanner sends for an FNC1 that ends a variable-length field."""

FNC1 = "\xf1"
"""FNC1 inside data passed to `code128_values` (the same convention reportlab uses)."""

# AI -> (fixed length or None, max length, numeric only, mod-10 check digit).
AIS: dict[str, tuple[int | None, int, bool, bool]] = {
    "00": (18, 18, True, True),  # SSCC
    "01": (14, 14, True, True),  # GTIN of the logistic unit itself
    "02": (14, 14, True, True),  # GTIN of the contents; must come with (37)
    "10": (None, 20, False, False),  # batch/lot
    "37": (None, 8, True, False),  # count of trade items
    "400": (None, 30, False, False),  # customer's PO number
    "420": (None, 20, False, False),  # ship-to postal code, one postal authority
}

# GS1 AI encodable character set 82: what an "an" field may hold.
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$")


def check_digit(body: str) -> str:
    """The GS1 mod-10 check digit for `body` (the number without its check digit).

    Weights 3,1,3,… run from the rightmost digit, so the same rule serves GTIN-8 to SSCC-18.
    """
    if not body.isascii() or not body.isdigit():
        raise ValueError(f"A GS1 number is digits only; got {body!r}.")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def has_valid_check_digit(number: str) -> bool:
    """True when the last digit of `number` is the mod-10 check of the rest."""
    return len(number) > 1 and number.isdigit() and check_digit(number[:-1]) == number[-1]


def sscc(extension: int, company_prefix: str, serial: int) -> str:
    """The 18-digit SSCC: extension digit, company prefix, zero-padded serial, check digit.

    Prefix + serial is always 16 digits, so a longer prefix leaves fewer serials; a serial that
    does not fit would silently change the prefix, hence the error rather than truncation.
    """
    if not 0 <= extension <= 9:
        raise ValueError(f"The SSCC extension digit must be 0–9; got {extension}.")
    if not (
        company_prefix.isascii() and company_prefix.isdigit() and 7 <= len(company_prefix) <= 10
    ):
        raise ValueError(
            f"A GS1 company prefix is 7–10 digits; got {company_prefix!r} ({len(company_prefix)} chars)."
        )
    width = 16 - len(company_prefix)
    if not 0 <= serial < 10**width:
        raise ValueError(
            f"Serial {serial} does not fit: company prefix {company_prefix} leaves {width} digits "
            f"(0 to {10**width - 1})."
        )
    body = f"{extension}{company_prefix}{serial:0{width}d}"
    return body + check_digit(body)


def _validate(ai: str, value: str) -> None:
    if ai not in AIS:
        raise ValueError(f"AI ({ai}) is not one our labels use: {', '.join(AIS)}.")
    fixed, longest, numeric, checked = AIS[ai]
    if fixed is not None and len(value) != fixed:
        raise ValueError(f"AI ({ai}) takes exactly {fixed} characters; got {value!r}.")
    if not 1 <= len(value) <= longest:
        raise ValueError(f"AI ({ai}) takes 1–{longest} characters; got {value!r}.")
    if numeric and not (value.isascii() and value.isdigit()):
        raise ValueError(f"AI ({ai}) is digits only; got {value!r}.")
    if not _CSET82.match(value):
        raise ValueError(f"AI ({ai}) value {value!r} has characters GS1 does not allow.")
    if checked and not has_valid_check_digit(value):
        raise ValueError(
            f"AI ({ai}) {value}: wrong check digit, the last digit should be {check_digit(value[:-1])}."
        )


def _ordered(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Validate, then put fixed-length AIs first (stable): they need no separator after them."""
    pairs = list(pairs)
    if not pairs:
        raise ValueError("A GS1 element string needs at least one AI.")
    seen: set[str] = set()
    for ai, value in pairs:
        _validate(ai, value)
        if ai in seen:
            raise ValueError(f"AI ({ai}) appears twice.")
        seen.add(ai)
    if "02" in seen and "37" not in seen:
        raise ValueError("AI (02) content GTIN must come with AI (37) count.")
    return sorted(pairs, key=lambda pair: AIS[pair[0]][0] is None)


def element_string(pairs: Iterable[tuple[str, str]]) -> str:
    """Human-readable form, "(00)…(420)…", in the same order the symbol encodes them."""
    return "".join(f"({ai}){value}" for ai, value in _ordered(pairs))


def encoded(pairs: Iterable[tuple[str, str]]) -> str:
    """The data a GS1-128 symbol carries, as a scanner transmits it (without the leading FNC1).

    A variable-length field ends with GS unless it is last. Renderers turn each GS into FNC1
    and add the leading FNC1 that marks the symbol as GS1; `parse(encoded(p))` round-trips.
    """
    ordered = _ordered(pairs)
    out = []
    for index, (ai, value) in enumerate(ordered):
        out.append(ai + value)
        if AIS[ai][0] is None and index < len(ordered) - 1:
            out.append(GS)
    return "".join(out)


def _take_ai(text: str, pos: int) -> str:
    for size in (2, 3, 4):
        if text[pos : pos + size] in AIS:
            return text[pos : pos + size]
    raise ValueError(f"Unknown or unsupported AI at position {pos} of {text!r}.")


def parse(scanned: str) -> dict[str, str]:
    """Split a scanned GS1 element string into {AI: value}, checking SSCC/GTIN check digits.

    Accepts what zxing-cpp (and most scanners) produce: the HRI form "(00)…(420)…" (zxing-cpp's
    default TextMode.HRI) or the raw form with GS separators, optionally behind the "]C1"
    symbology identifier or a leading GS standing for the first FNC1.
    """
    text = scanned.removeprefix("]C1").lstrip(GS)
    pairs: list[tuple[str, str]] = []
    if text.startswith("("):
        # HRI: a value may itself contain "(", so only "(known AI)" opens a new field.
        opener = "|".join(re.escape(ai) for ai in AIS)
        parts = re.split(rf"\(({opener})\)", text)
        if parts[0]:
            raise ValueError(f"Unreadable GS1 HRI text {scanned!r}.")
        pairs = list(zip(parts[1::2], parts[2::2], strict=True))
    else:
        pos = 0
        while pos < len(text):
            ai = _take_ai(text, pos)
            pos += len(ai)
            fixed = AIS[ai][0]
            end = pos + fixed if fixed is not None else text.find(GS, pos)
            end = len(text) if end == -1 else end
            pairs.append((ai, text[pos:end]))
            pos = end + (1 if text[end : end + 1] == GS else 0)
    _ordered(pairs)  # validates values, check digits, duplicates and the (02)+(37) rule
    return dict(pairs)


# --- Code 128 symbol values ------------------------------------------------------------------
# GS1-128 is Code 128 with FNC1, so both renderers need the same symbol plan. reportlab's own
# Code128 drops a digit when an odd digit run follows a mid-symbol FNC1 (found by round-trip
# decoding), so we choose code sets ourselves: C for digit pairs, B for everything else.

START_B, START_C, CODE_B, CODE_C, FNC1_VALUE, STOP = 104, 105, 100, 99, 102, 106


def _digit_run(data: str, pos: int) -> int:
    end = pos
    while end < len(data) and data[end].isascii() and data[end].isdigit():
        end += 1
    return end - pos


def code128_values(data: str) -> list[int]:
    """Symbol values from the start code to the last data symbol (no check symbol, no stop).

    `data` is printable ASCII plus FNC1 (\\xf1). Code set C packs digit pairs, which is what keeps
    an SSCC at the GS1 X-dimension inside a 4-inch label; set B carries everything else.
    """
    for char in data:
        if char != FNC1 and not 32 <= ord(char) <= 126:
            raise ValueError(f"Code 128 here takes printable ASCII only; got {char!r} in {data!r}.")
    if not data:
        raise ValueError("Nothing to encode.")
    first = len(data) - len(data.lstrip(FNC1))
    run = _digit_run(data, first)
    in_c = run >= 4 or (run >= 2 and run % 2 == 0)
    values = [START_C if in_c else START_B]
    pos = 0
    while pos < len(data):
        if data[pos] == FNC1:
            values.append(FNC1_VALUE)
            pos += 1
            continue
        run = _digit_run(data, pos)
        # Leaving B for C and coming back costs two symbols: worth it for six digits mid-data,
        # four at the end of a field (the usual Code 128 size rule).
        ends_field = pos + run == len(data) or data[pos + run] == FNC1
        if in_c and run < 2:
            values.append(CODE_B)
            in_c = False
        elif not in_c and run % 2 == 0 and run >= (4 if ends_field else 6):
            values.append(CODE_C)
            in_c = True
        if in_c:
            values.append(int(data[pos : pos + 2]))
            pos += 2
        else:
            values.append(ord(data[pos]) - 32)
            pos += 1
    return values


def code128_checksum(values: list[int]) -> int:
    """The mod-103 check symbol: start value plus each data value times its position."""
    return (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103


def code128_modules(values: list[int]) -> int:
    """Symbol width in modules without quiet zones: 11 per symbol incl. check, 13 for stop."""
    return 11 * (len(values) + 1) + 13


def gs1_code128_data(pairs: Iterable[tuple[str, str]]) -> str:
    """Data for `code128_values`: leading FNC1, then `encoded` with each GS as FNC1."""
    return FNC1 + encoded(pairs).replace(GS, FNC1)
