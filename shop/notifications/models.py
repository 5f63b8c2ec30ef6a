"""The email outbox (E1): every message the shop sends is a row here first.

A row is PENDING until the delivery backend accepts it (SENT). A failed attempt
keeps it PENDING with a later `next_attempt_at` (backing off, see `mail.RETRY_DELAYS`);
after the last attempt it becomes DEAD: a dead letter, kept and shown to staff,
who may resend it. Nothing is ever dropped.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OutboundEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("outbox", "Pending")
        SENT = "sent", pgettext_lazy("outbox", "Sent")
        DEAD = "dead", pgettext_lazy("outbox", "Dead letter")

    template = models.CharField(_("template"), max_length=100)
    to = models.JSONField(_("recipients"))
    cc = models.JSONField(_("Cc"), default=list, blank=True)
    # Bcc recipients get the message but are never written into its headers
    bcc = models.JSONField(_("Bcc"), default=list, blank=True)
    reply_to = models.JSONField(_("Reply-To"), default=list, blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    html_body = models.TextField(_("HTML body"), blank=True)
    content_subtype = models.CharField(_("body type"), max_length=20, default="plain")
    # other alternative bodies: [{"content": str, "mimetype": str}]
    alternatives = models.JSONField(_("alternative bodies"), default=list, blank=True)
    # [{"filename", "mimetype", "content" (base64)}] or [{"mime": base64 of a whole MIME part}]
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    from_email = models.CharField(_("sender"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # a PENDING row is sent by the worker once this time has come (timezone.now(): time-machine friendly)
    next_attempt_at = models.DateTimeField(pgettext_lazy("outbox", "next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["status", "next_attempt_at"], name="notif_outbox_due_idx"),
        ]
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        # 受注管理 (shop/accounts/roles.py): the outbox screen, resending dead letters
        permissions = [("resend_email", "Can see the outbox and resend emails")]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"


class EmailResend(models.Model):
    """Audit: who put a message back into the queue, and what state it was in before."""

    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="resends")
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("resent by")
    )
    resent_at = models.DateTimeField(pgettext_lazy("outbox", "resent"), default=timezone.now)
    previous_status = models.CharField(_("previous status"), max_length=16)
    previous_attempts = models.PositiveSmallIntegerField(_("previous attempts"))
    previous_error = models.TextField(_("previous error"), blank=True)

    class Meta:
        ordering = ["-resent_at", "-pk"]
        verbose_name = _("email resend")
        verbose_name_plural = _("email resends")

    def __str__(self) -> str:
        return f"{self.email_id} @ {self.resent_at:%Y-%m-%d %H:%M}"
