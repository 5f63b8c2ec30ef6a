"""Campaigns and coupons on quotes (P3, Q1, Q4, C7).

A quote is a priced offer, and a campaign or coupon running when it is made
is part of its price. So when a quote is made, Oscar's offers are applied to
the lines exactly as on the basket page (site campaigns, and the coupons in
the basket), and the result is frozen into the quote:

- each `QuoteLine` keeps its list price and its share of the discounts in
  whole yen (`discount`); `QuoteLine.amount` is the amount after discounts,
  the one that is taxed and ordered. A line is reduced the way the basket
  reduces it (`tax.basket_line_amount`: Oscar's discount to the sen, the
  line rounded up to the yen), so a quote made from a basket has the
  basket's totals;
- each campaign or coupon that reduced a line is one `QuoteDiscount` (its
  name and amount copied), and the yen of each line's reduction are split
  between them with `tax.share_yen`, so the discount rows add up to the
  lines' reduction exactly.

Tax is then computed once per rate on the amounts after discounts (the one
tax module). A campaign that ends, or is edited, later changes nothing on a
quote already made (C7); ordering the quote charges its frozen amounts and
writes its discounts on the order (`record_on_order`), the way Oscar's
`OrderCreator` records a basket's.

Coupons, decided here (issue 10):

- A quote *holds* each coupon it was made with while it is valid and not
  ordered. A single-use coupon held by a quote cannot go into another
  basket (`refuse_held_voucher`, on Oscar's voucher-added signal) nor be
  used by another quote or basket order (`check_available`, under the
  voucher's row lock); a once-per-customer coupon is held for the member who
  made the quote. Multi-use coupons are never held. When the quote expires
  unordered the hold simply ends.
- The coupon's use (Oscar's `VoucherApplication`) is recorded when the quote
  is ordered, not when it is made. At that point the coupon is checked again
  under its row lock (`check_vouchers`): one already used by another order is
  refused. A coupon that has *ended* since the quote was made is still
  honoured, and so is a campaign that ended: the quote froze the price for
  its validity (C7), and a coupon deleted by staff leaves its discount on
  the quote too.
- Making a quote takes the coupons out of the basket, like the lines: the
  quote holds them now.
- 「再見積」 prices the products at today's prices with today's campaigns,
  and keeps the old quote's coupons only if they can still be used (active,
  unused, not held by another quote); the others are named to the buyer.
- Custom quotes (個別見積, Q5) carry the price staff agreed; no campaign is
  applied to them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from oscar.core.loading import get_class, get_model

from shop.billing import tax
from shop.companies.models import Member
from shop.partner.strategy import Selector

from .models import Quote, QuoteDiscount, QuoteLine

Applicator = get_class("offer.applicator", "Applicator")
Basket = get_model("basket", "Basket")
ConditionalOffer = get_model("offer", "ConditionalOffer")
OrderDiscount = get_model("order", "OrderDiscount")
Voucher = get_model("voucher", "Voucher")


class VoucherUnavailable(Exception):
    """A coupon can no longer be used for this quote or order; `message` says why, for the buyer."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Priced:
    """Lines (unsaved `QuoteLine`s, list price and discount) and discounts (unsaved `QuoteDiscount`s)."""

    lines: list[QuoteLine] = field(default_factory=list)
    discounts: list[QuoteDiscount] = field(default_factory=list)

    @property
    def vouchers(self) -> list:
        return [d.voucher for d in self.discounts if d.voucher is not None]


# ---------------------------------------------------------------- pricing


