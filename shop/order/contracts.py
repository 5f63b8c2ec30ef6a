"""Contract periods of licence lines (O6) and contracts nearing their end (O8).

O6: every licence line of an order (perpetual licences, subscriptions and
maintenance: every kind but hardware; a catalogue-external line of a custom
quote may be one too) carries its contract period, 契約開始日 and 契約終了日,
entered by staff once the maker has confirmed it, for a confirmed order only.
When only the start is given, the end is the start plus the product's term
less one day (12 months from 2026/12/01 end on 2027/11/30); a perpetual
licence without a term may have no end. An end before the start is refused.
Changing the end makes the line due for a reminder again.

O8: there is no automatic renewal, a renewal is a new order. The my page
lists the company's lines that end within 90 days (`ending_soon`), and
`send_reminders` (run daily by `manage.py send_contract_reminders`) emails
once per line, `KOBAI_CONTRACT_REMINDER_DAYS` (default 60) days before the
end. Who is told: the orderer, and the company's administrators, since a
renewal is the company's purchasing decision and the orderer may have left;
withdrawn (inactive) accounts and withdrawn companies are not written to.
A line is due from N days before its end until the end itself, so a run
missed on one day is caught up on the next; `reminder_sent_on` is set under
the line's row lock in the same transaction as the outbox row, so a second
run on the same day, or two runs at once, send nothing more.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from shop.notifications import mail

from . import status

Order = get_model("order", "Order")
Line = get_model("order", "Line")
OrderNote = get_model("order", "OrderNote")
Product = get_model("catalogue", "Product")

# statuses of a confirmed order, whose contract periods staff may enter
CONFIRMED = (status.ACCEPTED, status.ARRANGING, status.DELIVERED)
# orders whose contracts never started: not listed, not reminded
NOT_CONTRACTED = (status.CANCELLED, status.SENT_BACK, status.AWAITING_APPROVAL)
ENDING_SOON_DAYS = 90
DEFAULT_REMINDER_DAYS = 60


class PeriodRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_contract_line(line) -> bool:
    """A licence line (O6): anything but hardware."""
    return line.product is None or line.product.licence_kind != Product.LicenceKind.HARDWARE


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the last day of that month when it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def default_end(start: date, term_months: int | None) -> date | None:
    """Start + term − 1 day; None without a term (a perpetual licence has no end)."""
    if not term_months:
        return None
    return add_months(start, term_months) - timedelta(days=1)


def term_of(line) -> int | None:
    return line.product.term_months if line.product is not None else None


def check_period(*, start: date | None, end: date | None) -> None:
    if start is None and end is not None:
        raise PeriodRefused("契約開始日を入力してください。")
    if start is not None and end is not None and end < start:
        raise PeriodRefused("契約終了日は契約開始日以降の日付を入力してください。")


def set_period(*, line, start: date | None, end: date | None, by):
    """Save a line's contract period (O6); both empty clears it. Raises PeriodRefused."""
    with transaction.atomic():
        # of=self: PostgreSQL cannot lock the nullable side (product) of an outer join
        locked = Line.objects.select_for_update(of=("self",)).select_related("order", "product").get(pk=line.pk)
        if locked.order.status not in CONFIRMED:
            raise PeriodRefused(
                f"注文 {locked.order.number} は「{status.label(locked.order.status)}」のため、"
                "契約期間を入力できません。"
            )
        if not is_contract_line(locked):
            raise PeriodRefused(f"「{locked.title}」は契約期間のない商品です。")
        if start is not None and end is None:
            end = default_end(start, term_of(locked))
        check_period(start=start, end=end)
        if (locked.contract_start, locked.contract_end) == (start, end):
            return locked
        if locked.contract_end != end:
            locked.reminder_sent_on = None  # a new end: remind again before it
        locked.contract_start, locked.contract_end = start, end
        locked.save(update_fields=["contract_start", "contract_end", "reminder_sent_on"])
        OrderNote.objects.create(
            order=locked.order,
            user=by,
            note_type=OrderNote.SYSTEM,
            message=f"契約期間「{locked.title}」: {_period_text(start, end)}",
        )
    line.contract_start, line.contract_end, line.reminder_sent_on = start, end, locked.reminder_sent_on
    return locked


