"""Qualified documents for an order (P5, Japan's invoice system, 適格請求書).

Once an order is delivered or its contract has started (納品済/契約開始, which
gives it billing dates, P4), the shop issues two documents for it:

- 納品書 兼 注文請書: the delivery note and order acknowledgement, which is
  also the qualified invoice;
- 請求書: the invoice, with the same content plus 請求日 and お支払期限
  (a card order says it is settled by card instead of a due date).

Both carry what the invoice system requires of a qualified invoice: the
issuer's name and registration number (T + 13 digits), the transaction date
(the delivery / contract-start day), the items, the amount per tax rate, the
rate, the tax per rate (from `Order.tax_summary`, the one tax module) and the
recipient company.

Coupons and campaigns (P3) reduce the tax-exclusive amounts before tax: the
lines are shown at their list amounts, then one row per discount the order
carries (Oscar's `OrderDiscount`, from the basket or from the quote the
order was made from), and the amounts per rate after the discounts, which
are what the tax is computed on and equal the order's totals. The discount
rows are split in whole yen (`tax.share_yen`) so that they add up exactly to
the difference between the list amounts and the order's amounts. (All
products are standard rate today; with two rates a discount row would have
to name its rate.)

Each document gets a sequential number, taken the first time it is issued
and stored in `IssuedDocument`, so a document always shows the same number.
The number is taken before the issuing transaction, in one of its own
(`numbering.take`), so no rollback can hand it out again; issuing then locks
the order row, so a double click or two members at once get the one
document, and a request that finds the document already issued voids the
number it took ("issued concurrently") and returns that document.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from oscar.core.loading import get_model

from . import numbering, pdf, tax
from .models import IssuedDocument

Kind = IssuedDocument.Kind


@dataclass(frozen=True)
class KindInfo:
    title: str
    prefix: str
    fallback_name: str  # ASCII download name stem


KINDS: dict[str, KindInfo] = {
    Kind.DELIVERY_NOTE: KindInfo(title="納品書 兼 注文請書", prefix="DN", fallback_name="delivery_note"),
    Kind.INVOICE: KindInfo(title="請求書", prefix="INV", fallback_name="invoice"),
}
CARD_SETTLED = "クレジットカード決済済み"


class NotIssuable(Exception):
    """The order has not been delivered (nor its contract started): no document exists yet."""


def issue(*, order, kind: str) -> IssuedDocument:
    """The order's document of `kind`, issued with the next number the first time it is asked for.

    Call outside any transaction: the number is taken in one of its own.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    if order.billing_dates is None:
        raise NotIssuable(order.number)
    existing = IssuedDocument.objects.filter(order=order, kind=kind).first()
    if existing is not None:
        return existing
    Order = get_model("order", "Order")
    number = numbering.take(kind=kind, prefix=KINDS[kind].prefix)
    try:
        with transaction.atomic():
            Order.objects.select_for_update().only("pk").get(pk=order.pk)  # one issuer per order at a time
            existing = IssuedDocument.objects.filter(order=order, kind=kind).first()
            if existing is None:
                numbering.use(number)
                return IssuedDocument.objects.create(order=order, kind=kind, number=number, issued_at=timezone.now())
    except IntegrityError as failure:  # issued concurrently (the lock is a no-op on SQLite): read the winner's
        existing = IssuedDocument.objects.filter(order=order, kind=kind).first()
        if existing is None:
            numbering.void(number, reason=numbering.describe(failure))
            raise
    except BaseException as failure:
        numbering.void(number, reason=numbering.describe(failure))
        raise
    numbering.void(number, reason="issued concurrently")
    return existing


@dataclass(frozen=True)
class DiscountRow:
    label: str
    amount: Decimal  # positive, whole yen, tax exclusive


def line_amount_before_discounts(line) -> Decimal:
    """A line's list amount (unit price × quantity); lines written without one count as undiscounted."""
    before = line.line_price_before_discounts_excl_tax
    return Decimal(before if before else line.line_price_excl_tax)


def discount_rows(order) -> tuple[DiscountRow, ...]:
    """The order's discounts (P3) in whole yen, adding up to its lines' reduction (list minus charged)."""
    lines = list(order.lines.all())
    reduction = sum((line_amount_before_discounts(line) - line.line_price_excl_tax for line in lines), Decimal("0"))
    if reduction <= 0:
        return ()
    recorded = [d for d in order.discounts.all() if d.is_basket_discount and d.amount > 0]
    if not recorded:
        return (DiscountRow(label=gettext("Discount"), amount=reduction),)
    shares = tax.share_yen(reduction, {index: d.amount for index, d in enumerate(recorded)})
    return tuple(
        DiscountRow(label=discount_label(d), amount=shares[index])
        for index, d in enumerate(recorded)
        if shares[index] > 0
    )


