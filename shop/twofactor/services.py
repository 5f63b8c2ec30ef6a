"""The second factor's rules (M11), in one place for staff, CMS editors and buyers.

- **First device.** With only a password nobody may set up a second factor:
  the set-up page needs a link mailed to the account's address (valid
  30 minutes, bound to the signed-in user). So a stolen password alone
  never reaches a staff area, whether the account has a device or not.
- **More devices.** A user who already has a confirmed device adds or
  removes one only from a session verified with a code.
- **Verifying.** Each device keeps django-otp's throttling (1, 2, 4, 8 …
  seconds after successive failures); a throttled device is not even
  tried, and the page says until when.
- **Audit.** Every change and every refused code is a `TwoFactorEvent`
  and a log line on `kobai.security`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from shop.accounts.client_ip import client_ip
from shop.notifications import mail

from . import backup_codes
from .models import BackupCodeDevice, TwoFactorEvent

logger = logging.getLogger("kobai.security")

ENROL_LINK_SALT = "kobai.twofactor.enrol-link"
ENROL_LINK_MAX_AGE = 30 * 60
ENROL_GRANT_SESSION_KEY = "twofactor_enrol_grant"


def record(request, *, user, kind: str, device_name: str = "") -> None:
    ip = (client_ip(request) or None) if request is not None else None
    TwoFactorEvent.objects.create(user=user, kind=kind, device_name=device_name[:64], ip_address=ip)
    logger.info("two-factor %s user=%s device=%s ip=%s", kind, user.pk, device_name, ip)


def has_confirmed_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def is_verified(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_verified())


# --- first enrolment: a link to the account's own mailbox ---


def send_enrol_link(request, *, next_url: str) -> None:
    user = request.user
    token = signing.dumps({"u": user.pk, "n": next_url}, salt=ENROL_LINK_SALT)
    link = mail.site_url(f"{reverse('twofactor:enrol-link', kwargs={'token': token})}")
    mail.queue(template="twofactor_enrol_link", to=user.email, context={"user": user, "link": link})
    record(request, user=user, kind=TwoFactorEvent.Kind.ENROL_LINK_SENT)


def accept_enrol_link(request, token: str) -> str | None:
    """Open the set-up page for this session if the link is the signed-in user's and fresh; returns `next`."""
    try:
        data = signing.loads(token, salt=ENROL_LINK_SALT, max_age=ENROL_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("u") != request.user.pk:
        return None
    request.session[ENROL_GRANT_SESSION_KEY] = request.user.pk
    return data.get("n") or "/"


def may_enrol(request) -> bool:
    """May this session see a new secret and confirm a new device?"""
    if has_confirmed_device(request.user):
        return is_verified(request)
    return request.session.get(ENROL_GRANT_SESSION_KEY) == request.user.pk


def pending_device(user) -> TOTPDevice:
    """The one unconfirmed TOTP device being set up (made on first use)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def confirm(request, *, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the pending device with its first code; returns new backup codes if the user had none."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=request.user, confirmed=False)
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device.name = f"authenticator-{TOTPDevice.objects.filter(user=request.user, confirmed=True).count() + 1}"
    device.save(update_fields=["confirmed", "name"])
    request.session.pop(ENROL_GRANT_SESSION_KEY, None)
    record(request, user=request.user, kind=TwoFactorEvent.Kind.ENROLLED, device_name=device.name)
    codes = None
    if not BackupCodeDevice.objects.filter(user=request.user).exists():
        codes = issue_backup_codes(request)
    return codes


def issue_backup_codes(request) -> list[str]:
    codes = backup_codes.issue(user=request.user)
    record(request, user=request.user, kind=TwoFactorEvent.Kind.BACKUP_CODES_ISSUED, device_name="backup-codes")
    return codes


@transaction.atomic
def remove(request, *, device_id: int) -> TOTPDevice | None:
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=request.user).first()
    if device is None:
        return None
    name = device.name
    device.delete()
    record(request, user=request.user, kind=TwoFactorEvent.Kind.REMOVED, device_name=name)
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        # no app left: backup codes alone are not a second factor to keep
        BackupCodeDevice.objects.filter(user=request.user).delete()
    return device


# --- verifying a session ---


@dataclass
class Verification:
    device: object | None = None
    locked_until: datetime | None = None


def verify(request, *, code: str) -> Verification:
    """Try the code on the user's devices of the matching kind; every refusal is throttled and recorded."""
    user = request.user
    use_backup = backup_codes.looks_like_backup_code(code)
    with transaction.atomic():
        devices = [
            device
            for device in devices_for_user(user, confirmed=True, for_verify=True)
            if isinstance(device, BackupCodeDevice) == use_backup
        ]
        allowed = []
        locked_until = None
        for device in devices:
            ok, info = device.verify_is_allowed()
            if ok:
                allowed.append(device)
            elif info and info.get("locked_until"):
                locked_until = max(filter(None, [locked_until, info["locked_until"]]))
        for device in allowed:
            if device.verify_token(code):
                if use_backup:
                    record(request, user=user, kind=TwoFactorEvent.Kind.BACKUP_CODE_USED, device_name=device.name)
                return Verification(device=device)
    if not allowed and locked_until is not None:
        record(request, user=user, kind=TwoFactorEvent.Kind.THROTTLED)
        return Verification(locked_until=locked_until)
    record(request, user=user, kind=TwoFactorEvent.Kind.VERIFY_FAILED)
    return Verification()