def _period_text(start: date | None, end: date | None) -> str:
    if start is None:
        return "未設定"
    return f"{start:%Y/%m/%d}〜{end:%Y/%m/%d}" if end is not None else f"{start:%Y/%m/%d}〜"


def ending_soon(*, company, within_days: int = ENDING_SOON_DAYS, today: date | None = None) -> list:
    """The company's contract lines ending from today to `within_days` ahead, soonest first (O8)."""
    today = today or timezone.localdate()
    lines = list(
        Line.objects.filter(
            order__company=company,
            contract_end__gte=today,
            contract_end__lte=today + timedelta(days=within_days),
        )
        .exclude(order__status__in=NOT_CONTRACTED)
        .select_related("order", "product")
        .order_by("contract_end", "order__number", "pk")
    )
    for line in lines:
        line.days_left = (line.contract_end - today).days
        line.renew_url = renew_path(line)
    return lines


def reminder_days() -> int:
    return int(getattr(settings, "KOBAI_CONTRACT_REMINDER_DAYS", DEFAULT_REMINDER_DAYS))


def due_for_reminder(*, today: date, days: int):
    """Lines whose end is at most `days` ahead (and not past), not yet reminded, of live orders and companies."""
    from shop.companies.models import Company

    return (
        Line.objects.filter(
            reminder_sent_on__isnull=True,
            contract_end__gte=today,
            contract_end__lte=today + timedelta(days=days),
            order__company__status=Company.Status.ACTIVE,
        )
        .exclude(order__status__in=NOT_CONTRACTED)
        .order_by("order_id", "contract_end", "pk")
    )


def recipients(order) -> list:
    """The orderer and the company's administrators, active and with an address, each once."""
    from shop.companies.models import Member

    users = []
    if order.user is not None:
        users.append(order.user)
    admins = Member.objects.filter(company_id=order.company_id, role=Member.Role.ADMIN).select_related("user")
    users.extend(admin.user for admin in admins.order_by("pk"))
    seen, result = set(), []
    for user in users:
        if user.is_active and user.email and user.email.lower() not in seen:
            seen.add(user.email.lower())
            result.append(user)
    return result


def send_reminders(*, today: date | None = None, days: int | None = None) -> int:
    """Email every due line once (O8), one message per order and recipient; returns the lines reminded."""
    today = today or timezone.localdate()
    days = reminder_days() if days is None else days
    by_order = defaultdict(list)
    for order_id, line_id in due_for_reminder(today=today, days=days).values_list("order_id", "pk"):
        by_order[order_id].append(line_id)
    reminded = 0
    for order_id, line_ids in by_order.items():
        reminded += _remind_order(order_id=order_id, line_ids=line_ids, today=today, days=days)
    return reminded


def _remind_order(*, order_id: int, line_ids: list[int], today: date, days: int) -> int:
    with transaction.atomic():
        # lock, then read again: another run may have reminded these lines meanwhile
        locked = list(
            due_for_reminder(today=today, days=days)
            .filter(pk__in=line_ids)
            .select_for_update(of=("self",))
            .select_related("order", "order__user", "order__company", "product")
        )
        if not locked:
            return 0
        order = locked[0].order
        context = {
            "order": order,
            "company": order.company,
            "lines": [
                {
                    "line": line,
                    "days_left": (line.contract_end - today).days,
                    "renew_link": mail.site_url(renew_path(line)),
                }
                for line in locked
            ],
            "link": mail.site_url(reverse("orders:order-detail", kwargs={"number": order.number})),
            "mypage_link": mail.site_url(reverse("mypage:index")),
        }
        for user in recipients(order):
            mail.queue(template="contract_reminder", to=user.email, context={**context, "recipient": user})
        Line.objects.filter(pk__in=[line.pk for line in locked]).update(reminder_sent_on=today)
    return len(locked)


def renew_path(line) -> str:
    """「更新のご注文」: the product page (a renewal is a new order); a line without one asks the shop."""
    if line.product is not None:
        return line.product.get_absolute_url()
    return f"{reverse('inquiries:inquiry-create')}?order={line.order.number}"


def lines_with_period(order) -> list:
    """The order's licence lines, for the buyer's and the staff's contract period tables."""
    return [line for line in order.lines.all() if is_contract_line(line)]
