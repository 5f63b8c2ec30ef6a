"""Staff alerts (issue 10): a problem the shop cannot fix by itself, kept until a staff member has dealt with it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StaffAlert(models.Model):
    kind = models.CharField(
        pgettext_lazy("staff alert", "kind"), max_length=50
    )  # e.g. "email_dead": what raised it, for filters and logs
    title = models.CharField(pgettext_lazy("staff alert", "title"), max_length=255)
    body = models.TextField(pgettext_lazy("staff alert", "details"), blank=True)
    link = models.CharField(
        pgettext_lazy("staff alert", "link"), max_length=500, blank=True
    )  # where to act: a path of ours or a URL
    # the same problem raised again while its alert is open gives that alert back, not a second one
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, blank=True)
    created_at = models.DateTimeField(pgettext_lazy("staff alert", "raised"), auto_now_add=True)
    resolved_at = models.DateTimeField(pgettext_lazy("staff alert", "resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=pgettext_lazy("staff alert", "resolved by"),
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("staff alert")
        verbose_name_plural = _("staff alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(resolved_at__isnull=True) & ~Q(dedupe_key=""),
                name="alerts_one_open_alert_per_key",
            )
        ]
        indexes = [models.Index(fields=["resolved_at", "created_at"], name="alerts_open_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def safe_link(self) -> str:
        """The link, if it is one of our paths or a web URL (never `javascript:` and the like)."""
        link = self.link.strip()
        if (link.startswith("/") and not link.startswith("//")) or link.startswith(("https://", "http://")):
            return link
        return ""
