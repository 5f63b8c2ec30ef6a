"""Making a quote from the basket (Q1).

In one transaction: the basket's lines are copied at today's tax-exclusive
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

from .models import VALIDITY, Quote, QuoteLine


class EmptyBasket(Exception):
    pass


def create_from_basket(*, basket, member, submission_key: UUID | None = None) -> Quote:
    if submission_key is not None:
        existing = Quote.objects.filter(submission_key=submission_key, company=member.company).first()
        if existing is not None:
            return existing
    lines = [line for line in basket.all_lines() if line.product is not None]
    if not lines:
        raise EmptyBasket
    with transaction.atomic():
        drafts = []
        for line in lines:
            product = line.product
            drafts.append(
                QuoteLine(
                    product=product,
                    code=product.upc or "",
                    name=product.get_title(),
                    maker_name=product.maker.name if product.maker_id else "",
                    unit_price=line.unit_price_excl_tax,
                    quantity=line.quantity,
                    tax_rate=tax.rate_for(product),
                )
            )
        summary = tax.summarise(tax.TaxableLine(amount=d.unit_price * d.quantity, rate=d.tax_rate) for d in drafts)
        issued = timezone.now().replace(second=0, microsecond=0)
        quote = Quote.objects.create(
            number=numbering.next_number(kind="quote", prefix="Q"),
            company=member.company,
            created_by=member.user,
            issued_at=issued,
            valid_until=issued + VALIDITY,
            subtotal=summary.net,
            tax=summary.tax,
            total=summary.gross,
            submission_key=submission_key,
        )
        for draft in drafts:
            draft.quote = quote
        QuoteLine.objects.bulk_create(drafts)
        basket.flush()
    return quote


def tax_summary(quote: Quote) -> tax.TaxSummary:
    """The quote's per-rate breakdown, from its own lines and the one tax module."""
    return tax.summarise(tax.TaxableLine(amount=line.amount, rate=line.tax_rate) for line in quote.lines.all())
