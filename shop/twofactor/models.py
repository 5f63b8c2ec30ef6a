"""Backup codes and the two-factor audit trail (M11).

Backup codes let staff (and buyers) who lost their phone still pass the second
factor, so nobody is locked out: each code works once, is shown once when it
is made, and only a keyed hash is stored. The device is a django-otp device,
so django-otp's throttling applies to it like to the TOTP device.

Every enrolment, removal, code generation and refused verification is kept
as a `TwoFactorEvent` (and logged), so staff can see who changed what.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin


class BackupCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A set of single-use backup codes; verify_token checks a code against the stored hashes."""

    class Meta:
        verbose_name = _("backup codes")
        verbose_name_plural = _("backup codes")

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        from .backup_codes import digest

        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        code = self.codes.filter(digest=digest(str(token)), used_at__isnull=True).first()
        if code is None:
            self.throttle_increment()
            return False
        code.used_at = timezone.now()
        code.save(update_fields=["used_at"])
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True

    @property
    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, related_name="codes", on_delete=models.CASCADE)
    digest = models.CharField(max_length=64, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("backup code")
        verbose_name_plural = _("backup codes")

    def __str__(self) -> str:
        return f"backup code {self.pk} ({'used' if self.used_at else 'unused'})"


class TwoFactorEvent(models.Model):
    class Kind(models.TextChoices):
        ENROL_LINK_SENT = "enrol-link-sent", _("Set-up link sent")
        ENROLLED = "enrolled", _("Authenticator app added")
        REMOVED = "removed", _("Authenticator app removed")
        BACKUP_CODES_ISSUED = "backup-codes-issued", _("Backup codes issued")
        BACKUP_CODE_USED = "backup-code-used", _("Backup code used")
        VERIFY_FAILED = "verify-failed", _("Wrong code entered")
        THROTTLED = "throttled", _("Too many attempts")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="two_factor_events", on_delete=models.CASCADE)
    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    device_name = models.CharField(_("device"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("two-factor event")
        verbose_name_plural = _("two-factor events")

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"
