"""The credit line (与信枠) of deferred-invoice orders (P2): the one module that owns it (issue 10).

The payment partner screens each company and grants a credit line
(`Company.credit_limit`). Every deferred-invoice order reserves its
tax-inclusive total when it is placed (`reserve`); the reservation is given
back (`release`) when the order is cancelled, sent back by an approver,
rejected by the partner, or when the partner reports its invoice paid. The
remaining credit that every page shows (checkout, approval, the staff
screen) is `remaining`: the line minus what open reservations hold.

The line itself changes only here (`set_limit`), by staff or by the partner's
screening, under the company's row lock and with a `CreditLimitChange` row
saying who, from what, to what and why.

The company row is locked (SELECT … FOR UPDATE) while the remaining credit is
computed and a reservation or a new line written, so concurrent orders of the
same company are serialised on PostgreSQL and can never overdraw the line
together; SQLite serialises writers anyway. No partner is called under this
lock: placement calls the partner before its transaction (shop.order.placement).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Company, CreditLimitChange, CreditReservation

# why a reservation was given back
CANCELLED = "cancelled"
SENT_BACK = "sent-back"
REJECTED = "rejected"
PAID = "paid"
WITHDRAWN = "withdrawn"  # the requester withdrew the order while it waited for approval (M7, issue 11)
RELEASE_REASONS = (CANCELLED, SENT_BACK, REJECTED, PAID, WITHDRAWN)


class CreditExceeded(Exception):
    def __init__(self, *, remaining: Decimal, amount: Decimal):
        self.remaining = remaining
        self.amount = amount
        super().__init__(
            f"ご利用可能な与信枠の残高（¥{remaining:,.0f}）を超えるため、請求書払いではご注文いただけません"
            f"（ご注文金額 ¥{amount:,.0f}）。金額を減らすか、当店までご相談ください。"
        )


def reserved(*, company: Company) -> Decimal:
    """What the company's open reservations hold."""
    return CreditReservation.objects.filter(company=company, status=CreditReservation.Status.RESERVED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")


def remaining(*, company: Company) -> Decimal:
    """The credit left for new deferred-invoice orders (never below zero)."""
    return max(Decimal(company.credit_limit) - reserved(company=company), Decimal("0"))


def with_credit(companies: QuerySet) -> QuerySet:
    """`companies` annotated with `credit_reserved`; `remaining_of(company)` reads the remainder from it."""
    return companies.annotate(
        credit_reserved=Coalesce(
            Sum("credit_reservations__amount", filter=Q(credit_reservations__status=CreditReservation.Status.RESERVED)),
            Value(Decimal(0)),
            output_field=DecimalField(max_digits=14, decimal_places=0),
        )
    )


def remaining_of(company: Company) -> Decimal:
    """The remainder of a company from `with_credit` (one query for a whole list)."""
    return max(Decimal(company.credit_limit) - Decimal(company.credit_reserved), Decimal("0"))


def reserve(*, company: Company, order, amount: Decimal) -> CreditReservation:
    """Hold `amount` of the company's credit for `order`, or raise CreditExceeded."""
    with transaction.atomic():
        locked = Company.objects.select_for_update().get(pk=company.pk)
        left = remaining(company=locked)
        if amount > left:
            raise CreditExceeded(remaining=left, amount=amount)
        return CreditReservation.objects.create(company=locked, order=order, amount=amount)


def release(*, order, reason: str) -> bool:
    """Give the order's reservation back to the credit line; True if there was one to release."""
    if reason not in RELEASE_REASONS:
        raise ValueError(f"unknown release reason {reason!r}")
    with transaction.atomic():
        updated = CreditReservation.objects.filter(order=order, status=CreditReservation.Status.RESERVED).update(
            status=CreditReservation.Status.RELEASED, released_at=timezone.now(), release_reason=reason
        )
    return bool(updated)


def set_limit(
    *, company: Company, limit: Decimal, by=None, reason: str, source: str = CreditLimitChange.Source.STAFF
) -> CreditLimitChange | None:
    """Change the company's credit line under its row lock and record who and why; None if it did not change.

    A lower line never touches orders already placed: their reservations stay,
    and the remainder is simply smaller (possibly zero) until they are paid.
    """
    limit = Decimal(limit)
    if limit < 0 or limit != limit.to_integral_value():
        raise ValueError("a credit line is a whole, non-negative number of yen")
    if not reason.strip():
        raise ValueError("a credit line change needs a reason")
    with transaction.atomic():
        locked = Company.objects.select_for_update().get(pk=company.pk)
        previous = Decimal(locked.credit_limit)
        company.credit_limit = limit
        if previous == limit:
            return None
        locked.credit_limit = limit
        locked.save(update_fields=["credit_limit"])
        return CreditLimitChange.objects.create(
            company=locked,
            previous=previous,
            limit=limit,
            source=source,
            reason=reason.strip()[:255],
            changed_by=by if getattr(by, "pk", None) else None,
        )
