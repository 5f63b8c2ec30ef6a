"""First passwords (M3, M5): a single-use link, valid 72 hours.

Approval (and a member invitation) gives each new account an unusable
password and a deadline. The emailed link carries a token that is bound to
the account's password and deadline, so it stops working once the password
is set (single use) or once staff reissue it (new deadline), and it is
refused after the deadline with a message to contact the shop.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from shop.notifications import mail

FIRST_PASSWORD_HOURS = 72


class FirstPasswordTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "kobai.companies.first-password"

    def _make_hash_value(self, user, timestamp):
        member = getattr(user, "member", None)
        deadline = member.password_deadline.isoformat() if member and member.password_deadline else ""
        return f"{user.pk}{user.password}{deadline}{timestamp}{user.is_active}"


first_password_tokens = FirstPasswordTokenGenerator()


def _now():
    return timezone.now()


def new_deadline():
    return _now() + timedelta(hours=FIRST_PASSWORD_HOURS)


def link_for(user) -> str:
    path = reverse(
        "membership:first-password",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": first_password_tokens.make_token(user)},
    )
    return mail.site_url(path)


def is_expired(member) -> bool:
    return member.password_deadline is not None and _now() > member.password_deadline