def price_basket(basket) -> Priced:
    """The basket's lines and discounts as a quote keeps them (offers must already be applied to `basket`)."""
    applications = {app["offer"].pk: app for app in basket.offer_applications}
    priced = Priced()
    by_offer: dict[int | None, Decimal] = defaultdict(Decimal)
    for line in basket.all_lines():
        product = line.product
        if product is None or line.line_price_excl_tax is None:
            continue
        before = Decimal(line.line_price_excl_tax).quantize(tax.YEN)
        reduction = before - tax.basket_line_amount(line)
        if reduction > 0:
            weights: dict[int | None, Decimal] = defaultdict(Decimal)
            for applied in line.discounts:
                key = applied.offer.pk if applied.offer is not None and applied.offer.pk in applications else None
                weights[key] += Decimal(applied.amount)
            for key, share in tax.share_yen(reduction, weights).items():
                by_offer[key] += share
        priced.lines.append(
            QuoteLine(
                product=product,
                code=product.upc or "",
                name=product.get_title(),
                maker_name=product.maker.name if product.maker_id else "",
                unit_price=Decimal(line.unit_price_excl_tax).quantize(tax.YEN),
                quantity=line.quantity,
                tax_rate=tax.rate_for(product),
                discount=max(reduction, Decimal("0")),
            )
        )
    for key, amount in by_offer.items():
        if amount <= 0:
            continue
        app = applications.get(key)
        if app is None:  # a reduction no application explains (should not happen): still shown, never lost
            priced.discounts.append(QuoteDiscount(name=gettext("Discount"), amount=amount))
            continue
        voucher = app.get("voucher")
        priced.discounts.append(
            QuoteDiscount(
                name=app["offer"].name,
                voucher=voucher,
                voucher_code=voucher.code if voucher is not None else "",
                offer=app["offer"],
                amount=amount,
                frequency=app.get("freq") or 1,
            )
        )
    priced.discounts.sort(key=lambda d: (d.voucher is not None, d.offer.pk if d.offer else 0))
    return priced


def apply_offers(basket, user) -> None:
    """(Re)apply today's campaigns and the basket's coupons, as Oscar's basket middleware does."""
    if not basket.has_strategy:
        basket.strategy = Selector().strategy(user=user)
    basket.reset_offer_applications()
    Applicator().apply(basket, user)


def price_items(*, items, user, vouchers=()) -> Priced:
    """Price `(product, quantity)` pairs at today's prices and campaigns (and `vouchers`), for 「再見積」.

    Oscar applies offers to a basket only, so the products go into a basket
    of the member's that is never shown (status "Saved", which Oscar lets lines
    be added to, but uncommitted) and is deleted again in the same transaction
    (call inside one).
    """
    basket = Basket.objects.create(owner=user, status=Basket.SAVED)
    basket.strategy = Selector().strategy(user=user)
    for product, quantity in items:
        basket.add_product(product, quantity)
    for voucher in vouchers:
        basket.vouchers.add(voucher)
    apply_offers(basket, user)
    priced = price_basket(basket)
    basket.vouchers.clear()
    basket.delete()  # on an error the caller's transaction rolls it back instead
    return priced


# ---------------------------------------------------------------- coupon holds


def holding_quotes(voucher, *, user=None, exclude: Quote | None = None):
    """The valid, unordered quotes that hold `voucher` for `user` (none for a multi-use coupon)."""
    if voucher.usage == Voucher.MULTI_USE:
        return Quote.objects.none()
    quotes = Quote.objects.filter(
        discounts__voucher=voucher, valid_until__gt=timezone.now(), orders__isnull=True
    ).distinct()
    if voucher.usage == Voucher.ONCE_PER_CUSTOMER:
        quotes = quotes.filter(created_by=user) if user is not None else Quote.objects.none()
    if exclude is not None:
        quotes = quotes.exclude(pk=exclude.pk)
    return quotes


def _held_message(voucher, holder: Quote | None, company) -> str:
    if holder is not None and company is not None and holder.company_id == company.pk:
        return gettext("The coupon %(code)s is held by your quote %(number)s and cannot be used again.") % {
            "code": voucher.code,
            "number": holder.number,
        }
    return gettext("The coupon %(code)s is in use by another quote and cannot be used.") % {"code": voucher.code}


