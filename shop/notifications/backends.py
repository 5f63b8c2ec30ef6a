"""The outbox as Django's email backend: every email, ours or Oscar's, takes one path (E1).

`EMAIL_BACKEND` points here. Sending stores the message in the outbox inside
the caller's transaction and delivers it after commit through the real
backend, `KOBAI_EMAIL_DELIVERY_BACKEND` (console in development, an anymail
backend in production). A rolled-back transaction sends nothing; a failed
delivery stays in the outbox and `manage.py send_outbox` retries it.
To, Cc, Bcc, Reply-To, extra headers and attachments are kept apart in the
row and sent as they were given: Bcc addresses are envelope recipients only.
"""

from django.core.mail.backends.base import BaseEmailBackend

from . import mail


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        count = 0
        for message in email_messages:
            html, alternatives = "", []
            for content, mimetype in getattr(message, "alternatives", []) or []:
                if mimetype == "text/html" and not html:
                    html = content
                else:
                    alternatives.append((content, mimetype))
            mail.store(
                template=message.extra_headers.get("X-Kobai-Template", "django"),
                to=list(message.to),
                cc=list(message.cc),
                bcc=list(message.bcc),  # envelope only: never a header
                reply_to=list(message.reply_to),
                headers=dict(message.extra_headers),
                subject=message.subject,
                body=str(message.body or ""),
                html=html,
                alternatives=alternatives,
                content_subtype=message.content_subtype,
                attachments=list(message.attachments),
                from_email=message.from_email,
            )
            count += 1
        return count
