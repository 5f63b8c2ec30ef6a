"""The quote document, 見積書 (Q2): one A4 page layout for the print page and the PDF.

`content(quote)` turns a quote into display strings once (amounts as ¥1,234,
times in Japan time, issuer details from settings, tax per rate from the one
tax module), so the print page and the PDF can never show different figures.
With campaigns or coupons (P3) the lines show their list amounts, then the
list total, one row per discount (as frozen on the quote) and the totals
after the discounts, which are the quote's own figures.
`render_pdf(quote)` hands that content to the shop's one document layout,
`shop.billing.pdf` (shared with 納品書 兼 注文請書 and 請求書, P5): A4, the
embedded Japanese font with its fallback, and a line table that repeats its
header on every page, so a long quote simply runs on.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from shop.billing import pdf
from shop.billing.pdf import FALLBACK_FONT, NO_CODE, Row, yen  # noqa: F401  (this module's public names)

from . import services
from .models import Quote

TITLE = "御見積書"


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
            amount=yen(line.amount_before_discounts),
        )
        for line in quote.lines.all()
    )
    totals = (
        *discount_totals(quote),
        ("小計(税抜)", yen(quote.subtotal)),
        *((f"消費税({rate.percent}%)", yen(rate.tax)) for rate in summary.rates),
        ("合計(税込)", yen(quote.total)),
    )
    return Content(
        number=quote.number,
        recipient=f"{quote.company.name} 御中",
        issued=pdf.japanese_date(issued),
        valid_until=f"{pdf.japanese_date(valid)} {valid:%H:%M}",
        issuer=pdf.issuer_lines(),
        registration_number=settings.SHOP_ISSUER_REGISTRATION_NUMBER,
        rows=rows,
        totals=totals,
        total=yen(quote.total),
        resale=f"再販売（エンドユーザー: {quote.end_user_name}）" if quote.for_resale else "",
        note=quote.note,
    )


def discount_totals(quote: Quote) -> tuple[tuple[str, str], ...]:
    """The list total and one row per discount, or nothing for a quote without discounts."""
    discounts = list(quote.discounts.all())
    if not discounts:
        return ()
    before = sum((line.amount_before_discounts for line in quote.lines.all()), 0)
    return (
        (gettext("Before discounts (excl. tax)"), yen(before)),
        *((gettext("Discount: %(name)s") % {"name": d.label}, pdf.minus_yen(d.amount)) for d in discounts),
    )


def document(c: Content) -> pdf.Document:
    """The quote's content in the shop's document layout (the print page shows the same words)."""
    return pdf.Document(
        title=TITLE,
        number=c.number,
        recipient=c.recipient,
        lead="下記のとおりお見積り申し上げます。",
        headline=f"御見積金額(税込)　{c.total}",
        meta=(f"見積番号: {c.number}", f"発行日: {c.issued}", f"有効期限: {c.valid_until}"),
        issuer=c.issuer,
        registration_number=c.registration_number,
        rows=c.rows,
        totals=c.totals,
        remarks=tuple(filter(None, (c.resale, c.note and f"備考: {c.note}"))),
    )


def render_pdf(quote: Quote) -> bytes:
    return pdf.render(document(content(quote)))
