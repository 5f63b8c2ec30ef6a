"""Companies, their members and membership applications (M1–M3, M5, M7 settings).

Buyers are companies: a company applies (MembershipApplication), staff screen
it, and approval creates the Company with its members.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Company(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    name = models.CharField(_("company name"), max_length=200)
    postcode = models.CharField(_("postal code"), max_length=8)
    address = models.CharField(_("address"), max_length=255)
    representative_name = models.CharField(_("representative"), max_length=100)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    require_two_factor = models.BooleanField(_("require two-factor sign-in for all members"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    # P2: the payment partner screens the company and grants a credit line (与信枠) for deferred invoices
    credit_limit = models.DecimalField(_("credit line"), max_digits=14, decimal_places=0, default=0)
    invoice_buyer_id = models.CharField(_("payment partner buyer id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """A user's place in their company: role, authority, approval route."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    class Route(models.TextChoices):
        NONE = "none", _("No approval needed")
        ONE = "one", _("First approval")
        TWO = "two", _("First and second approval")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="members")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    has_ordering_authority = models.BooleanField(_("ordering authority"), default=False)
    department = models.CharField(_("department"), max_length=100, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    approval_route = models.CharField(_("approval route"), max_length=8, choices=Route.choices, default=Route.NONE)
    first_approver = models.ForeignKey(
        "self", verbose_name=_("first approver"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    second_approver = models.ForeignKey(
        "self", verbose_name=_("second approver"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    password_deadline = models.DateTimeField(
        _("first password must be set by"), null=True, blank=True, help_text=_("Empty once the password is set.")
    )

    class Meta:
        verbose_name = _("company member")
        verbose_name_plural = _("company members")

    def __str__(self) -> str:
        return f"{self.company} / {self.user}"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class MembershipApplication(models.Model):
    """A company's application (M1), screened by staff (M2)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    # the company
    company_name = models.CharField(_("company name"), max_length=200)
    company_postcode = models.CharField(_("postal code"), max_length=8)
    company_address = models.CharField(_("address"), max_length=255)
    representative_name = models.CharField(_("representative"), max_length=100)
    # the applicant
    applicant_name = models.CharField(_("name"), max_length=100)
    applicant_department = models.CharField(_("department"), max_length=100)
    applicant_email = models.EmailField(_("email address"))
    applicant_phone = models.CharField(_("phone number"), max_length=20)
    # the person with ordering authority (発注権限者)
    authority_name = models.CharField(_("name"), max_length=100)
    authority_department = models.CharField(_("department"), max_length=100)
    authority_title = models.CharField(_("job title"), max_length=100)
    authority_email = models.EmailField(_("email address"))
    authority_phone = models.CharField(_("phone number"), max_length=20)

    submission_key = models.UUIDField(_("submission key"), unique=True, null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    company = models.OneToOneField(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="application"
    )

    class Meta:
        ordering = ["submitted_at"]
        indexes = [models.Index(fields=["status", "submitted_at"])]
        verbose_name = _("membership application")
        verbose_name_plural = _("membership applications")
        # 会員審査 (shop/accounts/roles.py)
        permissions = [("screen_application", "Can screen membership applications and look after members")]

    def __str__(self) -> str:
        return f"{self.company_name}（{self.applicant_name}）"


class CreditReservation(models.Model):
    """The part of a company's credit line (与信枠, P2) one deferred-invoice order holds until it is released."""

    class Status(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        RELEASED = "released", _("Released")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="credit_reservations")
    order = models.OneToOneField("order.Order", on_delete=models.PROTECT, related_name="credit_reservation")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RESERVED)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    release_reason = models.CharField(_("released because"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("credit reservation")
        verbose_name_plural = _("credit reservations")

    def __str__(self) -> str:
        return f"{self.company_id}: {self.amount}"


class CreditLimitChange(models.Model):
    """Who changed a company's credit line (与信枠, P2), from what to what, and why: the audit trail (issue 10)."""

    class Source(models.TextChoices):
        STAFF = "staff", _("Set by staff")
        SCREENING = "screening", _("Partner screening")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="credit_limit_changes")
    previous = models.DecimalField(_("previous line"), max_digits=14, decimal_places=0)
    limit = models.DecimalField(_("new line"), max_digits=14, decimal_places=0)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    reason = models.CharField(_("reason"), max_length=255)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("credit line change")
        verbose_name_plural = _("credit line changes")

    def __str__(self) -> str:
        return f"{self.company_id}: {self.previous} → {self.limit}"
