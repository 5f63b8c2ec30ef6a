"""Screening membership applications (M2) and what approval creates (M3).

Approve: in one transaction, the application is locked, a Company is created,
the person with ordering authority becomes its administrator with 発注権限 and
the applicant an ordinary member (one account if they are the same person);
each gets a completion email with their お客様ID and a first-password link.
Once approval has committed, the payment partner screens the new company
for its deferred-invoice credit line (P2).
Reject: the reason is kept and emailed to the applicant. A decided
application cannot be decided again.
"""

from __future__ import annotations

import logging
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from shop.notifications import mail

from . import activation
from .models import Company, Member, MembershipApplication

logger = logging.getLogger(__name__)


def screen_for_invoice(company: Company) -> None:
    """P2: a new company is screened by the payment partner for its credit line, after approval commits.

    An unreachable partner leaves the company without a line; staff run the
    screening again from 「与信枠」 in the dashboard.
    """
    from shop.payments import invoice, screening

    try:
        screening.screen(company=company)
    except invoice.InvoicePartnerError:
        logger.warning("credit screening of company %s failed; run it again from the dashboard", company.pk)


class AlreadyDecided(Exception):
    pass


def new_login_id() -> str:
    """A fresh お客様ID: 'K' and 7 digits, unique."""
    User = get_user_model()
    while True:
        candidate = f"K{secrets.randbelow(10**7):07d}"
        if not User.objects.filter(username__iexact=candidate).exists():
            return candidate


def _split_name(name: str) -> tuple[str, str]:
    family, _, given = name.replace("\u3000", " ").partition(" ")
    return family.strip(), given.strip()


def _create_member(*, company, name, email, department, phone, role, authority, job_title="") -> Member:
    User = get_user_model()
    family, given = _split_name(name)
    user = User(username=new_login_id(), email=email, last_name=family, first_name=given)
    user.set_unusable_password()
    user.save()
    return Member.objects.create(
        user=user,
        company=company,
        role=role,
        has_ordering_authority=authority,
        department=department,
        job_title=job_title,
        phone=phone,
        password_deadline=activation.new_deadline(),
    )


def _locked_pending(application_id: int) -> MembershipApplication:
    application = MembershipApplication.objects.select_for_update().get(pk=application_id)
    if application.status != MembershipApplication.Status.PENDING:
        raise AlreadyDecided(application.get_status_display())
    return application


@transaction.atomic
def approve(*, application: MembershipApplication, by) -> Company:
    application = _locked_pending(application.pk)
    company = Company.objects.create(
        name=application.company_name,
        postcode=application.company_postcode,
        address=application.company_address,
        representative_name=application.representative_name,
    )
    members = [
        _create_member(
            company=company,
            name=application.authority_name,
            email=application.authority_email,
            department=application.authority_department,
            job_title=application.authority_title,
            phone=application.authority_phone,
            role=Member.Role.ADMIN,
            authority=True,
        )
    ]
    if application.applicant_email.lower() != application.authority_email.lower():
        members.append(
            _create_member(
                company=company,
                name=application.applicant_name,
                email=application.applicant_email,
                department=application.applicant_department,
                phone=application.applicant_phone,
                role=Member.Role.MEMBER,
                authority=False,
            )
        )
    application.status = MembershipApplication.Status.APPROVED
    application.company = company
    application.decided_at = timezone.now()
    application.decided_by = by
    application.save(update_fields=["status", "company", "decided_at", "decided_by"])
    for member in members:
        send_first_password_email(member=member)
    transaction.on_commit(lambda: screen_for_invoice(company))
    return company


def send_first_password_email(*, member: Member, template: str = "membership_approved") -> None:
    mail.queue(
        template=template,
        to=member.user.email,
        context={
            "member": member,
            "user": member.user,
            "company": member.company,
            "link": activation.link_for(member.user),
            "deadline": member.password_deadline,
        },
    )


@transaction.atomic
def reissue_first_password(*, member: Member) -> None:
    """Staff reissue: a new 72-hour deadline and link; older links stop working."""
    member = Member.objects.select_for_update().select_related("user", "company").get(pk=member.pk)
    member.password_deadline = activation.new_deadline()
    member.save(update_fields=["password_deadline"])
    send_first_password_email(member=member)


@transaction.atomic
def reject(*, application: MembershipApplication, by, reason: str) -> None:
    application = _locked_pending(application.pk)
    application.status = MembershipApplication.Status.REJECTED
    application.rejection_reason = reason.strip()
    application.decided_at = timezone.now()
    application.decided_by = by
    application.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
    mail.queue(template="membership_rejected", to=application.applicant_email, context={"application": application})
