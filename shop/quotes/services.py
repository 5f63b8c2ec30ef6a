"""Making a quote from the basket (Q1).

In one transaction: the basket's lines are priced at today's tax-exclusive
prices, the totals come from the one tax module (tax once per rate, rounded
down), the quote gets the next number and a validity of 7 days to the
minute, and the basket is emptied. The same submission key never makes a
second quote.
"""

from __future__ import annotations

from uuid import UUID

from django.db import transaction
from django.utils import timezone

from shop.billing import numbering, tax
from shop.partner.strategy import Selector

from . import resale
from .models import VALIDITY, Quote, QuoteLine


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


def issue(*, drafts: list[QuoteLine], company, created_by, submission_key, valid_until=None, **fields) -> Quote:
    """Number, date and total a quote from its draft lines, and save both (call inside a transaction)."""
    summary = tax.summarise(tax.TaxableLine(amount=d.unit_price * d.quantity, rate=d.tax_rate) for d in drafts)
    issued = timezone.now().replace(second=0, microsecond=0)
    quote = Quote.objects.create(
        number=numbering.next_number(kind="quote", prefix="Q"),
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
    return quote


def create_from_basket(
    *, basket, member, submission_key: UUID | None = None, for_resale: bool = False, end_user_name: str = ""
) -> Quote:
    """Raises EmptyBasket, or ValidationError for a resale declaration that cannot be accepted (Q6)."""
    if (existing := _existing(submission_key, member.company)) is not None:
        return existing
    lines = [line for line in basket.all_lines() if line.product is not None]
    if not lines:
        raise EmptyBasket
    resale.check(for_resale=for_resale, end_user_name=end_user_name, products=[line.product for line in lines])
    with transaction.atomic():
        drafts = [catalogue_line(line.product, quantity=line.quantity) for line in lines]
        quote = issue(
            drafts=drafts,
            company=member.company,
            created_by=member.user,
            submission_key=submission_key,
            for_resale=for_resale,
            end_user_name=end_user_name.strip() if for_resale else "",
        )
        basket.flush()
    return quote


def requote(*, quote: Quote, member, submission_key: UUID | None = None) -> tuple[Quote, list[str]]:
    """「再見積」 (Q3): the same products and quantities at today's prices, as a new quote.

    Products no longer sold are left out and named. Free-text lines of a
    custom quote have no price of today, so a custom quote is re-quoted by the
    shop (through an inquiry), not here. Returns the new quote and the names left out.
    """
    if (existing := _existing(submission_key, member.company)) is not None:
        return existing, []
    if quote.is_custom:
        raise NothingToRequote("個別見積の再見積は、お問い合わせからご依頼ください。")
    old = list(quote.lines.select_related("product", "product__maker"))
    kept = [line for line in old if line.product is not None and not line.product.is_sale_ended]
    skipped = [line.name for line in old if line not in kept]
    if not kept:
        raise NothingToRequote("販売中の商品がないため、再見積できません。")
    with transaction.atomic():
        drafts = [catalogue_line(line.product, quantity=line.quantity) for line in kept]
        new = issue(
            drafts=drafts,
            company=member.company,
            created_by=member.user,
            submission_key=submission_key,
            for_resale=quote.for_resale,
            end_user_name=quote.end_user_name,
            requoted_from=quote,
        )
    return new, skipped


def tax_summary(quote: Quote) -> tax.TaxSummary:
    """The quote's per-rate breakdown, from its own lines and the one tax module."""
    return tax.summarise(tax.TaxableLine(amount=line.amount, rate=line.tax_rate) for line in quote.lines.all())
