"""The quote document, 見積書 (Q2): one A4 page layout for the print page and the PDF.

`content(quote)` turns a quote into display strings once (amounts as ¥1,234,
times in Japan time, issuer details from settings, tax per rate from the one
tax module), so the print page and the PDF can never show different figures.
`render_pdf(quote)` lays that content out with reportlab; the line table
repeats its header on every page, so a long quote simply runs on. The PDF
embeds a subset of the TrueType font in `KOBAI_PDF_FONT`; if that file is
missing it falls back to reportlab's built-in HeiseiKakuGo-W5 (not embedded)
and logs a warning rather than failing.
"""

from __future__ import annotations

import functools
import io
import logging
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import services
from .models import Quote

logger = logging.getLogger(__name__)

TITLE = "御見積書"
NO_CODE = "カタログ外"
FALLBACK_FONT = "HeiseiKakuGo-W5"


def yen(amount: Decimal | int) -> str:
    return f"¥{Decimal(amount):,.0f}"


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
class Content:
    number: str
    recipient: str
    issued: str
    valid_until: str
    issuer: tuple[str, ...]
    registration_number: str
    rows: tuple[Row, ...]
    totals: tuple[tuple[str, str], ...]
    total: str
    resale: str
    note: str


def _date(moment) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日"


def content(quote: Quote) -> Content:
    issued = timezone.localtime(quote.issued_at)
    valid = timezone.localtime(quote.valid_until)
    summary = services.tax_summary(quote)
    rows = tuple(
        Row(
            code=line.code or NO_CODE,
            name=line.name,
            maker=line.maker_name,
            note=line.note,
            quantity=f"{line.quantity:,}",
            unit_price=yen(line.unit_price),
            amount=yen(line.amount),
        )
        for line in quote.lines.all()
    )
    totals = (
        ("小計(税抜)", yen(quote.subtotal)),
        *((f"消費税({rate.percent}%)", yen(rate.tax)) for rate in summary.rates),
        ("合計(税込)", yen(quote.total)),
    )
    return Content(
        number=quote.number,
        recipient=f"{quote.company.name} 御中",
        issued=_date(issued),
        valid_until=f"{_date(valid)} {valid:%H:%M}",
        issuer=tuple(
            filter(
                None,
                (
                    settings.SHOP_ISSUER_NAME,
                    settings.SHOP_ISSUER_POSTCODE and f"〒{settings.SHOP_ISSUER_POSTCODE}",
                    settings.SHOP_ISSUER_ADDRESS,
                    settings.SHOP_ISSUER_PHONE and f"TEL {settings.SHOP_ISSUER_PHONE}",
                ),
            )
        ),
        registration_number=settings.SHOP_ISSUER_REGISTRATION_NUMBER,
        rows=rows,
        totals=totals,
        total=yen(quote.total),
        resale=f"再販売（エンドユーザー: {quote.end_user_name}）" if quote.for_resale else "",
        note=quote.note,
    )


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


def render_pdf(quote: Quote) -> bytes:
    c = content(quote)
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
                    para(c.recipient, 14),
                    Spacer(0, 4 * mm),
                    para("下記のとおりお見積り申し上げます。"),
                    Spacer(0, 2 * mm),
                    para(f"御見積金額(税込)　{c.total}", 13),
                ],
                [
                    para(f"見積番号: {c.number}", alignment=TA_RIGHT),
                    para(f"発行日: {c.issued}", alignment=TA_RIGHT),
                    para(f"有効期限: {c.valid_until}", alignment=TA_RIGHT),
                    Spacer(0, 4 * mm),
                    *(para(text, alignment=TA_RIGHT) for text in c.issuer),
                    para(f"登録番号: {c.registration_number}", alignment=TA_RIGHT),
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
        + [[Paragraph(escape(r.code), body), name_cell(r), r.quantity, r.unit_price, r.amount] for r in c.rows],
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

    totals = Table([list(t) for t in c.totals], colWidths=[35 * mm, 35 * mm], hAlign="RIGHT")
    totals.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("FONT", (0, -1), (-1, -1), font, 11),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.grey),
            ]
        )
    )

    story = [para(TITLE, 20, alignment=1), Spacer(0, 6 * mm), head, Spacer(0, 6 * mm), lines, Spacer(0, 4 * mm)]
    story.append(totals)
    for label, text in (("", c.resale), ("備考", c.note)):
        if text:
            story += [Spacer(0, 4 * mm), para(f"{label}: {text}" if label else text)]

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"{c.number}　{doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=f"{TITLE} {c.number}",
        author=settings.SHOP_ISSUER_NAME,
    ).build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
