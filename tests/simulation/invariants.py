"""What must hold after every simulated day (issue 10). Each check returns a list of violations (strings).

They read the database only, with a few aggregate queries each, so that all
of them can run after each of the 365 days: the shop's books (orders,
payments, credit reservations, the number ledger, the outbox) must agree with
each other and with the partners' books (the simulators' `SimTransaction`,
`SimCharge`, `SimInvoiceEvent`). Where a check looks at "today" only (new
documents, new orders' tax, the 請求書 PDFs downloaded), it is because those
rows never change afterwards and every earlier day was checked the same way.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Length, Substr
from oscar.core.loading import get_model
from pypdf import PdfReader

from shop.alerts.models import StaffAlert
from shop.alerts.receivers import dead_email_key
from shop.billing import tax
from shop.billing.business_days import TOKYO
from shop.billing.models import DocumentCounter, IssuedDocument, IssuedNumber
from shop.companies.models import Company, CreditReservation
from shop.notifications import mail
from shop.notifications.models import OutboundEmail
from shop.order import status
from shop.payments.models import Payment, SimCharge, SimInvoiceEvent, SimTransaction, WebhookEvent
from shop.payments.simulators import invoice as partner
from shop.quotes.models import Quote

Order = get_model("order", "Order")
OrderDiscount = get_model("order", "OrderDiscount")
OrderStatusChange = get_model("order", "OrderStatusChange")
Voucher = get_model("voucher", "Voucher")
VoucherApplication = get_model("voucher", "VoucherApplication")

ENDED = (status.CANCELLED, status.SENT_BACK)
SHOWN = 5  # violations listed per check (the count is always given)
EMAIL_GIVE_UP_AFTER = timedelta(hours=48)  # the retry schedule (~24 h) plus an hourly worker's lag
BILLABLE = (Payment.Status.FIXED, Payment.Status.BILLED, Payment.Status.PAID)
NUMBERED_KINDS = ("order", "quote", IssuedDocument.Kind.INVOICE.value, IssuedDocument.Kind.DELIVERY_NOTE.value)


@dataclass
class Day:
    """What a check may need to know about the day just simulated."""

    number: int
    today: date
    now: datetime
    billed_month: date | None = None  # the 1st of the month of the partner's last billing run (None before it)
    invoices: list[tuple[object, bytes]] = field(default_factory=list)  # (order, 請求書 PDF) downloaded today

    @property
    def start(self) -> datetime:
        return start_of(self.today)


def start_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TOKYO)


def _listed(title: str, items) -> list[str]:
    items = list(items)
    if not items:
        return []
    shown = ", ".join(str(item) for item in items[:SHOWN])
    more = f" (+{len(items) - SHOWN} more)" if len(items) > SHOWN else ""
    return [f"{title} [{len(items)}]: {shown}{more}"]


# --- credit ---


def _unpaid_invoice_orders():
    return (
        Order.objects.filter(payment_method=Order.PaymentMethod.INVOICE)
        .exclude(status__in=ENDED)
        .exclude(payment__status=Payment.Status.PAID)
    )


def credit_matches_unpaid_invoices(day: Day) -> list[str]:
    """Each company's reserved credit is the sum of its unpaid invoice orders and never exceeds its line."""
    reserved = dict(
        CreditReservation.objects.filter(status=CreditReservation.Status.RESERVED)
        .values("company")
        .annotate(total=Sum("amount"))
        .values_list("company", "total")
    )
    unpaid = dict(
        _unpaid_invoice_orders().values("company").annotate(total=Sum("total_incl_tax")).values_list("company", "total")
    )
    limits = dict(Company.objects.values_list("pk", "credit_limit"))
    problems = []
    for company in sorted(set(reserved) | set(unpaid)):
        held, owed = reserved.get(company, Decimal(0)), unpaid.get(company, Decimal(0))
        if held != owed:
            problems.append(f"company {company}: reserved ¥{held:,.0f} but unpaid invoice orders ¥{owed:,.0f}")
        if held > limits[company]:
            problems.append(f"company {company}: reserved ¥{held:,.0f} exceeds its line ¥{limits[company]:,.0f}")
    if problems:  # which orders (only when something is wrong)
        problems += _listed(
            "reservation left open for an order that is ended or paid",
            CreditReservation.objects.filter(status=CreditReservation.Status.RESERVED)
            .filter(Q(order__status__in=ENDED) | Q(order__payment__status=Payment.Status.PAID))
            .values_list("order__number", "order__status", "order__payment__status"),
        )
        problems += _listed(
            "unpaid invoice order without its reservation",
            _unpaid_invoice_orders()
            .exclude(credit_reservation__status=CreditReservation.Status.RESERVED)
            .values_list("number", "status", "payment__status"),
        )
        problems += _listed(
            "reservation differs from its order's total",
            CreditReservation.objects.exclude(amount=F("order__total_incl_tax")).values_list(
                "order__number", flat=True
            ),
        )
    return problems


