"""Placing an order (O4), one path for every source of lines (issue 10: no partner call under a lock).

`place_from_quote` orders a valid quote at the quote's prices and discounts
(Q4, C7); `place_from_basket` orders the basket directly (O2) at its
discounted prices (P3). Both run the same steps:

1. checks that need no lock: the payment method may be used by this member
   (P1), the resale declaration (Q6), the remaining credit line (P2);
2. the order number is taken in a transaction of its own
   (`numbering.take`): whatever happens next, it is never handed out again;
3. the payment attempt is recorded (`settlement.begin`, 決済処理中) and the
   partner is asked with no transaction open (`settlement.call`): the card's
   one-time token is charged, or the deferred invoice checked. A decline or
   rejection refuses the order and voids the number with its reason;
4. one transaction writes the order: it locks the source row (quote or
   basket: double clicks and parallel requests are serialised, a source is
   ordered once, and the submission key is unique on the order, so a
   resubmitted form returns the order it made), checks the coupons again
   under their row locks (a single-use coupon is used once), writes the
   order and its lines (totals from the one tax module), reserves the amount
   on the company's credit line under its row lock (P2), starts the
   approval route (M7) or queues 「ご注文を受付しました」, closes the basket,
   attaches the payment and marks the number used;
5. if that transaction does not commit, the charge is voided or the
   partner's check cancelled (`settlement.compensate`), and the number is
   voided with the reason. A crash between 3 and 5 is finished by the sweep.

So a slow partner holds no row lock: another member of the same company
orders meanwhile. Any refusal raises `OrderRefused` with a Japanese message.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from oscar.core.loading import get_class, get_model

from shop.attachments import services as attachment_services
from shop.billing import numbering, tax
from shop.companies import credit
from shop.companies.models import Company
from shop.notifications import mail
from shop.payments import settlement
from shop.quotes import discounts, resale
from shop.quotes.models import Quote

from . import status

Order = get_model("order", "Order")
Line = get_model("order", "Line")
Basket = get_model("basket", "Basket")
OrderCreator = get_class("order.utils", "OrderCreator")


@dataclass(frozen=True)
class OrderDetails:
    purchase_order_number: str = ""
    comment: str = ""
    for_resale: bool = False
    end_user_name: str = ""
    payment_method: str = "invoice"
    delivery_address: str = ""
    card_token: str = ""
    attachments: tuple = field(default_factory=tuple)


@dataclass(frozen=True)
class PricedLine:
    """One order line as it will be written: tax-exclusive, after discounts."""

    product: object | None
    code: str
    name: str
    maker_name: str
    unit_price: Decimal
    quantity: int
    amount: Decimal
    tax_rate: Decimal
    before_discounts: Decimal
    quote_line: object | None = None
    from_custom_quote: bool = False
    note: str = ""


class OrderRefused(Exception):
    def __init__(self, message: str, *, requote: bool = False):
        super().__init__(message)
        self.message = message
        self.requote = requote


CARD_NOT_ALLOWED = (
    "クレジットカード払いは、発注権限のある方と承認ルートが「承認不要」の方だけがご利用いただけます。"
    "請求書払いをお選びください。"
)


def card_allowed(member) -> bool:
    """P1: the card is for members with ordering authority and members whose route is 「承認不要」."""
    return member.has_ordering_authority or member.approval_route == member.Route.NONE


def _existing(submission_key, member):
    if submission_key is None:
        return None
    return Order.objects.filter(submission_key=submission_key, company=member.company).first()


TWIN_WAIT_SECONDS = 10


def _wait_for_twin(submission_key) -> None:
    """A double click sends the form twice: the second request waits for the first instead of paying again."""
    deadline = time.monotonic() + TWIN_WAIT_SECONDS
    while settlement.in_flight(submission_key) and time.monotonic() < deadline:
        time.sleep(0.2)


def _placing(submission_key, member, place):
    """Run `place` (it opens its own transactions); the same submission key always answers with the same order."""
    _wait_for_twin(submission_key)
    if (existing := _existing(submission_key, member)) is not None:
        return existing
    try:
        return place()
    except IntegrityError:  # the same submission key won a race
        if (existing := _existing(submission_key, member)) is None:
            raise
        return existing
    except OrderRefused:  # e.g. the one-time card token was spent by the twin request of a double click
        _wait_for_twin(submission_key)
        if (existing := _existing(submission_key, member)) is None:
            raise
        return existing


def place_from_quote(*, quote: Quote, member, details: OrderDetails, submission_key: UUID | None = None):
    def place():
        lines = _quote_lines(quote)

        def lock_source():
            locked = Quote.objects.select_for_update().get(pk=quote.pk, company=member.company)
            if locked.orders.exists():
                raise OrderRefused(f"見積 {locked.number} はすでに注文済みです。")
            with refusing_unavailable_coupons():
                discounts.check_vouchers(quote=locked, user=member.user)

            def keep_discounts(order):
                discounts.record_on_order(quote=locked, order=order, user=member.user)

            return {"quote": locked, "before_commit": keep_discounts}

        return _place(
            member=member, lines=lines, details=details, submission_key=submission_key, lock_source=lock_source
        )

    return _placing(submission_key, member, place)


def place_from_basket(*, basket, member, details: OrderDetails, submission_key: UUID | None = None):
    def place():
        if Basket.objects.filter(pk=basket.pk, owner=member.user).exclude(status=Basket.OPEN).exists():
            return _basket_already_ordered(basket)
        lines = _basket_lines(basket)

        def lock_source():
            locked = Basket.objects.select_for_update().get(pk=basket.pk, owner=member.user)
            if locked.status != Basket.OPEN:  # ordered by the request that held the lock before us
                raise OrderRefused("このカートはすでに使われています。カートの内容をご確認ください。")
            with refusing_unavailable_coupons():  # locked: a coupon a valid quote holds is not for this order
                discounts.check_basket_vouchers(basket=locked, user=member.user, company=member.company)

            def close_basket(order):
                _record_discounts(order=order, basket=basket, user=member.user)
                locked.submit()

            return {"basket": locked, "before_commit": close_basket}

        return _place(
            member=member, lines=lines, details=details, submission_key=submission_key, lock_source=lock_source
        )

    return _placing(submission_key, member, place)


@contextmanager
def refusing_unavailable_coupons():
    try:
        yield
    except discounts.VoucherUnavailable as refusal:
        raise OrderRefused(str(refusal)) from refusal


def _basket_already_ordered(basket):
    order = Order.objects.filter(basket=basket).first()
    if order is None:
        raise OrderRefused("このカートはすでに使われています。カートの内容をご確認ください。")
    return order


def _record_discounts(*, order, basket, user) -> None:
    """Coupons and campaigns (P3) as Oscar records them: one OrderDiscount each, and their usage counted."""
    creator = OrderCreator()
    for application in basket.offer_applications:
        application["message"] = application["offer"].apply_deferred_benefit(basket, order, application)
        creator.create_discount_model(order, application)
        creator.record_discount(application)
    for voucher in basket.vouchers.select_for_update():
        # checked again under the voucher's row lock: parallel checkouts with one single-use coupon
        # all passed Oscar's check when their baskets were loaded; only the first may use it
        available, message = voucher.is_available_to_user(user=user)
        if not available or not voucher.is_active():
            raise OrderRefused(
                gettext("The coupon “%(code)s” can no longer be used (%(why)s).")
                % {"code": voucher.code, "why": message or gettext("expired")}
            )
        creator.record_voucher_usage(order, voucher, user)


def _quote_lines(quote: Quote) -> list[PricedLine]:
    """The quote's lines at its prices and discounts; refused if ordered, expired or with ended products."""
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
    return [
        PricedLine(
            product=line.product,
            code=line.code,
            name=line.name,
            maker_name=line.maker_name,
            unit_price=line.unit_price,
            quantity=line.quantity,
            amount=line.amount,
            before_discounts=line.amount_before_discounts,
            tax_rate=line.tax_rate,
            quote_line=line,
            from_custom_quote=quote.is_custom,
            note=line.note,
        )
        for line in lines
    ]


