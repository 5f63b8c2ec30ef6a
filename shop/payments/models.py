"""Payments (P1, P2): our own record of each order's payment, the partner's webhooks, and the simulators' books.

`Payment` is what *we* know about an order's payment: the method, the partner's
reference, the amount and its state. For a card it keeps only the brand and the
last four digits: card numbers and security codes go from the browser straight
to the gateway and never reach this database.

`WebhookEvent` records every event the deferred-invoice partner posted to us,
keyed on the partner's event id, so a redelivered event is never applied twice.

The `Sim…` models are the simulators' own books (the partner's and the gateway's
side of the protocol). They live here rather than in a separate database
because development and tests use one database anyway: the simulators' state is
rolled back with each test, needs no set-up, and works on SQLite and PostgreSQL
alike. In production (adapters set to "http") these tables simply stay empty.
Like a real gateway, the card simulator keeps no card number either: a token
carries only brand, last four digits, expiry and the outcome its number stands
for.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Payment(models.Model):
    class Method(models.TextChoices):
        INVOICE = "invoice", "請求書払い（掛け払い）"
        CARD = "card", "クレジットカード"

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Processing")  # recorded before the partner is called (issue 10)
        PENDING = "pending", "審査中"  # invoice: the partner reviews the order by hand
        AUTHORIZED = "authorized", "与信通過"  # invoice: passed, reserved at the partner
        REJECTED = "rejected", "与信否決"
        FIXED = "fixed", "売上確定"  # invoice: shipped / contract started, billing is due
        BILLED = "billed", "請求済"
        PAID = "paid", "入金済"
        CAPTURED = "captured", "決済完了"  # card
        DECLINED = "declined", "カード決済不可"
        COMPENSATING = "compensating", _("Voiding")  # the order did not commit: the partner must void it
        CANCELLED = "cancelled", "取消"

    class Action(models.TextChoices):
        NONE = "", _("None")
        FIX = "fix", _("sales confirmation")
        CANCEL = "cancel", _("cancellation")

    order = models.OneToOneField(
        "order.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="payment", verbose_name="注文"
    )
    order_number = models.CharField("注文番号", max_length=128, db_index=True)
    method = models.CharField("お支払い方法", max_length=16, choices=Method.choices)
    status = models.CharField("状態", max_length=16, choices=Status.choices)
    reference = models.CharField("決済会社の取引ID", max_length=64, db_index=True, blank=True)
    amount = models.DecimalField("金額", max_digits=14, decimal_places=0)
    idempotency_key = models.CharField("冪等キー", max_length=64, blank=True)
    card_brand = models.CharField("カードブランド", max_length=16, blank=True)
    card_last4 = models.CharField("カード番号下4桁", max_length=4, blank=True)
    message = models.CharField("決済会社からのメッセージ", max_length=255, blank=True)
    # What a repeated call needs (the one-time card token, or the partner's buyer id), kept until the attempt
    # is settled, so the sweep can replay a call whose answer was lost and void what it made (issue 10).
    card_token = models.CharField(_("card token"), max_length=64, blank=True)
    buyer_id = models.CharField(_("partner's buyer id"), max_length=32, blank=True)
    # the order form's submission key: a double click waits for its twin instead of paying twice
    submission_key = models.UUIDField(null=True, blank=True, db_index=True, editable=False)
    # A partner call due after our own change committed (売上確定 at delivery, 取消 at cancel): made after the
    # commit, never under a row lock; the sweep retries it until the partner has it.
    action = models.CharField(_("request to the partner"), max_length=8, choices=Action.choices, blank=True, default="")
    action_on = models.DateField(_("shipped on"), null=True, blank=True)
    action_attempts = models.PositiveSmallIntegerField(_("attempts of the request"), default=0)
    action_error = models.CharField(_("last error of the request"), max_length=255, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "決済"
        verbose_name_plural = "決済"
        # 与信管理 (shop/accounts/roles.py)
        permissions = [("manage_credit", "Can run credit screenings and set companies' credit lines")]
        constraints = [
            models.UniqueConstraint(
                fields=["method", "reference"], condition=~models.Q(reference=""), name="payment_unique_reference"
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=~models.Q(idempotency_key=""), name="payment_unique_attempt_key"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["action", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.order_number} {self.get_method_display()} {self.get_status_display()}"


class WebhookEvent(models.Model):
    """An event the deferred-invoice partner posted to our webhook endpoint (applied once per event id)."""

    event_id = models.CharField("イベントID", max_length=64, unique=True)
    type = models.CharField("種類", max_length=64)
    reference = models.CharField("取引ID", max_length=64, blank=True, db_index=True)
    state = models.CharField("取引の状態", max_length=32, blank=True)
    payload = models.JSONField("内容")
    received_at = models.DateTimeField("受信日時", auto_now_add=True)
    processed_at = models.DateTimeField("処理日時", null=True, blank=True)

    class Meta:
        verbose_name = "決済会社からの通知"
        verbose_name_plural = "決済会社からの通知"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


# --- the simulators' own books (the partner's and the gateway's side) ---


class SimBuyer(models.Model):
    """A buyer company screened by the simulated deferred-invoice partner."""

    buyer_id = models.CharField(max_length=32, unique=True)
    fingerprint = models.CharField(max_length=255, unique=True)  # normalised name + postcode: one buyer per company
    company_name = models.CharField(max_length=200)
    postcode = models.CharField(max_length=16)
    address = models.CharField(max_length=255)
    representative = models.CharField(max_length=100)
    status = models.CharField(max_length=16)  # approved | rejected | pending
    credit_limit = models.DecimalField(max_digits=14, decimal_places=0, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.buyer_id} {self.company_name}"


class SimTransaction(models.Model):
    """One per-order credit check at the simulated partner, and its life: reviewed, fixed, billed, paid, cancelled."""

    reference = models.CharField(max_length=32, unique=True)
    buyer = models.ForeignKey(SimBuyer, on_delete=models.PROTECT, related_name="transactions")
    order_number = models.CharField(max_length=128)
    amount = models.DecimalField(max_digits=14, decimal_places=0)
    status = models.CharField(max_length=16)
    idempotency_key = models.CharField(max_length=128, unique=True)
    request_fingerprint = models.CharField(max_length=64)
    message = models.CharField(max_length=255, blank=True)
    shipped_on = models.DateField(null=True, blank=True)
    billed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.reference} {self.status}"


class SimInvoiceEvent(models.Model):
    """The simulated partner's webhook outbox: each event is posted, signed, until our endpoint accepts it."""

    event_id = models.CharField(max_length=32, unique=True)
    type = models.CharField(max_length=64)
    reference = models.CharField(max_length=32)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class SimCardToken(models.Model):
    """A one-time card token issued by the simulated gateway. No card number: brand, last four and outcome only."""

    token = models.CharField(max_length=40, unique=True)
    brand = models.CharField(max_length=16)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=32)  # approve | generic_decline | insufficient_funds | incorrect_cvc
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.token


class SimCharge(models.Model):
    """A charge at the simulated card gateway."""

    reference = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=128, unique=True)
    request_fingerprint = models.CharField(max_length=64)
    token = models.CharField(max_length=40)
    order_number = models.CharField(max_length=128)
    amount = models.DecimalField(max_digits=14, decimal_places=0)
    status = models.CharField(max_length=16)  # captured | declined | voided
    brand = models.CharField(max_length=16)
    last4 = models.CharField(max_length=4)
    decline_code = models.CharField(max_length=32, blank=True)
    decline_message = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.reference} {self.status}"