# --- billing and shipping ---

# our Payment.status for each state of the partner's transaction (shop.payments.events.STATUS_FOR_STATE)
_INVOICE_BOOKS_AGREE = (
    Q(status=Payment.Status.PENDING, partner_status=partner.PENDING_REVIEW)
    | Q(status=Payment.Status.AUTHORIZED, partner_status=partner.PASSED)
    | Q(status=Payment.Status.REJECTED, partner_status=partner.REJECTED)
    | Q(status=Payment.Status.FIXED, partner_status=partner.FIXED)
    | Q(status=Payment.Status.BILLED, partner_status=partner.BILLED)
    | Q(status=Payment.Status.PAID, partner_status=partner.PAID)
    | Q(status=Payment.Status.CANCELLED, partner_status=partner.CANCELLED)
)


def delivered_invoices_billed_once(day: Day) -> list[str]:
    """Every delivered invoice order is billed exactly once; the partner bills nothing that was not delivered."""
    delivered = Order.objects.filter(status=status.DELIVERED, payment_method=Order.PaymentMethod.INVOICE)
    problems = []
    if day.billed_month is not None:
        problems += _listed(
            f"delivered before {day.billed_month} but not billed by the partner's run",
            delivered.filter(
                status_changes__new_status=status.DELIVERED,
                status_changes__date_created__lt=start_of(day.billed_month),
            )
            .exclude(payment__status__in=(Payment.Status.BILLED, Payment.Status.PAID))
            .values_list("number", "payment__status"),
        )
    problems += _listed(
        "the partner holds as shipped a transaction whose order is not delivered",
        SimTransaction.objects.filter(status__in=(partner.FIXED, partner.BILLED, partner.PAID))
        .exclude(order_number__in=delivered.values("number"))
        .values_list("order_number", "status"),
    )
    problems += _listed(
        "a transaction billed more than once",
        SimInvoiceEvent.objects.filter(type="transaction.billed")
        .values("reference")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("reference", "n"),
    )
    problems += _listed(
        "the partner's webhook not delivered to us by the end of the day",
        SimInvoiceEvent.objects.filter(delivered_at__isnull=True).values_list("type", "reference", "last_error"),
    )
    problems += _listed(
        "our invoice payment disagrees with the partner's transaction",
        Payment.objects.filter(method=Payment.Method.INVOICE)
        .exclude(reference="")
        .annotate(
            partner_status=Subquery(SimTransaction.objects.filter(reference=OuterRef("reference")).values("status")[:1])
        )
        .exclude(_INVOICE_BOOKS_AGREE)
        .values_list("order_number", "status", "partner_status"),
    )
    return problems


def nothing_shipped_under_review(day: Day) -> list[str]:
    """No order is delivered while its invoice is under the partner's review (nor with any unsettled payment)."""
    delivered = Order.objects.filter(status=status.DELIVERED)
    settled = Q(payment_method=Order.PaymentMethod.INVOICE, payment__status__in=BILLABLE) | Q(
        payment_method=Order.PaymentMethod.CARD, payment__status=Payment.Status.CAPTURED
    )
    problems = _listed(
        "delivered order whose payment is not settled (under review, rejected, cancelled...)",
        delivered.exclude(settled).values_list("number", "payment__status"),
    )
    passed_at = WebhookEvent.objects.filter(reference=OuterRef("payment__reference"), type="transaction.passed")
    delivered_at = OrderStatusChange.objects.filter(order=OuterRef("pk"), new_status=status.DELIVERED)
    problems += _listed(
        "delivered before the partner's review passed",
        delivered.filter(
            payment__reference__in=WebhookEvent.objects.filter(type="transaction.passed").values("reference")
        )
        .annotate(
            passed_at=Subquery(passed_at.values("received_at")[:1]),
            delivered_at=Subquery(delivered_at.order_by("date_created").values("date_created")[:1]),
        )
        .filter(delivered_at__lt=F("passed_at"))
        .values_list("number", flat=True),
    )
    return problems