def _basket_lines(basket) -> list[PricedLine]:
    lines = list(basket.all_lines())
    if not lines:
        raise OrderRefused("カートに商品がありません。")
    priced = []
    for line in lines:
        product = line.product
        allowed, reason = line.purchase_info.availability.is_purchase_permitted(line.quantity)
        if not allowed:
            raise OrderRefused(f"「{product.get_title()}」はご注文いただけません（{reason}）。")
        priced.append(
            PricedLine(
                product=product,
                code=product.upc or "",
                name=product.get_title(),
                maker_name=product.maker.name if product.maker_id else "",
                unit_price=line.unit_price_excl_tax,
                quantity=line.quantity,
                amount=tax.basket_line_amount(line),
                before_discounts=line.line_price_excl_tax,
                tax_rate=tax.rate_for(product),
            )
        )
    return priced


def _refuse_early(*, member, lines: list[PricedLine], details: OrderDetails) -> tax.TaxSummary:
    """Everything that can refuse the order before a number is taken or a partner asked."""
    if details.payment_method == Order.PaymentMethod.CARD and not card_allowed(member):
        raise OrderRefused(CARD_NOT_ALLOWED)
    if details.payment_method not in Order.PaymentMethod.values:
        raise OrderRefused("お支払い方法を選んでください。")
    try:
        resale.check(
            for_resale=details.for_resale,
            end_user_name=details.end_user_name,
            products=[line.product for line in lines],
        )
    except ValidationError as error:
        raise OrderRefused(" ".join(error.messages)) from error
    summary = tax.summarise(tax.TaxableLine(amount=line.amount, rate=line.tax_rate) for line in lines)
    if details.payment_method == Order.PaymentMethod.INVOICE:
        company = Company.objects.get(pk=member.company_id)  # the line as it is now, not as the request began
        if not company.invoice_buyer_id:
            raise OrderRefused("請求書払いの審査が済んでいません。当店までお問い合わせください。")
        left = credit.remaining(company=company)
        if summary.gross > left:
            raise OrderRefused(str(credit.CreditExceeded(remaining=left, amount=summary.gross)))
    return summary


