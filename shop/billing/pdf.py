"""The shop's A4 business documents as PDF: one layout for 見積書 (Q2), 納品書 兼 注文請書 and 請求書 (P5).

Every document the shop issues looks the same: title, recipient (御中) with a
lead sentence and the headline amount on the left; the document's number,
dates and the issuer with its registration number on the right; the line
table, whose header row repeats on every page so a long document simply runs
on; the totals (with discounts, P3: the list total and one row per discount
first, then the amounts after them per tax rate); remarks. Callers turn
their object into a `Document` of display strings (amounts already formatted
by `yen` / `minus_yen`, tax from `shop.billing.tax` only) and `render` lays
it out, so no document can compute or place anything differently from
another.

The PDF embeds a subset of the TrueType font in `KOBAI_PDF_FONT` (text stays
extractable); if that file is missing it falls back to reportlab's built-in
HeiseiKakuGo-W5 (not embedded) and logs a warning rather than failing.
"""

from __future__ import annotations

import functools
import io
import logging
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import quote as urlquote
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpResponse
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

logger = logging.getLogger(__name__)

FALLBACK_FONT = "HeiseiKakuGo-W5"
NO_CODE = "カタログ外"


def yen(amount: Decimal | int) -> str:
    return f"¥{Decimal(amount):,.0f}"


def minus_yen(amount: Decimal | int) -> str:
    """A discount as documents print it: -¥1,234."""
    return f"-{yen(abs(Decimal(amount)))}"


def japanese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def issuer_lines() -> tuple[str, ...]:
    """The issuer block from settings (name, postcode, address, phone), blanks left out."""
    return tuple(
        filter(
            None,
            (
                settings.SHOP_ISSUER_NAME,
                settings.SHOP_ISSUER_POSTCODE and f"〒{settings.SHOP_ISSUER_POSTCODE}",
                settings.SHOP_ISSUER_ADDRESS,
                settings.SHOP_ISSUER_PHONE and f"TEL {settings.SHOP_ISSUER_PHONE}",
            ),
        )
    )


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    maker: str
    note: str
    quantity: str
    unit_price: str
    amount: str


@dataclass(frozen=True)
class Document:
    title: str
    number: str
    recipient: str
    lead: str  # the sentence under the recipient
    headline: str  # the amount shown large, e.g. 「御見積金額(税込)　¥1,100」
    meta: tuple[str, ...]  # right-hand lines above the issuer: number, dates, references
    issuer: tuple[str, ...]
    registration_number: str
    rows: tuple[Row, ...]
    totals: tuple[tuple[str, str], ...]  # label, amount (discounts first, as -¥…); the last one is the grand total
    remarks: tuple[str, ...] = ()


@functools.cache
def _font(path: str) -> str:
    """Register the document font once per process; return its reportlab name."""
    try:
        pdfmetrics.registerFont(TTFont("KobaiGothic", path))  # subset-embedded: text stays extractable
        return "KobaiGothic"
    except Exception as exc:  # missing, unreadable or not a TrueType font
        logger.warning("PDF font %r unusable (%s); falling back to %s", path, exc, FALLBACK_FONT)
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
        return FALLBACK_FONT


def render(doc: Document) -> bytes:
    font = _font(settings.KOBAI_PDF_FONT)

    def style(size=9, **kw):
        return ParagraphStyle(f"s{size}", fontName=font, fontSize=size, leading=size * 1.4, **kw)

    def para(text, size=9, **kw):
        return Paragraph(escape(text).replace("\n", "<br/>"), style(size, **kw))

    body, small = style(), style(7.5, textColor=colors.dimgrey)
    width = A4[0] - 30 * mm

    head = Table(
        [
            [
                [
                    para(doc.recipient, 14),
                    Spacer(0, 4 * mm),
                    para(doc.lead),
                    Spacer(0, 2 * mm),
                    para(doc.headline, 13),
                ],
                [
                    *(para(text, alignment=TA_RIGHT) for text in doc.meta),
                    Spacer(0, 4 * mm),
                    *(para(text, alignment=TA_RIGHT) for text in doc.issuer),
                    para(f"登録番号: {doc.registration_number}", alignment=TA_RIGHT),
                ],
            ]
        ],
        colWidths=[width * 0.55, width * 0.45],
    )
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))

    def name_cell(row: Row):
        cell = [Paragraph(escape(row.name), body)]
        cell += [Paragraph(escape(text), small) for text in (row.maker and f"メーカ: {row.maker}", row.note) if text]
        return cell

    lines = Table(
        [["商品コード", "商品名", "数量", "単価(税抜)", "金額(税抜)"]]
        + [[Paragraph(escape(r.code), body), name_cell(r), r.quantity, r.unit_price, r.amount] for r in doc.rows],
        colWidths=[38 * mm, 72 * mm, 16 * mm, 27 * mm, 27 * mm],
        repeatRows=1,
    )
    lines.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf1")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
            ]
        )
    )

    # labels wrap (a campaign's name can be long); the amounts stay on one line
    last = len(doc.totals) - 1
    totals = Table(
        [[para(label, 11 if index == last else 9), amount] for index, (label, amount) in enumerate(doc.totals)],
        colWidths=[70 * mm, 35 * mm],
        hAlign="RIGHT",
    )
    totals.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("FONT", (0, -1), (-1, -1), font, 11),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.grey),
            ]
        )
    )

    story = [para(doc.title, 20, alignment=1), Spacer(0, 6 * mm), head, Spacer(0, 6 * mm), lines, Spacer(0, 4 * mm)]
    story.append(totals)
    for text in doc.remarks:
        story += [Spacer(0, 4 * mm), para(text)]

    def footer(canvas, _doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"{doc.number}　{_doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=f"{doc.title} {doc.number}",
        author=settings.SHOP_ISSUER_NAME,
    ).build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


_ASCII_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()-]*$")


def download(data: bytes, *, filename: str, fallback: str) -> HttpResponse:
    """A PDF download named `filename` (RFC 6266/5987), with `fallback` for clients without filename*."""
    if not _ASCII_SAFE.match(fallback):
        raise ValueError(f"fallback file name must be plain ASCII: {fallback!r}")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{urlquote(filename, safe='')}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
