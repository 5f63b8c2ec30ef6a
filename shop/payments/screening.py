"""Screening a company for deferred invoices (P2): the partner's answer becomes its credit line.

The buyer id is always kept (the partner knows the company from now on); an
approval sets the credit line to what the partner granted, a rejection to 0,
and a pending review leaves the line as it is.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from shop.companies import credit
from shop.companies.models import Company, CreditLimitChange

from . import invoice


def screen(*, company: Company, by=None) -> invoice.Screening:
    """Raises invoice.InvoicePartnerError when the partner cannot be reached.

    The partner is asked first, with no transaction open; its answer is then
    saved through the credit ledger (locked, with an audit row).
    """
    result = invoice.get_partner().screen(
        company_name=company.name,
        postcode=company.postcode,
        address=company.address,
        representative=company.representative_name,
    )
    limit = {"approved": result.credit_limit, "rejected": 0}.get(result.status)
    with transaction.atomic():
        Company.objects.filter(pk=company.pk).update(invoice_buyer_id=result.buyer_id)
        company.invoice_buyer_id = result.buyer_id
        if limit is not None:
            credit.set_limit(
                company=company,
                limit=limit,
                by=by,
                reason=(
                    gettext("Partner screening: approved (%(buyer)s)")
                    if result.status == "approved"
                    else gettext("Partner screening: rejected (%(buyer)s)")
                )
                % {"buyer": result.buyer_id},
                source=CreditLimitChange.Source.SCREENING,
            )
    return result
