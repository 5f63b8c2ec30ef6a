"""The outbox as Django's email backend: every email, ours or Oscar's, takes one path (E1).

`EMAIL_BACKEND` points here. Sending stores the message in the outbox inside
the caller's transaction and delivers it after commit through the real
backend, `KOBAI_EMAIL_DELIVERY_BACKEND` (console in development, an anymail
backend in production). A rolled-back transaction sends nothing; a failed
delivery stays in the outbox and `manage.py send_outbox` retries it.
"""

from django.core.mail.backends.base import BaseEmailBackend

from . import mail


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        count = 0
        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []) or []:
                if mimetype == "text/html":
                    html = content
            mail.store(
                template=message.extra_headers.get("X-Kobai-Template", "django"),
                to=list(message.to) + list(message.cc) + list(message.bcc),
                subject=message.subject,
                body=message.body,
                html=html,
                from_email=message.from_email,
            )
            count += 1
        return count