# --- numbers ---


def numbers_never_reused(day: Day) -> list[str]:
    """No document number is issued twice; every gap has a recorded reason.

    Every number taken is in the ledger (`IssuedNumber`): per kind and month the
    ledger holds exactly 1..counter (so a gap is a ledger row), none is left
    merely taken, every void one says why, and each document saved today has
    its own number marked used (and each number used today has its document).
    """
    ledger = IssuedNumber.objects.all()
    problems = _listed(
        "number neither used nor voided with a reason (an unexplained gap)",
        ledger.filter(Q(state=IssuedNumber.State.TAKEN) | Q(state=IssuedNumber.State.VOID, reason="")).values_list(
            "number", "state"
        ),
    )
    periods = {day.today.strftime("%Y%m"), (day.today.replace(day=1) - timedelta(days=1)).strftime("%Y%m")}
    counted = (
        ledger.filter(kind__in=NUMBERED_KINDS)
        .annotate(period=Substr("number", Length("number") - 11, 6))
        .filter(period__in=periods)
        .values("kind", "period")
        .annotate(n=Count("id"), top=Max("number"))
    )
    counters = {
        (c.kind, c.period): c.last for c in DocumentCounter.objects.filter(kind__in=NUMBERED_KINDS, period__in=periods)
    }
    seen = set()
    for row in counted:
        key = (row["kind"], row["period"])
        seen.add(key)
        top = int(row["top"].rsplit("-", 1)[1])
        if row["n"] != counters.get(key) or top != counters.get(key):
            problems.append(f"{key}: counter at {counters.get(key)}, ledger holds {row['n']} numbers up to {top}")
    problems += _listed(
        "counter moved on without a ledger row", [k for k, last in counters.items() if last and k not in seen]
    )
    used_today = set(
        ledger.filter(state=IssuedNumber.State.USED, settled_at__gte=day.start).values_list("kind", "number")
    )
    saved_today = {
        *(("order", n) for n in Order.objects.filter(date_placed__gte=day.start).values_list("number", flat=True)),
        *(("quote", n) for n in Quote.objects.filter(issued_at__gte=day.start).values_list("number", flat=True)),
        *IssuedDocument.objects.filter(issued_at__gte=day.start).values_list("kind", "number"),
    }
    problems += _listed("document saved today whose number is not used in the ledger", sorted(saved_today - used_today))
    problems += _listed("number used today by no document saved today", sorted(used_today - saved_today))
    return problems


# --- payments ---


def charges_belong_to_orders(day: Day) -> list[str]:
    """Every charge (and partner transaction holding credit) belongs to exactly one committed order, or was voided."""
    live = Payment.objects.filter(order__isnull=False).exclude(order__status__in=ENDED)
    problems = _listed(
        "captured card charge without a live order",
        SimCharge.objects.filter(status="captured")
        .exclude(reference__in=live.filter(method=Payment.Method.CARD).values("reference"))
        .values_list("order_number", flat=True),
    )
    problems += _listed(
        "the partner holds credit for no live order",
        SimTransaction.objects.filter(status__in=partner.EXPOSED)
        .exclude(reference__in=live.filter(method=Payment.Method.INVOICE).values("reference"))
        .values_list("order_number", "status"),
    )
    problems += _listed(
        "order without its payment, or paying another amount",
        Order.objects.filter(Q(payment__isnull=True) | ~Q(payment__amount=F("total_incl_tax"))).values_list(
            "number", "total_incl_tax", "payment__amount"
        ),
    )
    problems += _listed(
        "payment attempt without an order left unsettled",
        Payment.objects.filter(order__isnull=True)
        .exclude(status__in=(Payment.Status.DECLINED, Payment.Status.REJECTED, Payment.Status.CANCELLED))
        .values_list("order_number", "status"),
    )
    card_agrees = (
        Q(status=Payment.Status.CAPTURED, charge_status="captured")
        | Q(status=Payment.Status.CANCELLED, charge_status="voided")
        | Q(status=Payment.Status.DECLINED, charge_status="declined")
    )
    problems += _listed(
        "our card payment disagrees with the gateway's charge",
        Payment.objects.filter(method=Payment.Method.CARD)
        .exclude(reference="")
        .annotate(
            charge_status=Subquery(SimCharge.objects.filter(reference=OuterRef("reference")).values("status")[:1])
        )
        .exclude(card_agrees)
        .values_list("order_number", "status", "charge_status"),
    )
    return problems


