"""The email outbox (E1): every message the shop sends is a row here first."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

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
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
