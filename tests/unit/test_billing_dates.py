"""Billing dates (P4): 3rd business day of the next month; due at the end of that month."""

from datetime import date

import pytest

from shop.billing.billing_dates import invoice_date, payment_due


@pytest.mark.parametrize(
    ("delivered", "invoice", "due"),
    [
        (date(2026, 11, 25), date(2026, 12, 3), date(2026, 12, 31)),  # Tue 1, Wed 2, Thu 3
        (date(2026, 12, 15), date(2027, 1, 6), date(2027, 1, 31)),  # closed to 1/3: Mon 4, Tue 5, Wed 6
        (date(2027, 4, 20), date(2027, 5, 10), date(2027, 5, 31)),  # Golden Week 5/3–5/5; 5/6, 5/7, 5/10
        (date(2027, 1, 31), date(2027, 2, 3), date(2027, 2, 28)),  # Feb 2027: Mon 1, Tue 2, Wed 3
        (date(2028, 1, 10), date(2028, 2, 3), date(2028, 2, 29)),  # a leap year's February ends on the 29th
    ],
)
def test_invoice_on_the_third_business_day_of_the_next_month_due_at_its_end(delivered, invoice, due):
    # covers: P4
    assert invoice_date(delivered_on=delivered) == invoice
    assert payment_due(delivered_on=delivered) == due
