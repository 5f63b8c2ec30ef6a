"""Alerts raised for what the outbox reports (shop.notifications.signals): a dead letter, and its resend."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from shop.notifications.mail import RESEND_EMAIL

from . import services

EMAIL_DEAD = "email_dead"


def dead_email_key(email_id: int) -> str:
    return f"{EMAIL_DEAD}:{email_id}"


def alert_on_dead_email(sender, email, **kwargs) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext("Email could not be delivered: %(subject)s") % {"subject": email.subject}
        body = gettext(
            "Email %(id)s (template %(template)s) to %(to)s failed %(attempts)s times and will not be retried "
            "on its own.\nLast error: %(error)s\nResend it from the outbox screen once the cause is fixed."
        ) % {
            "id": email.pk,
            "template": email.template,
            "to": ", ".join(email.to),
            "attempts": email.attempts,
            "error": email.last_error,
        }
    services.raise_alert(
        kind=EMAIL_DEAD,
        title=title,
        body=body,
        link=f"{reverse('outbox-dashboard:email-list')}#email-{email.pk}",
        dedupe_key=dead_email_key(email.pk),
        permission=RESEND_EMAIL,
    )


def resolve_on_resend(sender, email, by, **kwargs) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        note = gettext("Resent from the outbox screen.")
    services.resolve_open(dedupe_key=dead_email_key(email.pk), by=by, note=note)
