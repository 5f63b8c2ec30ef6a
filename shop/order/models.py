"""Orders (O4–O7): Oscar's order, with what a Japanese B2B order also carries.

An order belongs to a company (every member sees the company's orders, M6),
may come from a quote (Q4: its prices are the quote's), keeps the buyer's own
PO number and comment (O3), the resale declaration (Q6), and the key of the
submission that placed it, so a resubmitted 「注文する」 never makes a second
order (O4).
"""

from django.db import models
from django.utils.functional import cached_property
from oscar.apps.order.abstract_models import AbstractLine, AbstractOrder


class Order(AbstractOrder):
    class PaymentMethod(models.TextChoices):
        INVOICE = "invoice", "請求書払い（掛け払い）"
        CARD = "card", "クレジットカード"

    company = models.ForeignKey(
        "companies.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="orders", verbose_name="会社"
    )
    quote = models.ForeignKey(
        "quotes.Quote", null=True, blank=True, on_delete=models.PROTECT, related_name="orders", verbose_name="見積"
    )
    purchase_order_number = models.CharField("発注書番号", max_length=64, blank=True)
    comment = models.TextField("注文コメント", blank=True)
    for_resale = models.BooleanField("再販売", default=False)
    end_user_name = models.CharField("エンドユーザー名", max_length=200, blank=True)
    tax_total = models.DecimalField("消費税", max_digits=14, decimal_places=0, default=0)
    payment_method = models.CharField(
        "お支払い方法", max_length=16, choices=PaymentMethod.choices, default=PaymentMethod.INVOICE
    )
    delivery_address = models.TextField("お届け先", blank=True)
    cancel_reason = models.TextField("キャンセル理由", blank=True)
    submission_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)

    @cached_property
    def discount_rows(self):
        """The coupons and campaigns that reduced this order (P3), in whole yen, as the documents show them."""
        from shop.billing.documents import discount_rows

        return discount_rows(self)

    @cached_property
    def billing_dates(self):
        """請求書発行日 and お支払期限 once delivered (P4); None before."""
        from shop.billing.billing_dates import for_order

        return for_order(self)

    def tax_summary(self):
        """The order's per-rate breakdown from its lines and the one tax module (equals the stored totals)."""
        from shop.billing import tax

        return tax.summarise(
            tax.TaxableLine(amount=line.line_price_excl_tax, rate=tax.rate_for(line.product))
            for line in self.lines.all()
        )

    class Meta(AbstractOrder.Meta):
        # 受注管理 (shop/accounts/roles.py)
        permissions = [("manage_orders", "Can handle orders: status, cancellation, contract periods")]


class Line(AbstractLine):
    quote_line = models.ForeignKey(
        "quotes.QuoteLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="見積明細"
    )
    from_custom_quote = models.BooleanField("個別見積の明細", default=False)
    note = models.CharField("備考", max_length=255, blank=True)
    contract_start = models.DateField("契約開始日", null=True, blank=True)
    contract_end = models.DateField("契約終了日", null=True, blank=True)
    reminder_sent_on = models.DateField("更新案内の送信日", null=True, blank=True)


from oscar.apps.order.models import *  # noqa: E402,F401,F403
