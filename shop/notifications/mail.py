"""The one sending path for every email (E1).

`queue(...)` renders one of our Japanese templates and sends it with Django's
email API. `EMAIL_BACKEND` is the outbox (`backends.OutboxBackend`), so that
message, and every email Oscar or Django sends (e.g. the password reset),
becomes an outbox row inside the caller's transaction: a rolled-back action
sends nothing and the row survives a failed send. The worker
(`manage.py run_worker`, which `make run` starts) delivers it through
`KOBAI_EMAIL_DELIVERY_BACKEND` (django-anymail in production), never the
request; only with `KOBAI_EMAIL_DELIVER_ON_COMMIT` (the test suite) is it sent
right after commit.

Never dropped (issue 10): a failed attempt is retried later and later
(`RETRY_DELAYS`, about a day in all, so a provider outage of hours loses
nothing); after the last attempt the message becomes a dead letter (DEAD),
an ERROR is logged, `signals.email_dead` tells whoever raises staff alerts,
and staff resend it from the outbox screen (`resend`).

Templates live in `notifications/email/<name>.txt`: the first line is the
subject (rendered on its own, without HTML escaping), the rest the body.

`store` is the one place every message passes (issue 9): To, Cc, Bcc and
Reply-To are kept apart (Bcc addresses never reach a header), with the extra
headers and the attachments; the subject and every address become one header
line (control characters such as a CR/LF typed into a name become a space,
display names are quoted) and the subject is cut to fit its column.
"""

from __future__ import annotations

import base64
import logging
import re
import unicodedata
from datetime import timedelta
from email.message import Message
from email.mime.base import MIMEBase
from email.parser import BytesParser

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from . import signals
from .models import EmailResend, OutboundEmail

logger = logging.getLogger(__name__)

RESEND_EMAIL = "notifications.resend_email"  # the outbox screen and resending (受注管理)
# How long to wait after the n-th failed attempt: a first retry at the worker's next tick (a blip when the
# request committed), then doubling up to four hours. 15 attempts over 24 hours: an outage of several hours
# is ridden out; only a message that failed for a whole day becomes a dead letter.
RETRY_DELAYS: tuple[timedelta, ...] = tuple(
    timedelta(minutes=minutes) for minutes in (0, 1, 2, 4, 8, 15, 30, 60, 120, 240, 240, 240, 240, 240)
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
SUBJECT_MAX = OutboundEmail._meta.get_field("subject").max_length
ELLIPSIS = "…"
INTERNAL_HEADERS = {"x-kobai-template"}  # ours, kept in the row's own column, never sent

# C0 and C1 control characters (CR, LF, tab, NUL…) and the Unicode line and paragraph separators:
# none belongs in a header, and CR/LF would end it and start another (header injection)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_HEADER_NAME = re.compile(r"^[!-9;-~]+$")  # RFC 5322 field name: printable ASCII except ":"
_LOAD_ONLY = re.compile(r"^(\s*\{%\s*load\s[^%]*%\})+\s*$")
_NAMED_ADDRESS = re.compile(r"^(?P<name>.*)<(?P<address>[^<>]*)>$")
_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')


def site_url(path: str) -> str:
    """An absolute link to one of our pages, for emails."""
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


def header_text(value) -> str:
    """`value` as one header line: each run of control characters (CR, LF, tab…) becomes one space."""
    return _CONTROL.sub(" ", str(value or "")).strip()


def fit_subject(subject) -> str:
    """A one-line subject that fits the outbox column, cut on a character boundary with an ellipsis."""
    subject = header_text(subject)
    if len(subject) <= SUBJECT_MAX:
        return subject
    cut = SUBJECT_MAX - len(ELLIPSIS)
    # never part a character from its combining marks or variation selector, nor end on a zero-width joiner
    while cut > 0 and (unicodedata.category(subject[cut]) in ("Mn", "Mc", "Me") or subject[cut - 1] == "\u200d"):
        cut -= 1
    return subject[:cut].rstrip() + ELLIPSIS


def render(template: str, context: dict) -> tuple[str, str]:
    """Subject (the template's first line) and body of one of our emails.

    The subject line is rendered on its own, unescaped, so a name in it can
    neither spill into the body nor bring a line break into the header.
    """
    context = {"shop_name": settings.SHOP_NAME, "contact_email": settings.SHOP_CONTACT_EMAIL, **context}
    with translation.override(settings.LANGUAGE_CODE):
        compiled = get_template(f"notifications/email/{template}.txt").template
        lines = compiled.source.lstrip().split("\n")
        loads = ""
        while len(lines) > 1 and _LOAD_ONLY.match(lines[0]):  # a `{% load %}` line before the subject
            loads += lines.pop(0).strip()
        engine = compiled.engine
        subject = engine.from_string(f"{loads}{{% autoescape off %}}{lines[0]}{{% endautoescape %}}").render(
            Context(context)
        )
        body = engine.from_string(loads + "\n".join(lines[1:])).render(Context(context, autoescape=engine.autoescape))
    prefix = getattr(settings, "KOBAI_EMAIL_SUBJECT_PREFIX", "")
    return header_text(f"{prefix}{subject}"), body.strip() + "\n"


def queue(*, template: str, to: list[str] | str, context: dict) -> None:
    recipients = [to] if isinstance(to, str) else list(to)
    subject, body = render(template, context)
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, headers={"X-Kobai-Template": template}).send()