# --- email ---


def emails_sent_or_dead_with_alert(day: Day) -> list[str]:
    """Every queued email is sent, still retried within its schedule, or a dead letter with a staff alert."""
    problems = _listed(
        f"email still pending after {EMAIL_GIVE_UP_AFTER}",
        OutboundEmail.objects.filter(
            status=OutboundEmail.Status.PENDING, created_at__lt=day.now - EMAIL_GIVE_UP_AFTER
        ).values_list("pk", "template", "attempts"),
    )
    dead = dict(OutboundEmail.objects.filter(status=OutboundEmail.Status.DEAD).values_list("pk", "attempts"))
    if dead:
        alerted = set(
            StaffAlert.objects.filter(dedupe_key__in=[dead_email_key(pk) for pk in dead]).values_list(
                "dedupe_key", flat=True
            )
        )
        problems += _listed(
            "dead letter without a staff alert", [pk for pk in dead if dead_email_key(pk) not in alerted]
        )
        problems += _listed(
            "dead letter before its last attempt", [pk for pk, attempts in dead.items() if attempts < mail.MAX_ATTEMPTS]
        )
    return problems


# --- coupons ---


def single_use_coupons_used_once(day: Day) -> list[str]:
    """Each single-use coupon was used at most once (Oscar's usage record, and the discounts on orders)."""
    single = Voucher.objects.filter(usage=Voucher.SINGLE_USE).values("pk")
    problems = _listed(
        "single-use coupon recorded as used by more than one order",
        VoucherApplication.objects.filter(voucher__in=single)
        .values("voucher__code")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("voucher__code", "n"),
    )
    problems += _listed(
        "single-use coupon's discount on more than one order",
        OrderDiscount.objects.filter(voucher_id__in=single)
        .values("voucher_code")
        .annotate(n=Count("order", distinct=True))
        .filter(n__gt=1)
        .values_list("voucher_code", "n"),
    )
    return problems


# --- totals ---

_PDF_LABELS = {"net": r"10%対象\(税抜\)", "tax": r"消費税\(10%\)", "gross": r"合計\(税込\)"}


def pdf_totals(content: bytes) -> dict[str, Decimal | None]:
    """The totals printed on a 納品書 / 請求書 (text extracted with pypdf)."""
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))
    found = {}
    for key, label in _PDF_LABELS.items():
        match = re.search(label + r"¥([\d,]+)", text)
        found[key] = Decimal(match.group(1).replace(",", "")) if match else None
    return found


def order_totals_agree(day: Day) -> list[str]:
    """Each new order's totals are its lines' and the tax module's; a downloaded 請求書 prints the same totals."""
    problems = []
    for order in Order.objects.filter(date_placed__gte=day.start).prefetch_related("lines__product"):
        lines_net = sum((line.line_price_excl_tax for line in order.lines.all()), Decimal(0))
        summary = order.tax_summary()
        figures = (order.total_excl_tax, order.tax_total, order.total_incl_tax)
        if lines_net != order.total_excl_tax or figures != (summary.net, summary.tax, summary.gross):
            problems.append(
                f"{order.number}: order {figures}, lines {lines_net}, tax module "
                f"{(summary.net, summary.tax, summary.gross)}"
            )
    for order, content in day.invoices:
        printed = pdf_totals(content)
        summary = tax.summarise(
            tax.TaxableLine(amount=line.line_price_excl_tax, rate=tax.rate_for(line.product))
            for line in order.lines.all()
        )
        expected = {"net": order.total_excl_tax, "tax": order.tax_total, "gross": order.total_incl_tax}
        module = {"net": summary.net, "tax": summary.tax, "gross": summary.gross}
        if printed != expected or module != expected:
            problems.append(f"{order.number}: 請求書 PDF {printed}, order {expected}, tax module {module}")
    return problems


ALL = (
    credit_matches_unpaid_invoices,
    delivered_invoices_billed_once,
    nothing_shipped_under_review,
    numbers_never_reused,
    charges_belong_to_orders,
    emails_sent_or_dead_with_alert,
    single_use_coupons_used_once,
    order_totals_agree,
)
