"""Membership applications (M1): submit once, whatever the double clicks.

A submission carries a key generated with the form; the same key never makes
a second application (a unique column, so even two racing requests cannot).
The receipt goes to the applicant and the person with ordering authority, and
carries none of the typed text: the addresses are not verified yet.
"""

from __future__ import annotations

from uuid import UUID

from django.db import IntegrityError, transaction

from shop.notifications import mail

from .models import MembershipApplication


def _receipt_context(application: MembershipApplication) -> dict:
    """The receipt goes to addresses nobody verified yet: nothing the applicant typed, only our own words.

    Otherwise the form would send anyone's text to any address from the shop's domain.
    """
    return {
        "reference": application.pk,
        "submitted_at": application.submitted_at,
        "site_link": mail.site_url("/"),
    }


def submit(*, data: dict, submission_key: UUID) -> tuple[MembershipApplication, bool]:
    """Create the pending application; returns (application, created)."""
    existing = MembershipApplication.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            application = MembershipApplication.objects.create(submission_key=submission_key, **data)
            recipients = list(dict.fromkeys([application.applicant_email, application.authority_email]))
            mail.queue(template="membership_received", to=recipients, context=_receipt_context(application))
    except IntegrityError:
        return MembershipApplication.objects.get(submission_key=submission_key), False
    return application, True
