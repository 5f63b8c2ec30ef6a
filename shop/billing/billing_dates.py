"""Billing dates (P4): when the invoice is issued and when a deferred invoice is due.

Rule (from the spec): the invoice is issued on the 3rd business day
(Japanese calendar with public holidays and the shop's year-end closure, see
`business_days`) of the month after delivery or contract start; a
deferred-invoice payment is due at the end of that month. Delivery or
contract start is the day staff moved the order to 納品済/契約開始.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from .business_days import nth_business_day_of_month

INVOICE_BUSINESS_DAY = 3


@dataclass(frozen=True)
class BillingDates:
    delivered_on: date
    invoice_on: date
    due_on: date | None  # None for card payments: the card company bills the buyer


def _next_month(day: date) -> tuple[int, int]:
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


def invoice_date(*, delivered_on: date) -> date:
    year, month = _next_month(delivered_on)
    return nth_business_day_of_month(year=year, month=month, n=INVOICE_BUSINESS_DAY)


def payment_due(*, delivered_on: date) -> date:
    year, month = _next_month(delivered_on)
    return date(year, month, monthrange(year, month)[1])


def for_order(order) -> BillingDates | None:
    """The order's billing dates, once it has been delivered (or its contract started); else None.

    Reads the order's status changes; prefetch `status_changes` for lists.
    """
    from shop.order import status

    moments = [c.date_created for c in order.status_changes.all() if c.new_status == status.DELIVERED]
    if not moments:
        return None
    delivered_on = timezone.localdate(min(moments))
    is_invoice = order.payment_method == "invoice"
    return BillingDates(
        delivered_on=delivered_on,
        invoice_on=invoice_date(delivered_on=delivered_on),
        due_on=payment_due(delivered_on=delivered_on) if is_invoice else None,
    )