def check_available(vouchers, *, user, company=None, exclude: Quote | None = None) -> None:
    """Lock each coupon's row and raise VoucherUnavailable if another quote holds it or an order used it.

    Call inside the transaction that will hold or use the coupons: the row
    lock serialises two requests using one single-use coupon (PostgreSQL;
    SQLite serialises writers anyway).
    """
    ids = sorted({v.pk for v in vouchers if v is not None and v.pk is not None})
    for voucher in Voucher.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
        available, _reason = voucher.is_available_to_user(user=user)
        if not available:
            raise VoucherUnavailable(
                gettext("The coupon %(code)s has already been used and cannot be used again.") % {"code": voucher.code}
            )
        # 「お一人様1回」: in a B2B shop the customer is the company, so one use per company
        if (
            voucher.usage == Voucher.ONCE_PER_CUSTOMER
            and company is not None
            and voucher.applications.filter(order__company=company).exists()
        ):
            raise VoucherUnavailable(
                gettext("The coupon %(code)s has already been used by your company.") % {"code": voucher.code}
            )
        holder = holding_quotes(voucher, user=user, exclude=exclude).select_related("company").first()
        if holder is not None:
            raise VoucherUnavailable(_held_message(voucher, holder, company))


def check_basket_vouchers(*, basket, user, company=None) -> None:
    """For a direct order from the basket (O2): its coupons, locked, must not be held by a quote."""
    check_available(list(basket.vouchers.all()), user=user, company=company)


def refuse_held_voucher(sender, basket, voucher, **kwargs) -> None:
    """Oscar's voucher-added signal: a coupon a valid quote holds is taken out of the basket again.

    Oscar's own checks (active, not yet used) know nothing of quotes. The view
    then finds no discount from the coupon and says so as well.
    """
    user = basket.owner
    holder = holding_quotes(voucher, user=user).select_related("company").first()
    if holder is None:
        return
    basket.vouchers.remove(voucher)
    request = getattr(sender, "request", None)
    if request is not None:
        member = Member.objects.select_related("company").filter(user=user).first() if user is not None else None
        messages.error(request, _held_message(voucher, holder, member.company if member else None))


# ---------------------------------------------------------------- ordering a quote


def check_vouchers(*, quote: Quote, user) -> None:
    """Inside the order transaction: lock the quote's coupons; raise VoucherUnavailable if one was used meanwhile.

    A coupon that ended after the quote was made is honoured (C7: the quote
    froze its price for its validity); one deleted by staff has nothing left
    to check, and its discount is honoured too.
    """
    vouchers = [d.voucher for d in quote.discounts.select_related("voucher") if d.voucher is not None]
    check_available(vouchers, user=user, company=quote.company, exclude=quote)


def record_on_order(*, quote: Quote, order, user) -> None:
    """Inside the order transaction, after the lines: the quote's discounts as Oscar records a basket's.

    One `OrderDiscount` per campaign or coupon (so the order pages and the
    qualified documents list them), each offer's usage counted, and each
    coupon's use recorded (`Voucher.record_usage`: a single-use coupon is
    then used up). Counters are moved on in the database (F expressions), so
    two orders at once do not lose an update.
    """
    used: dict[int, Decimal] = defaultdict(Decimal)
    for discount in quote.discounts.all():
        OrderDiscount.objects.create(
            order=order,
            category=OrderDiscount.BASKET,
            offer_id=discount.offer_id,
            offer_name=discount.name[:128],
            voucher_id=discount.voucher_id,
            voucher_code=discount.voucher_code,
            frequency=discount.frequency,
            amount=discount.amount,
            message="",
        )
        if discount.offer_id is not None:
            ConditionalOffer.objects.filter(pk=discount.offer_id).update(
                num_applications=F("num_applications") + discount.frequency,
                total_discount=F("total_discount") + discount.amount,
                num_orders=F("num_orders") + 1,
            )
        if discount.voucher_id is not None:
            used[discount.voucher_id] += discount.amount
    for voucher in Voucher.objects.select_for_update().filter(pk__in=sorted(used)).order_by("pk"):
        voucher.record_usage(order, user)  # VoucherApplication, num_orders + 1
        Voucher.objects.filter(pk=voucher.pk).update(total_discount=F("total_discount") + used[voucher.pk])
