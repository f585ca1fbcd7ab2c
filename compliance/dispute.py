"""The dispute pack: a chargeback's evidence as a PDF to send back to the trading partner.

Everything in it comes from `compliance.chargebacks.evidence` (the database, never typed in): the
claim, the one-line answer for its category, then the ASN timing, the shipment and its parcels, the
label prints, the ledger touches and scans, and the order's timeline. A claim with no order or
shipment still renders, saying what is missing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from compliance.chargebacks import Evidence, evidence
from compliance.models import Chargeback

PAGE = landscape(letter)
MARGIN = 0.5 * inch
WIDTH = PAGE[0] - 2 * MARGIN

# The standard PDF fonts speak WinAnsi (cp1252): spell out the few symbols our messages use.
_ASCII = {"→": "->", "−": "-", "≥": ">=", "≤": "<=", "✓": "yes", "✗": "no"}

_styles = getSampleStyleSheet()
TITLE = ParagraphStyle("cb-title", parent=_styles["Title"], fontSize=16, leading=20, spaceAfter=4)
SUBTITLE = ParagraphStyle("cb-sub", parent=_styles["Normal"], fontSize=10.5, leading=14)
H2 = ParagraphStyle("cb-h2", parent=_styles["Heading2"], fontSize=12, spaceBefore=10, spaceAfter=4)
BODY = ParagraphStyle("cb-body", parent=_styles["Normal"], fontSize=9, leading=12)
VERDICT = ParagraphStyle("cb-verdict", parent=BODY, fontName="Helvetica-Bold", fontSize=11)
BULLET = ParagraphStyle("cb-bullet", parent=BODY, leftIndent=12, bulletIndent=2)
CELL = ParagraphStyle("cb-cell", parent=_styles["Normal"], fontSize=7.5, leading=9)
HEAD = ParagraphStyle("cb-head", parent=CELL, fontName="Helvetica-Bold")


def _plain(value: object) -> str:
    """Printable in a standard font: symbols spelt out, anything else outside cp1252 replaced."""
    text = "" if value is None else str(value)
    for symbol, spelt in _ASCII.items():
        text = text.replace(symbol, spelt)
    return text.encode("cp1252", errors="replace").decode("cp1252")


def _text(value: object) -> str:
    """Safe for a Paragraph (which reads markup): printable and escaped."""
    return escape(_plain(value))


def _p(value: object, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(_text(value), style)


def _table(
    header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float]
) -> Table:
    scale = WIDTH / sum(widths)
    data = [[Paragraph(_text(h), HEAD) for h in header]]
    data += [[Paragraph(_text(c), CELL) for c in row] for row in rows]
    table = Table(data, colWidths=[w * scale for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf1")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _section(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    empty: str,
) -> list[Any]:
    heading = _p(title, H2)
    if not rows:
        return [KeepTogether([heading, _p(empty)])]
    return [heading, _table(header, rows, widths)]


PARCEL_HEADER = [
    "Carton",
    "SSCC",
    "Pallet",
    "Tracking",
    "Contents",
    "Weight (g)",
    "L×W×H (mm)",
    "Closed",
]


def _minutes(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _story(ev: Evidence) -> list[Any]:
    """The pack's pages top to bottom. Long because it is the document itself, section after
    section in the order the partner reads it; each section is a few flowables, not logic."""
    c = ev.claim
    at = ev.local
    story: list[Any] = [
        _p(f"Chargeback dispute — {c.partner_name} ({c.partner_code})", TITLE),
        _p(
            f"Claim {c.reference} · {c.category_label} · {c.amount} {c.currency} · "
            f"client {c.client_code} ({c.client_name})",
            SUBTITLE,
        ),
        Spacer(1, 6),
        _table(
            ["Claim reference", "Category", "Amount", "Received", "Order", "Shipment", "Notes"],
            [
                [
                    c.reference,
                    c.category_label,
                    f"{c.amount} {c.currency}",
                    at(c.received_at),
                    c.order or "none linked",
                    c.shipment_id if c.shipment_id is not None else "none linked",
                    c.notes,
                ]
            ],
            [12, 9, 8, 13, 12, 7, 25],
        ),
        _p("Summary", H2),
        _p(ev.verdict, VERDICT),
        Spacer(1, 3),
        _p(ev.summary),
    ]
    story += [Paragraph(_text(f), BULLET, bulletText="•") for f in ev.findings]
    if ev.missing:
        story.append(_p("What the record does not show", H2))
        story += [Paragraph(_text(m), BULLET, bulletText="•") for m in ev.missing]

    story += _section(
        "ASN timing",
        [
            "Shipment",
            "Shipped",
            "ASN sent",
            "ASN acknowledged",
            "Deadline (min)",
            "Min after shipping",
            "Min late (-: to spare)",
            "Verdict",
        ],
        [
            [
                a.shipment_id,
                at(a.shipped_at),
                at(a.asn_sent_at) or "not recorded",
                at(a.asn_acknowledged_at) or "not recorded",
                a.deadline_minutes if a.deadline_minutes is not None else "none",
                _minutes(a.minutes_after_shipping),
                _minutes(a.minutes_late),
                a.verdict,
            ]
            for a in ev.asn
        ],
        [6, 12, 12, 12, 6, 7, 7, 30],
        "No shipment: there are no ASN times to compare with the deadline.",
    )

    story.append(_p("Shipment and parcels", H2))
    if not ev.shipments:
        story.append(_p("No shipment is linked to this claim."))
    for s in ev.shipments:
        story.append(
            _p(
                f"Shipment {s.id}: {s.carrier} {s.service} from {s.warehouse}, shipped "
                f"{at(s.shipped_at)}"
                + (f", delivered {at(s.delivered_at)}" if s.delivered_at else "")
                + "."
            )
        )
        story.append(Spacer(1, 3))
        story.append(
            _table(
                PARCEL_HEADER,
                [
                    [
                        p.carton,
                        p.sscc or "none",
                        p.pallet or "",
                        p.tracking_number or "",
                        ", ".join(
                            f"{x.quantity} × {x.sku}" + (f" lot {x.lot}" if x.lot else "")
                            for x in p.contents
                        ),
                        p.weight_g if p.weight_g is not None else "not weighed",
                        f"{p.length_mm or '?'}×{p.width_mm or '?'}×{p.height_mm or '?'}",
                        at(p.closed_at),
                    ]
                    for p in s.parcels
                ],
                [11, 14, 9, 13, 20, 7, 10, 13],
            )
        )
        story.append(Spacer(1, 4))

    story += _section(
        "Label prints",
        ["Job", "Printed", "Label", "Printer", "By", "State", "Sent", "Reprint of", "For"],
        [
            [
                j.id,
                at(j.created_at),
                j.label,
                f"{j.printer} ({j.printer_kind})",
                j.requested_by,
                j.state + (f": {j.error}" if j.error else ""),
                at(j.sent_at),
                j.reprint_of or "",
                ", ".join(
                    x
                    for x in (
                        f"carton {j.container}" if j.container else "",
                        f"SSCC {j.sscc}" if j.sscc else "",
                        f"order {j.order}" if j.order else "",
                        f"shipment {j.shipment_id}" if j.shipment_id else "",
                    )
                    if x
                ),
            ]
            for j in ev.prints
        ],
        [5, 13, 9, 13, 8, 9, 13, 6, 24],
        "No label print is recorded for this order, its shipments or its cartons."
        if ev.order is not None
        else "No order is linked: no label prints to show.",
    )

    story += _section(
        "Ledger touches",
        ["Time", "Kind", "SKU", "Lot", "Qty", "From → to", "Who", "Device", "Scan"],
        [
            [
                at(t.at),
                t.kind,
                t.sku,
                t.lot or "",
                t.quantity,
                f"{t.source} → {t.target}",
                t.actor,
                t.device,
                t.scan_id[:8],
            ]
            for t in ev.touches
        ],
        [13, 6, 11, 6, 4, 26, 8, 10, 7],
        "No ledger touch carries this order's id."
        if ev.order is not None
        else "No order is linked: no ledger touches to show.",
    )

    story += _section(
        "Scans",
        ["Time", "Kind", "Who", "Device", "Touches", "Scan id"],
        [[at(s.at), s.kind, s.actor, s.device, s.touches, s.id] for s in ev.scans],
        [14, 8, 10, 14, 6, 28],
        "No scans." if ev.order is not None else "No order is linked: no scans to show.",
    )

    story += _section(
        "Order timeline",
        ["Time", "Kind", "From → to", "Owner", "Actor", "Reason", "Policy", "Reference"],
        [
            [
                at(e.at),
                e.kind,
                f"{e.from_state} → {e.to_state}" if e.from_state or e.to_state else "",
                e.owner,
                e.actor or "",
                e.reason,
                e.policy,
                e.reference,
            ]
            for e in ev.timeline
        ],
        [13, 7, 13, 8, 7, 34, 10, 8],
        "No order is linked: no timeline to show."
        if ev.order is None
        else "The order has no recorded events.",
    )

    if ev.compliance_events:
        story += _section(
            "Compliance events",
            ["Time", "Kind", "Detail", "Owner", "Order", "Shipment"],
            [
                [at(e.created_at), e.kind, e.detail, e.owner, e.order or "", e.shipment_id or ""]
                for e in ev.compliance_events
            ],
            [13, 10, 45, 10, 12, 8],
            "",
        )
    story.append(Spacer(1, 8))
    story.append(
        _p(
            f"Gathered by Touchline WMS from the ledger and the order records at "
            f"{at(ev.gathered_at)}. Times are in {ev.time_zone}.",
            CELL,
        )
    )
    return story


def _footer(ev: Evidence) -> Callable[[Any, Any], None]:
    text = _plain(f"Claim {ev.claim.reference} · {ev.claim.partner_code}")

    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(MARGIN, MARGIN / 2, text)
        canvas.drawRightString(PAGE[0] - MARGIN, MARGIN / 2, f"Page {doc.page}")
        canvas.restoreState()

    return draw


def render(ev: Evidence) -> bytes:
    """The dispute pack of gathered evidence, as PDF bytes."""
    out = io.BytesIO()
    c = ev.claim
    doc = SimpleDocTemplate(
        out,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"Chargeback dispute {c.partner_code} {c.reference}",
        author="Touchline WMS",
        subject=f"{c.category_label} chargeback {c.amount} {c.currency}",
    )
    footer = _footer(ev)
    doc.build(_story(ev), onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def dispute_pack(chargeback: Chargeback) -> bytes:
    """The PDF to send back to the partner: the claim, the verdict, and the evidence behind it."""
    return render(evidence(chargeback))