def _place(*, member, lines: list[PricedLine], details: OrderDetails, submission_key, lock_source):
    """Steps 1-5 of the module docstring.

    `lock_source()` runs first in step 4's transaction: it locks the quote or basket (and its coupons) and
    answers with what `_write` needs of it (the source row, and the work to do before the commit).
    """
    summary = _refuse_early(member=member, lines=lines, details=details)
    number = numbering.take(kind="order", prefix="K")
    try:
        payment = settlement.begin(
            order_number=number,
            company=member.company,
            method=details.payment_method,
            amount=summary.gross,
            card_token=details.card_token,
            submission_key=submission_key,
        )
        settlement.call(payment)
    except settlement.PaymentRefused as refusal:
        numbering.void(number, reason=f"payment refused: {refusal.message}")
        raise OrderRefused(refusal.message) from refusal
    try:
        with transaction.atomic():
            source = lock_source()  # first: the coupon rows are locked before the company's (no deadlock)
            return _write(
                member=member,
                lines=lines,
                summary=summary,
                details=details,
                submission_key=submission_key,
                number=number,
                payment=payment,
                **source,
            )
    except BaseException as failure:
        reason = numbering.describe(failure)
        settlement.compensate(payment, reason=reason)
        numbering.void(number, reason=reason)
        raise


def _write(
    *,
    member,
    lines: list[PricedLine],
    summary: tax.TaxSummary,
    details: OrderDetails,
    submission_key,
    number: str,
    payment,
    quote=None,
    basket=None,
    before_commit=None,
):
    state = status.initial_for(member)
    order = Order.objects.create(
        number=number,
        user=member.user,
        company=member.company,
        quote=quote,
        basket=basket,
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
        payment_method=details.payment_method,
        delivery_address=details.delivery_address,
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
            partner_sku=line.code or f"{order.number}-{index}",
            quantity=line.quantity,
            unit_price_excl_tax=line.unit_price,
            unit_price_incl_tax=line.unit_price,
            line_price_excl_tax=line.amount,
            line_price_incl_tax=line.amount,
            line_price_before_discounts_excl_tax=line.before_discounts,
            line_price_before_discounts_incl_tax=line.before_discounts,
            num_allocated=0,
            status=state,
            quote_line=line.quote_line,
            from_custom_quote=line.from_custom_quote,
            note=line.note,
        )
        for index, line in enumerate(lines, start=1)
    )
    attachment_services.attach(attachments=details.attachments, order=order)
    if details.payment_method == Order.PaymentMethod.INVOICE:
        try:
            credit.reserve(company=member.company, order=order, amount=summary.gross)
        except credit.CreditExceeded as exceeded:
            raise OrderRefused(str(exceeded)) from exceeded
    if state == status.AWAITING_APPROVAL:
        from shop.approvals import workflow

        try:
            workflow.start(order=order, requester=member)
        except workflow.ApprovalRefused as refusal:
            raise OrderRefused(str(refusal)) from refusal
    else:
        send_received(order)
    if before_commit is not None:
        before_commit(order)
    try:
        settlement.attach(payment=payment, order=order)
    except settlement.AttemptLost as lost:
        raise OrderRefused(gettext("The payment was interrupted. Please place the order again.")) from lost
    numbering.use(number)
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
