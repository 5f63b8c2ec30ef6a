"""Credit line (与信枠) for deferred-invoice orders (P2).

The payment partner screens each company and grants a credit line
(`Company.credit_limit`). Every deferred-invoice order reserves its
tax-inclusive total when it is placed; the remaining credit is the line minus
what open reservations hold. An order beyond the remaining credit is refused
with the remaining amount in the message. A cancelled or sent-back order
releases its reservation.

The company row is locked (SELECT … FOR UPDATE) while the remaining credit is
computed and the reservation written, so concurrent orders of the same
company are serialised on PostgreSQL and can never overdraw the line
together; SQLite serialises writers anyway.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from .models import Company, CreditReservation


class CreditExceeded(Exception):
    def __init__(self, *, remaining: Decimal, amount: Decimal):
        self.remaining = remaining
        self.amount = amount
        super().__init__(
            f"ご利用可能な与信枠の残高（¥{remaining:,.0f}）を超えるため、請求書払いではご注文いただけません"
            f"（ご注文金額 ¥{amount:,.0f}）。金額を減らすか、当店までご相談ください。"
        )


def remaining(*, company: Company) -> Decimal:
    held = CreditReservation.objects.filter(company=company, status=CreditReservation.Status.RESERVED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    return max(Decimal(company.credit_limit) - held, Decimal("0"))


def reserve(*, company: Company, order, amount: Decimal) -> CreditReservation:
    """Hold `amount` of the company's credit for `order`, or raise CreditExceeded."""
    with transaction.atomic():
        locked = Company.objects.select_for_update().get(pk=company.pk)
        left = remaining(company=locked)
        if amount > left:
            raise CreditExceeded(remaining=left, amount=amount)
        return CreditReservation.objects.create(company=locked, order=order, amount=amount)


def release(*, order) -> bool:
    """Give the order's reservation back to the credit line; True if there was one to release."""
    with transaction.atomic():
        updated = CreditReservation.objects.filter(order=order, status=CreditReservation.Status.RESERVED).update(
            status=CreditReservation.Status.RELEASED, released_at=timezone.now()
        )
    return bool(updated)
