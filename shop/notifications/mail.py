"""The one sending path for every email (E1).

`queue(...)` renders one of our Japanese templates and sends it with Django's
email API. `EMAIL_BACKEND` is the outbox (`backends.OutboxBackend`), so that
message, and every email Oscar or Django sends (e.g. the password reset),
becomes an outbox row inside the caller's transaction and is delivered after
commit: a rolled-back action sends nothing and the row survives a failed
send. Delivery goes through `KOBAI_EMAIL_DELIVERY_BACKEND` (django-anymail in
production); `manage.py send_outbox` retries what failed.

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
from email.message import Message
from email.mime.base import MIMEBase
from email.parser import BytesParser

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from .models import OutboundEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
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
    """Keep a message in the outbox and deliver it once the transaction commits.

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
    transaction.on_commit(lambda: deliver(email.pk))
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


def deliver(pk: int) -> bool:
    """Send one pending email; a failure is recorded and retried later."""
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=pk, status=OutboundEmail.Status.PENDING).first()
        if email is None:
            return False
        email.attempts += 1
        try:
            as_message(email, connection=get_connection(settings.KOBAI_EMAIL_DELIVERY_BACKEND)).send()
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
