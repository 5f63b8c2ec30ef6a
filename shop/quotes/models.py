"""Quotes (見積, Q1–Q6): issued from a basket or by staff, valid 7 days to the minute, company-wide.

A quote is a priced offer: its lines keep the prices of the day it was issued
(C7), so ordering from it while it is valid uses those prices (Q4). Once it
has expired it can only be re-quoted at today's prices (Q3). A custom quote
(個別見積, Q5) is made by staff and may hold free-text lines for things not in
the catalogue; its lines are never re-ordered.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

VALIDITY = timedelta(days=7)


class Quote(models.Model):
    class Kind(models.TextChoices):
        BASKET = "basket", "カートから作成"
        CUSTOM = "custom", "個別見積"

    number = models.CharField("見積番号", max_length=32, unique=True)
    company = models.ForeignKey("companies.Company", on_delete=models.PROTECT, related_name="quotes")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField("発行日時")
    valid_until = models.DateTimeField("有効期限")
    subtotal = models.DecimalField("小計(税抜)", max_digits=14, decimal_places=0)
    tax = models.DecimalField("消費税", max_digits=14, decimal_places=0)
    total = models.DecimalField("合計(税込)", max_digits=14, decimal_places=0)
    submission_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    kind = models.CharField("種別", max_length=8, choices=Kind.choices, default=Kind.BASKET)
    for_resale = models.BooleanField("再販売", default=False)
    end_user_name = models.CharField("エンドユーザー名", max_length=200, blank=True)
    note = models.TextField("備考", blank=True)
    requoted_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="requotes", verbose_name="再見積元"
    )

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = verbose_name_plural = "見積"
        # 受注管理: staff see every quote and issue 個別見積 (shop/accounts/roles.py)
        permissions = [("issue_custom_quote", "Can see all quotes and issue custom quotes")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_valid(self) -> bool:
        return timezone.now() < self.valid_until

    @property
    def is_custom(self) -> bool:
        return self.kind == self.Kind.CUSTOM


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalogue.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    code = models.CharField("商品コード", max_length=64, blank=True)
    name = models.CharField("商品名", max_length=255)
    maker_name = models.CharField("メーカ", max_length=128, blank=True)
    unit_price = models.DecimalField("単価(税抜)", max_digits=12, decimal_places=0)
    quantity = models.PositiveIntegerField("数量")
    tax_rate = models.DecimalField("税率", max_digits=4, decimal_places=2)
    free_text = models.BooleanField("カタログ外の品目", default=False)
    note = models.CharField("備考", max_length=255, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quote_id}: {self.code or self.name} × {self.quantity}"

    @property
    def amount(self):
        return self.unit_price * self.quantity