def discount_label(discount) -> str:
    """「割引: クーポン ABC123」 or 「割引: <campaign name>」 (the basket page's words)."""
    name = (
        gettext("Coupon %(code)s") % {"code": discount.voucher_code} if discount.voucher_code else discount.offer_name
    )
    return gettext("Discount: %(name)s") % {"name": name}


def document(*, order, issued: IssuedDocument) -> pdf.Document:
    """The document's content: display strings for `pdf.render`."""
    dates = order.billing_dates
    summary = order.tax_summary()
    info = KINDS[issued.kind]
    rows = tuple(
        pdf.Row(
            code=line.upc or pdf.NO_CODE,
            name=line.title,
            maker=line.partner_name,
            note=line.note,
            quantity=f"{line.quantity:,}",
            unit_price=pdf.yen(line.unit_price_excl_tax),
            amount=pdf.yen(line_amount_before_discounts(line)),
        )
        for line in order.lines.all()
    )
    discounts = discount_rows(order)
    discount_totals: tuple[tuple[str, str], ...] = ()
    if discounts:
        before = sum((line_amount_before_discounts(line) for line in order.lines.all()), Decimal("0"))
        discount_totals = (
            (gettext("Before discounts (excl. tax)"), pdf.yen(before)),
            *((row.label, pdf.minus_yen(row.amount)) for row in discounts),
        )
    totals = (
        *discount_totals,
        *(
            row
            for rate in summary.rates
            for row in (
                (f"{rate.percent}%対象(税抜)", pdf.yen(rate.net)),
                (f"消費税({rate.percent}%)", pdf.yen(rate.tax)),
            )
        ),
        ("合計(税込)", pdf.yen(summary.gross)),
    )
    transaction_date = f"取引年月日: {pdf.japanese_date(dates.delivered_on)}"
    references = (
        f"注文番号: {order.number}",
        *((f"発注書番号: {order.purchase_order_number}",) if order.purchase_order_number else ()),
    )
    if issued.kind == Kind.INVOICE:
        payment = f"お支払期限: {pdf.japanese_date(dates.due_on)}" if dates.due_on else f"お支払い: {CARD_SETTLED}"
        meta = (
            f"請求書番号: {issued.number}",
            f"請求日: {pdf.japanese_date(dates.invoice_on)}",
            transaction_date,
            payment,
            *references,
        )
        lead = "下記のとおりご請求申し上げます。"
        headline = f"ご請求金額(税込)　{pdf.yen(summary.gross)}"
    else:
        meta = (
            f"文書番号: {issued.number}",
            f"発行日: {pdf.japanese_date(timezone.localdate(issued.issued_at))}",
            transaction_date,
            *references,
        )
        lead = "下記のとおり納品いたしました。ご注文を確かにお請けいたします。"
        headline = f"合計金額(税込)　{pdf.yen(summary.gross)}"
    return pdf.Document(
        title=info.title,
        number=issued.number,
        recipient=f"{order.company.name} 御中",
        lead=lead,
        headline=headline,
        meta=meta,
        issuer=pdf.issuer_lines(),
        registration_number=settings.SHOP_ISSUER_REGISTRATION_NUMBER,
        rows=rows,
        totals=totals,
        remarks=tuple(
            filter(
                None,
                (
                    order.for_resale and f"再販売（エンドユーザー: {order.end_user_name}）",
                    "この書類は適格請求書（インボイス）を兼ねています。",
                ),
            )
        ),
    )


def render_pdf(*, order, kind: str) -> tuple[IssuedDocument, bytes]:
    """Issue (or re-read) the order's document of `kind` and lay it out; raises NotIssuable before delivery."""
    issued = issue(order=order, kind=kind)
    return issued, pdf.render(document(order=order, issued=issued))


def filenames(issued: IssuedDocument) -> tuple[str, str]:
    """The download name and its ASCII fallback, e.g. 請求書_INV202612-00001.pdf / invoice_INV202612-00001.pdf."""
    info = KINDS[issued.kind]
    title = info.title.replace(" ", "")
    return f"{title}_{issued.number}.pdf", f"{info.fallback_name}_{issued.number}.pdf"
