"""Staff alerts (issue 10): when something needs a person, the shop says so where staff look, and by email.

Money and messages must stay right for a year without anybody watching logs:
a dead email, a payment that did not settle, ... are raised here. An alert is
a row (the dashboard lists the open ones, with a count in its menu entry), an
ERROR on the "kobai.alerts" logger (for whatever watches the logs) and an
email, through the ordinary outbox, to every active staff member who holds
`permission`. An alert about email itself (`email_dead`) sends no email: the
badge shows it. The same problem raised again while its alert is open
(`dedupe_key`) gives that alert back: no second row, no second email.
A staff member closes it with 「対応済みにする」 and an optional note.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from shop.accounts import roles
from shop.notifications import mail

from .models import StaffAlert

logger = logging.getLogger("kobai.alerts")

DASHBOARD_PERMISSION = roles.MANAGE_ORDERS  # who opens the alerts screen and resolves alerts
SILENT_KINDS = frozenset({"email_dead"})  # no email about email being down
EMAIL_TEMPLATE = "staff_alert"

_TITLE_MAX = StaffAlert._meta.get_field("title").max_length
_KEY_MAX = StaffAlert._meta.get_field("dedupe_key").max_length
_LINK_MAX = StaffAlert._meta.get_field("link").max_length


def raise_alert(
    *,
    kind: str,
    title: str,
    body: str,
    link: str = "",
    dedupe_key: str = "",
    permission: str = "order.manage_orders",
) -> StaffAlert:
    """Record a problem for staff (inside the caller's transaction), log it at ERROR, email who holds `permission`.

    With a `dedupe_key` that already has an open alert, that alert is returned unchanged.
    """
    dedupe_key = dedupe_key.strip()[:_KEY_MAX]
    if dedupe_key and (existing := _open_alert(dedupe_key)) is not None:
        logger.info("staff alert %s [%s] is still open: %s", existing.pk, existing.kind, dedupe_key)
        return existing
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin must not break the caller's transaction
            alert = StaffAlert.objects.create(
                kind=kind[:50],
                title=mail.header_text(title)[:_TITLE_MAX],
                body=body,
                link=link[:_LINK_MAX],
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        existing = _open_alert(dedupe_key) if dedupe_key else None
        if existing is None:
            raise
        return existing  # another process raised the same problem a moment ago
    logger.error("staff alert %s [%s]: %s", alert.pk, alert.kind, alert.title)
    if alert.kind not in SILENT_KINDS:
        _email(alert, permission)
    return alert


def open_count() -> int:
    """Open alerts, for the dashboard menu's badge: one COUNT."""
    return StaffAlert.objects.filter(resolved_at__isnull=True).count()


def resolve(*, alert_id: int, by, note: str = "") -> StaffAlert:
    """「対応済みにする」: close an open alert, recording who and why. Closing a closed alert changes nothing."""
    if not by.has_perm(DASHBOARD_PERMISSION):
        raise PermissionDenied
    with transaction.atomic():
        alert = StaffAlert.objects.select_for_update().get(pk=alert_id)
        if alert.resolved_at is None:
            _close(alert, by=by, note=note)
    return alert


def resolve_open(*, dedupe_key: str, by, note: str = "") -> StaffAlert | None:
    """Close the open alert of `dedupe_key`, if any: the problem was dealt with elsewhere (e.g. the email resent)."""
    with transaction.atomic():
        alert = StaffAlert.objects.select_for_update().filter(dedupe_key=dedupe_key, resolved_at__isnull=True).first()
        if alert is not None:
            _close(alert, by=by, note=note)
    return alert


def _close(alert: StaffAlert, *, by, note: str) -> None:
    alert.resolved_at = timezone.now()
    alert.resolved_by = by
    alert.resolution_note = note.strip()[:2000]
    alert.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    logger.info("staff alert %s resolved by %s", alert.pk, getattr(by, "pk", None))


def _open_alert(dedupe_key: str) -> StaffAlert | None:
    return StaffAlert.objects.filter(dedupe_key=dedupe_key, resolved_at__isnull=True).first()


def recipients(permission: str) -> list[str]:
    """The addresses of active staff members who hold `permission` (through a role, directly, or as superusers)."""
    app_label, codename = permission.split(".", 1)
    through_group = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
    direct = Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
    users = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | through_group | direct)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    return list(dict.fromkeys(users))  # one message per address, each alone in To


def _absolute(link: str) -> str:
    return mail.site_url(link) if link.startswith("/") else link


def _email(alert: StaffAlert, permission: str) -> None:
    context = {
        "alert": alert,
        "link": _absolute(alert.link),
        "alerts_link": mail.site_url(reverse("alerts-dashboard:alert-list")),
    }
    for address in recipients(permission):
        mail.queue(template=EMAIL_TEMPLATE, to=address, context=context)