# --- attachments, kept in the outbox row as JSON (works the same on SQLite and PostgreSQL) ---


class _StoredPart(MIMEBase):
    """A MIME part parsed back from the outbox exactly as it was given (e.g. an inline image with its Content-ID)."""

    def __init__(self):
        Message.__init__(self)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _clean_filename(filename):
    if isinstance(filename, list | tuple):  # RFC 2231: (charset, language, name)
        return [filename[0], filename[1], header_text(filename[2])]
    return header_text(filename) if filename is not None else None


def pack_attachment(attachment) -> dict:
    if isinstance(attachment, MIMEBase):
        return {"mime": _b64(attachment.as_bytes())}
    filename, content, mimetype = attachment
    if isinstance(content, str):
        content = content.encode("utf-8")
    return {"filename": _clean_filename(filename), "mimetype": mimetype, "content": _b64(content)}


def _attach(message: EmailMessage, stored: dict) -> None:
    if "mime" in stored:
        part = BytesParser(_class=_StoredPart).parsebytes(base64.b64decode(stored["mime"]))
        message.attach(part)
        return
    filename = stored["filename"]
    # Django decodes text/* content back to str itself
    message.attach(
        tuple(filename) if isinstance(filename, list) else filename,
        base64.b64decode(stored["content"]),
        stored["mimetype"],
    )


