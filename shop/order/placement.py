"""Placing an order (O4), one path for every source of lines.

`place_from_quote` orders a valid quote at the quote's prices (Q4, C7). The
quote row is locked for the whole transaction, so double clicks and parallel
requests are serialised; the submission key is unique on the order, so a
resubmitted form returns the order it already made, and a quote is ordered
once. Totals come from the one tax module. Orders by members without an
approval route are accepted at once and 「ご注文を受付しました」 is sent after
commit; the others wait for approval (M7).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from shop.billing import numbering, tax
from shop.notifications import mail
from shop.quotes import resale
from shop.quotes.models import Quote

from . import status

Order = get_model("order", "Order")
Line = get_model("order", "Line")


@dataclass(frozen=True)
class OrderDetails:
    purchase_order_number: str = ""
    comment: str = ""
    for_resale: bool = False
    end_user_name: str = ""


class OrderRefused(Exception):
    def __init__(self, message: str, *, requote: bool = False):
        super().__init__(message)
        self.message = message
        self.requote = requote


def place_from_quote(*, quote: Quote, member, details: OrderDetails, submission_key: UUID | None = None):
    if submission_key is not None:
        existing = Order.objects.filter(submission_key=submission_key, company=member.company).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            quote = Quote.objects.select_for_update().get(pk=quote.pk, company=member.company)
            _check_orderable(quote, details)
            order = _create(quote=quote, member=member, details=details, submission_key=submission_key)
    except IntegrityError:  # the same submission key won a race
        existing = Order.objects.filter(submission_key=submission_key, company=member.company).first()
        if existing is None:
            raise
        return existing
    return order


def _check_orderable(quote: Quote, details: OrderDetails) -> None:
    if quote.orders.exists():
        raise OrderRefused(f"見積 {quote.number} はすでに注文済みです。")
    if not quote.is_valid:
        raise OrderRefused(
            f"見積 {quote.number} は有効期限（{timezone.localtime(quote.valid_until):%Y年%m月%d日 %H:%M}）を過ぎているため、"
            "ご注文いただけません。「再見積」で本日の価格の見積を作成してください。",
            requote=True,
        )
    lines = list(quote.lines.select_related("product"))
    ended = [line.name for line in lines if line.product is not None and line.product.is_sale_ended]
    if ended:
        raise OrderRefused("販売終了のためご注文いただけない商品が含まれています: " + "、".join(ended))
    try:
        resale.check(
            for_resale=details.for_resale,
            end_user_name=details.end_user_name,
            products=[line.product for line in lines],
        )
    except ValidationError as error:
        raise OrderRefused(" ".join(error.messages)) from error


def _create(*, quote: Quote, member, details: OrderDetails, submission_key):
    lines = list(quote.lines.select_related("product"))
    summary = tax.summarise(tax.TaxableLine(amount=line.amount, rate=line.tax_rate) for line in lines)
    state = status.initial_for(member)
    order = Order.objects.create(
        number=numbering.next_number(kind="order", prefix="K"),
        user=member.user,
        company=member.company,
        quote=quote,
        currency="JPY",
        total_excl_tax=summary.net,
        total_incl_tax=summary.gross,
        tax_total=summary.tax,
        shipping_excl_tax=Decimal("0"),
        shipping_incl_tax=Decimal("0"),
        status=state,
        date_placed=timezone.now(),
        purchase_order_number=details.purchase_order_number.strip(),
        comment=details.comment.strip(),
        for_resale=details.for_resale,
        end_user_name=details.end_user_name.strip() if details.for_resale else "",
        submission_key=submission_key,
    )
    # Line prices are tax-exclusive; the tax is the order's, computed once (tax_total).
    Line.objects.bulk_create(
        Line(
            order=order,
            product=line.product,
            title=line.name,
            upc=line.code,
            partner_name=line.maker_name,
            partner_sku=line.code or f"{quote.number}-{index}",
            quantity=line.quantity,
            unit_price_excl_tax=line.unit_price,
            unit_price_incl_tax=line.unit_price,
            line_price_excl_tax=line.amount,
            line_price_incl_tax=line.amount,
            line_price_before_discounts_excl_tax=line.amount,
            line_price_before_discounts_incl_tax=line.amount,
            num_allocated=0,
            status=state,
            quote_line=line,
            from_custom_quote=quote.is_custom,
            note=line.note,
        )
        for index, line in enumerate(lines, start=1)
    )
    if state == status.ACCEPTED:
        send_received(order)
    return order


def send_received(order) -> None:
    """「ご注文を受付しました」: from this email on, the order is confirmed (O4)."""
    mail.queue(
        template="order_received",
        to=[order.user.email],
        context={
            "order": order,
            "lines": list(order.lines.all()),
            "link": mail.site_url(reverse("orders:order-detail", kwargs={"number": order.number})),
        },
    )
