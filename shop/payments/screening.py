"""Screening a company for deferred invoices (P2): the partner's answer becomes its credit line.

The buyer id is always kept (the partner knows the company from now on); an
approval sets the credit line to what the partner granted, a rejection to 0,
and a pending review leaves the line as it is.
"""

from __future__ import annotations

from shop.companies.models import Company

from . import invoice


def screen(*, company: Company) -> invoice.Screening:
    """Raises invoice.InvoicePartnerError when the partner cannot be reached."""
    result = invoice.get_partner().screen(
        company_name=company.name,
        postcode=company.postcode,
        address=company.address,
        representative=company.representative_name,
    )
    fields = {"invoice_buyer_id": result.buyer_id}
    if result.status == "approved":
        fields["credit_limit"] = result.credit_limit
    elif result.status == "rejected":
        fields["credit_limit"] = 0
    Company.objects.filter(pk=company.pk).update(**fields)
    for name, value in fields.items():
        setattr(company, name, value)
    return result