def address(value) -> str:
    """One address as a single header line; a display name is quoted so that its `:` `,` `<` stay part of the name.

    Without the quoting, a name such as `営業部 Bcc: x@example.com` would read
    as an address group and add x@example.com to the header.
    """
    if isinstance(value, list | tuple):  # Django also takes (name, address) pairs
        name, addr = (header_text(part) for part in value)
    else:
        text = header_text(value)
        match = _NAMED_ADDRESS.match(text)
        if match is None:
            return text
        name, addr = match["name"].strip(), match["address"].strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = re.sub(r"\\(.)", r"\1", name[1:-1]).strip()
    if not name:
        return addr
    if _SPECIALS.search(name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{addr}>"


def _addresses(values) -> list[str]:
    return [address(value) for value in values or [] if header_text(value)]


def _headers(headers: dict | None) -> dict[str, str]:
    kept = {}
    for name, value in (headers or {}).items():
        name = str(name)
        if name.lower() in INTERNAL_HEADERS:
            continue
        if not _HEADER_NAME.match(name):
            logger.warning("dropping an email header with an invalid name: %r", name[:40])
            continue
        kept[name] = header_text(value)
    return kept


def store(
    *,
    template: str,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    from_email: str = "",
    cc: list[str] = (),
    bcc: list[str] = (),
    reply_to: list[str] = (),
    headers: dict | None = None,
    attachments: list = (),
    alternatives: list[tuple[str, str]] = (),
    content_subtype: str = "plain",
) -> OutboundEmail:
    """Keep a message in the outbox; the worker delivers it (or, with KOBAI_EMAIL_DELIVER_ON_COMMIT, the commit).

    The one place every message passes: subject and addresses become single
    header lines (control characters become spaces), the subject is cut to
    fit, To, Cc, Bcc and Reply-To stay apart, attachments are kept.
    """
    email = OutboundEmail.objects.create(
        template=template[:100],
        to=_addresses(to),
        cc=_addresses(cc),
        bcc=_addresses(bcc),
        reply_to=_addresses(reply_to),
        headers=_headers(headers),
        subject=fit_subject(subject),
        body=body,
        html_body=html,
        content_subtype=content_subtype or "plain",
        alternatives=[{"content": str(content), "mimetype": mimetype} for content, mimetype in alternatives],
        attachments=[pack_attachment(attachment) for attachment in attachments],
        from_email=address(from_email) if from_email else "",
    )
    if getattr(settings, "KOBAI_EMAIL_DELIVER_ON_COMMIT", False):
        transaction.on_commit(lambda: deliver(email.pk, only_if_due=False))
    return email


def as_message(email: OutboundEmail, *, connection=None) -> EmailMultiAlternatives:
    """The outbox row as the message it was: the same envelope, headers, bodies and attachments."""
    message = EmailMultiAlternatives(
        email.subject,
        email.body,
        email.from_email or settings.DEFAULT_FROM_EMAIL,
        email.to,
        bcc=email.bcc,
        cc=email.cc,
        reply_to=email.reply_to,
        headers=email.headers,
        connection=connection,
    )
    message.content_subtype = email.content_subtype or "plain"
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    for alternative in email.alternatives:
        message.attach_alternative(alternative["content"], alternative["mimetype"])
    for attachment in email.attachments:
        _attach(message, attachment)
    return message


def deliver(pk: int, *, only_if_due: bool = True) -> bool:
    """Send one pending email whose time has come; a failure is recorded and retried later, or dead-lettered.

    The row is locked while it is sent (another worker skips it), so a message goes out once per attempt.
    `only_if_due=False` (the first attempt right after commit) does not wait for `next_attempt_at`.
    """
    dead = None
    with transaction.atomic():
        pending = OutboundEmail.objects.select_for_update(skip_locked=True).filter(
            pk=pk, status=OutboundEmail.Status.PENDING
        )
        if only_if_due:
            pending = pending.filter(next_attempt_at__lte=timezone.now())
        email = pending.first()
        if email is None:
            return False
        email.attempts += 1
        try:
            as_message(email, connection=get_connection(settings.KOBAI_EMAIL_DELIVERY_BACKEND)).send()
        except Exception as exc:  # any provider error: keep the row, retry later
            email.last_error = str(exc)[:2000]
            if email.attempts >= MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.DEAD
                dead = email
                logger.error(
                    "email %s (%s) is a dead letter after %d attempts, last error: %s; resend it from the outbox screen",
                    email.pk,
                    email.template,
                    email.attempts,
                    exc,
                )
            else:
                email.next_attempt_at = timezone.now() + RETRY_DELAYS[email.attempts - 1]
                logger.warning(
                    "sending email %s failed (attempt %d of %d, next %s): %s",
                    email.pk,
                    email.attempts,
                    MAX_ATTEMPTS,
                    email.next_attempt_at.isoformat(),
                    exc,
                )
            email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            sent = False
        else:
            email.status = OutboundEmail.Status.SENT
            email.sent_at = timezone.now()
            email.save(update_fields=["attempts", "status", "sent_at"])
            sent = True
    if dead is not None:
        # after the row is saved and unlocked: a receiver that fails cannot undo the dead letter
        _tell(signals.email_dead, email=dead)
    return sent


def _tell(signal, *, email: OutboundEmail, **kwargs) -> None:
    """Send `signal`; a failing receiver is logged, never undoes what the outbox did."""
    for receiver, result in signal.send_robust(sender=OutboundEmail, email=email, **kwargs):
        if isinstance(result, Exception):
            logger.error("outbox signal receiver %r failed for email %s", receiver, email.pk, exc_info=result)


def deliver_pending(limit: int = 100) -> int:
    """One pass of the worker: send up to `limit` pending emails whose next attempt has come. Returns how many went."""
    ids = (
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(deliver(pk) for pk in list(ids))


def dead_count() -> int:
    """How many dead letters wait for staff (the outbox screen's badge): one COUNT."""
    return OutboundEmail.objects.filter(status=OutboundEmail.Status.DEAD).count()


RESENDABLE = (OutboundEmail.Status.DEAD, OutboundEmail.Status.PENDING)


def _requeue(email: OutboundEmail, *, by, now) -> None:
    EmailResend.objects.create(
        email=email,
        resent_by=by,
        resent_at=now,
        previous_status=email.status,
        previous_attempts=email.attempts,
        previous_error=email.last_error[:2000],
    )
    email.status = OutboundEmail.Status.PENDING
    email.attempts = 0
    email.next_attempt_at = now
    email.last_error = ""
    email.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])


def resend(*, email_id: int, by) -> OutboundEmail:
    """Put a dead (or still pending) message back in the queue for the worker's next tick, with a fresh
    set of attempts; who did it is recorded (EmailResend). A sent message is never sent twice: LookupError."""
    if not by.has_perm(RESEND_EMAIL):
        raise PermissionDenied
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id, status__in=RESENDABLE).first()
        if email is None:
            raise LookupError(f"email {email_id} is not waiting to be sent")
        _requeue(email, by=by, now=timezone.now())
    logger.info("email %s resent by %s", email.pk, by.pk)
    _tell(signals.email_resent, email=email, by=by)
    return email


def resend_all_dead(*, by) -> int:
    """`resend` for every dead letter; returns how many were put back."""
    if not by.has_perm(RESEND_EMAIL):
        raise PermissionDenied
    with transaction.atomic():
        now = timezone.now()
        emails = list(OutboundEmail.objects.select_for_update().filter(status=OutboundEmail.Status.DEAD).order_by("pk"))
        for email in emails:
            _requeue(email, by=by, now=now)
    if emails:
        logger.info("%d dead email(s) resent by %s", len(emails), by.pk)
    for email in emails:
        _tell(signals.email_resent, email=email, by=by)
    return len(emails)
