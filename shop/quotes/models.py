"""Quotes (見積, Q1–Q6): issued from a basket or by staff, valid 7 days to the minute, company-wide.

A quote is a priced offer: its lines keep the prices of the day it was issued
(C7), so ordering from it while it is valid uses those prices (Q4). Once it
has expired it can only be re-quoted at today's prices (Q3). A custom quote
(個別見積, Q5) is made by staff and may hold free-text lines for things not in
the catalogue; its lines are never re-ordered.

Campaigns and coupons (P3) running when a quote is made are frozen into it
the same way (`shop.quotes.discounts`): each line keeps its list amount and
its share of the discounts, and each campaign or coupon is one
`QuoteDiscount`, so a campaign that ends later changes nothing on a valid quote.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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

    @property
    def amount_before_discounts(self):
        """The lines' list amounts added up (tax exclusive); `subtotal` is after the discounts."""
        return sum((line.amount_before_discounts for line in self.lines.all()), 0)


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalogue.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    code = models.CharField("商品コード", max_length=64, blank=True)
    name = models.CharField("商品名", max_length=255)
    maker_name = models.CharField("メーカ", max_length=128, blank=True)
    unit_price = models.DecimalField("単価(税抜)", max_digits=12, decimal_places=0)
    quantity = models.PositiveIntegerField("数量")
    tax_rate = models.DecimalField("税率", max_digits=4, decimal_places=2)
    discount = models.DecimalField(
        _("Discount (excl. tax)"),
        max_digits=14,
        decimal_places=0,
        default=0,
        help_text=_("This line's share of the quote's campaign and coupon discounts, in whole yen."),
    )
    free_text = models.BooleanField("カタログ外の品目", default=False)
    note = models.CharField("備考", max_length=255, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quote_id}: {self.code or self.name} × {self.quantity}"

    @property
    def amount_before_discounts(self):
        """The list amount: unit price × quantity, tax exclusive."""
        return self.unit_price * self.quantity

    @property
    def amount(self):
        """The line's tax-exclusive amount after discounts: what is taxed and what an order from the quote charges."""
        return self.amount_before_discounts - self.discount


class QuoteDiscount(models.Model):
    """One campaign (site offer) or coupon (voucher) as it applied when the quote was made (P3, C7).

    The name and amount are copied, so the quote shows and charges the same
    discount after the campaign ends or is edited. A coupon stays linked: while
    the quote is valid and not ordered it holds a single-use coupon, and the
    coupon's use is recorded when the quote is ordered (`discounts.record_on_order`).
    """

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="discounts")
    name = models.CharField(_("Campaign name"), max_length=255)
    voucher_code = models.CharField(_("Coupon code"), max_length=128, blank=True)
    amount = models.DecimalField(_("Discount (excl. tax)"), max_digits=14, decimal_places=0)
    frequency = models.PositiveIntegerField(_("Times applied"), default=1)
    offer = models.ForeignKey(
        "offer.ConditionalOffer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voucher = models.ForeignKey(
        "voucher.Voucher", null=True, blank=True, on_delete=models.SET_NULL, related_name="quote_discounts"
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = verbose_name_plural = _("Quote discount")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="quote_discount_positive")]

    def __str__(self) -> str:
        return f"{self.quote_id}: {self.label} -{self.amount}"

    @property
    def label(self) -> str:
        """What the buyer reads: 「クーポン ABC123」 for a coupon, the campaign's name otherwise."""
        if self.voucher_code:
            return gettext("Coupon %(code)s") % {"code": self.voucher_code}
        return self.name
