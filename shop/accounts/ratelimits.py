"""Rate limits on the public forms that send email: the visitor inquiry (I1), the membership application (M1)
and the password reset (M4).

Each accepted-looking submission (the form was valid) counts once against the client's address
(`KOBAI_RATELIMIT_PER_ADDRESS`, default 5 per 10 minutes) and once against every email address it
would write to (`KOBAI_RATELIMIT_PER_EMAIL`, default 3 per hour). Over either limit the view answers
429 with the form and a message, and creates and sends nothing. django-ratelimit keeps the counters in
`CACHES[RATELIMIT_USE_CACHE]`, which must be shared by every process that serves the site (Redis in
production); `RATELIMIT_ENABLE = False` switches the limits off.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

from .client_ip import client_ip

INQUIRY = "public:visitor-inquiry"
MEMBERSHIP = "public:membership-application"
PASSWORD_RESET = "public:password-reset"
FIRST_PASSWORD_NOTICE = "login:first-password-notice"  # M3's notice tells that an ID exists: per address only

LIMITED_MESSAGE = _(
    "Too many submissions were sent from your connection or to this email address. "
    "Please wait a while and try again, or contact us by email."
)


def _address_key(group, request) -> str:
    """The client's address; an IPv6 client counts by its /64 network (one subscriber's usual share)."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def normalise_email(email: str) -> str:
    """One mailbox, one counter: case and a +tag do not make a new address."""
    local, _at, domain = (email or "").strip().lower().rpartition("@")
    return f"{local.partition('+')[0]}@{domain}" if local else domain


def over_limit(request, *, group: str, emails=()) -> bool:
    """Count this submission against its address and each email address; True when any is over its limit."""
    limited = is_ratelimited(
        request,
        group=f"{group}:address",
        key=_address_key,
        rate=settings.KOBAI_RATELIMIT_PER_ADDRESS,
        method="POST",
        increment=True,
    )
    for email in sorted({normalise_email(e) for e in emails if e}):
        limited |= is_ratelimited(
            request,
            group=f"{group}:email",
            key=lambda _group, _request, value=email: value,
            rate=settings.KOBAI_RATELIMIT_PER_EMAIL,
            method="POST",
            increment=True,
        )
    return limited
