"""Making a quote from the basket (Q1) and 「再見積」 (Q3).

The quote's number is taken first, in a transaction of its own
(`numbering.numbered`), so a number is never handed out twice even when the
quote's transaction rolls back (the number is then voided with the reason).
In one transaction after that: the basket's lines are priced at today's
tax-exclusive prices with today's campaigns and the basket's coupons
(`discounts`, P3; coupons locked and checked against other quotes' holds),
the totals come from the one tax module on the amounts after discounts (tax
once per rate, rounded down), the quote gets its number and a validity of 7
days to the minute, and the basket is emptied (lines and coupons). The same
submission key never makes a second quote.
"""

from __future__ import annotations

from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from shop.billing import numbering, tax
from shop.partner.strategy import Selector

from . import discounts, resale
from .models import VALIDITY, Quote, QuoteDiscount, QuoteLine

VoucherUnavailable = discounts.VoucherUnavailable


class EmptyBasket(Exception):
    pass


class NothingToRequote(Exception):
    pass


def _existing(submission_key: UUID | None, company) -> Quote | None:
    if submission_key is None:
        return None
    return Quote.objects.filter(submission_key=submission_key, company=company).first()


def today_price(product):
    """Today's tax-exclusive price from the pricing strategy (C7), or None when the product has none."""
    price = Selector().strategy().fetch_for_product(product).price
    return price.excl_tax if price.exists else None


def catalogue_line(product, *, quantity: int, unit_price=None, note: str = "") -> QuoteLine:
    """A line for a catalogue product, at today's price unless another is agreed (custom quotes)."""
    return QuoteLine(
        product=product,
        code=product.upc or "",
        name=product.get_title(),
        maker_name=product.maker.name if product.maker_id else "",
        unit_price=today_price(product) if unit_price is None else unit_price,
        quantity=quantity,
        tax_rate=tax.rate_for(product),
        note=note,
    )


def issue(
    *,
    number: str,
    drafts: list[QuoteLine],
    company,
    created_by,
    submission_key,
    valid_until=None,
    quote_discounts: list[QuoteDiscount] = (),
    **fields,
) -> Quote:
    """Date and total a quote from its draft lines and discounts, and save them under `number`.

    Call inside the transaction that saves the quote, with a number taken
    before it (`numbering.take`); the number is marked used here.
    """
    summary = tax.summarise(tax.TaxableLine(amount=d.amount, rate=d.tax_rate) for d in drafts)
    issued = timezone.now().replace(second=0, microsecond=0)
    numbering.use(number)
    quote = Quote.objects.create(
        number=number,
        company=company,
        created_by=created_by,
        issued_at=issued,
        valid_until=valid_until or issued + VALIDITY,
        subtotal=summary.net,
        tax=summary.tax,
        total=summary.gross,
        submission_key=submission_key,
        **fields,
    )
    for draft in drafts:
        draft.quote = quote
    QuoteLine.objects.bulk_create(drafts)
    for discount in quote_discounts:
        discount.quote = quote
    QuoteDiscount.objects.bulk_create(quote_discounts)
    return quote


def _numbered(submission_key: UUID | None, company, make) -> Quote:
    """Take a number, run `make(number)` in one transaction; a submission key that won a race answers instead."""
    try:
        with numbering.numbered(kind="quote", prefix="Q") as number, transaction.atomic():
            return make(number)
    except IntegrityError:  # the same form sent twice at once: the other request made the quote
        if (existing := _existing(submission_key, company)) is None:
            raise
        return existing


def create_from_basket(
    *, basket, member, submission_key: UUID | None = None, for_resale: bool = False, end_user_name: str = ""
) -> Quote:
    """Raises EmptyBasket, VoucherUnavailable (a coupon another quote holds), or ValidationError (Q6)."""
    if (existing := _existing(submission_key, member.company)) is not None:
        return existing
    lines = [line for line in basket.all_lines() if line.product is not None]
    if not lines:
        raise EmptyBasket
    resale.check(for_resale=for_resale, end_user_name=end_user_name, products=[line.product for line in lines])

    def make(number: str) -> Quote:
        discounts.check_available(list(basket.vouchers.all()), user=member.user, company=member.company)
        discounts.apply_offers(basket, member.user)  # under the coupons' locks, as they are now
        priced = discounts.price_basket(basket)
        if not priced.lines:
            raise EmptyBasket
        quote = issue(
            number=number,
            drafts=priced.lines,
            quote_discounts=priced.discounts,
            company=member.company,
            created_by=member.user,
            submission_key=submission_key,
            for_resale=for_resale,
            end_user_name=end_user_name.strip() if for_resale else "",
        )
        basket.flush()
        basket.vouchers.clear()  # the quote holds its coupons now
        return quote

    return _numbered(submission_key, member.company, make)


def requote(*, quote: Quote, member, submission_key: UUID | None = None) -> tuple[Quote, list[str], list[str]]:
    """「再見積」 (Q3): the same products and quantities at today's prices and campaigns, as a new quote.

    Products no longer sold are left out and named. The old quote's coupons
    are kept if they can still be used (active, unused, held by no other
    quote, the old one included); the others are named. Free-text lines of a
    custom quote have no price of today, so a custom quote is re-quoted by the
    shop (through an inquiry), not here. Returns the new quote, the product
    names left out and the notes about coupons left out.
    """
    if (existing := _existing(submission_key, member.company)) is not None:
        return existing, [], []
    if quote.is_custom:
        raise NothingToRequote("個別見積の再見積は、お問い合わせからご依頼ください。")
    old = list(quote.lines.select_related("product", "product__maker"))
    kept = [line for line in old if line.product is not None and not line.product.is_sale_ended]
    skipped = [line.name for line in old if line not in kept]
    if not kept:
        raise NothingToRequote("販売中の商品がないため、再見積できません。")
    dropped: list[str] = []

    def make(number: str) -> Quote:
        held = quote.discounts.select_related("voucher").exclude(voucher=None)
        vouchers = []
        for voucher in {d.voucher_id: d.voucher for d in held}.values():  # a coupon once, even with two offers
            try:
                discounts.check_available([voucher], user=member.user, company=member.company)
            except VoucherUnavailable as refusal:
                dropped.append(refusal.message)
                continue
            if not voucher.is_active():
                dropped.append(gettext("The coupon %(code)s has ended.") % {"code": voucher.code})
                continue
            vouchers.append(voucher)
        priced = discounts.price_items(
            items=[(line.product, line.quantity) for line in kept], user=member.user, vouchers=vouchers
        )
        applied = {voucher.pk for voucher in priced.vouchers}
        for voucher in vouchers:
            if voucher.pk not in applied:
                dropped.append(
                    gettext("The coupon %(code)s no longer applies to these products.") % {"code": voucher.code}
                )
        return issue(
            number=number,
            drafts=priced.lines,
            quote_discounts=priced.discounts,
            company=member.company,
            created_by=member.user,
            submission_key=submission_key,
            for_resale=quote.for_resale,
            end_user_name=quote.end_user_name,
            requoted_from=quote,
        )

    new = _numbered(submission_key, member.company, make)
    return new, skipped, dropped


def tax_summary(quote: Quote) -> tax.TaxSummary:
    """The quote's per-rate breakdown, from its own lines and the one tax module."""
    return tax.summarise(tax.TaxableLine(amount=line.amount, rate=line.tax_rate) for line in quote.lines.all())
