"""The one sending path for every email (E1).

`queue(...)` renders one of our Japanese templates and sends it with Django's
email API. `EMAIL_BACKEND` is the outbox (`backends.OutboxBackend`), so that
message, and every email Oscar or Django sends (e.g. the password reset),
becomes an outbox row inside the caller's transaction and is delivered after
commit: a rolled-back action sends nothing and the row survives a failed
send. Delivery goes through `KOBAI_EMAIL_DELIVERY_BACKEND` (django-anymail in
production); `manage.py send_outbox` retries what failed.

Templates live in `notifications/email/<name>.txt`: the first line is the
subject, the rest the body.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OutboundEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def site_url(path: str) -> str:
    """An absolute link to one of our pages, for emails."""
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


def render(template: str, context: dict) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(
            f"notifications/email/{template}.txt",
            {"shop_name": settings.SHOP_NAME, "contact_email": settings.SHOP_CONTACT_EMAIL, **context},
        )
    subject, _, body = text.lstrip().partition("\n")
    prefix = getattr(settings, "KOBAI_EMAIL_SUBJECT_PREFIX", "")
    return f"{prefix}{subject.strip()}", body.strip() + "\n"


def queue(*, template: str, to: list[str] | str, context: dict) -> None:
    recipients = [to] if isinstance(to, str) else list(to)
    subject, body = render(template, context)
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, headers={"X-Kobai-Template": template}).send()


def store(
    *, template: str, to: list[str], subject: str, body: str, html: str = "", from_email: str = ""
) -> OutboundEmail:
    """Keep a message in the outbox and deliver it once the transaction commits."""
    email = OutboundEmail.objects.create(
        template=template, to=to, subject=subject, body=body, html_body=html, from_email=from_email or ""
    )
    transaction.on_commit(lambda: deliver(email.pk))
    return email


def deliver(pk: int) -> bool:
    """Send one pending email; a failure is recorded and retried later."""
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=pk, status=OutboundEmail.Status.PENDING).first()
        if email is None:
            return False
        email.attempts += 1
        try:
            message = EmailMultiAlternatives(
                email.subject,
                email.body,
                email.from_email or settings.DEFAULT_FROM_EMAIL,
                email.to,
                connection=get_connection(settings.KOBAI_EMAIL_DELIVERY_BACKEND),
            )
            if email.html_body:
                message.attach_alternative(email.html_body, "text/html")
            message.send()
        except Exception as exc:  # any provider error: keep the row, retry later
            logger.warning("sending email %s failed: %s", email.pk, exc)
            email.last_error = str(exc)[:2000]
            if email.attempts >= MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
            email.save(update_fields=["attempts", "last_error", "status"])
            return False
        email.status = OutboundEmail.Status.SENT
        email.sent_at = timezone.now()
        email.save(update_fields=["attempts", "status", "sent_at"])
        return True


def deliver_pending(limit: int = 100) -> int:
    ids = (
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(deliver(pk) for pk in list(ids))
