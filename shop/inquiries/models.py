"""Inquiries (問い合わせ, C4, I1–I2): a company's thread with the shop, optionally about a product.

An inquiry belongs to the member's company (every member of it sees it, no
other company does), or, from a visitor who is not a member (pre-sales
questions, I1), to no company: the visitor's contact details are kept and
the shop's answer goes to them by email, and holds a thread of messages from the buyer and the
staff. Its status says whose turn it is: 受付中 (the shop owes an answer),
回答済 (the shop answered), 完了 (closed). What it is about is a nullable
foreign key per kind of subject: a product, or an order (「この注文について
問い合わせ」, O6; the staff's delivery dates and status messages go into the
order's thread too, O7).
"""

from django.conf import settings
from django.db import models


class Inquiry(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "受付中"
        ANSWERED = "answered", "回答済"
        CLOSED = "closed", "完了"

    class Category(models.TextChoices):
        PRODUCT = "product", "商品・見積について"
        PRE_APPLICATION = "pre-application", "事前申請"
        ORDER = "order", "ご注文・納期について"
        BILLING = "billing", "請求・お支払いについて"
        ACCOUNT = "account", "会員登録・アカウントについて"
        OTHER = "other", "その他"

    number = models.CharField("問い合わせ番号", max_length=32, unique=True)
    # a member's inquiry belongs to their company; a visitor's (I1: pre-sales questions) to none
    company = models.ForeignKey(
        "companies.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="inquiries"
    )
    category = models.CharField("種別", max_length=24, choices=Category.choices, default=Category.OTHER)
    visitor_name = models.CharField("お名前", max_length=100, blank=True)
    visitor_company_name = models.CharField("会社名", max_length=200, blank=True)
    visitor_email = models.EmailField("メールアドレス", blank=True)
    visitor_phone = models.CharField("電話番号", max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="作成者"
    )
    # what the inquiry is about: nullable, one field per kind of subject
    product = models.ForeignKey(
        "catalogue.Product",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inquiries",
        verbose_name="商品",
    )
    order = models.ForeignKey(
        "order.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inquiries",
        verbose_name="注文",
    )
    subject = models.CharField("件名", max_length=200)
    status = models.CharField("状態", max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_at = models.DateTimeField("受付日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    submission_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = verbose_name_plural = "問い合わせ"
        # 問い合わせ対応 (shop/accounts/roles.py)
        permissions = [("answer_inquiry", "Can answer and close inquiries")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def from_visitor(self) -> bool:
        return self.company_id is None


class InquiryMessage(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="送信者"
    )
    from_staff = models.BooleanField("当店からの回答", default=False)
    body = models.TextField("内容")
    created_at = models.DateTimeField("送信日時", auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = verbose_name_plural = "問い合わせメッセージ"

    def __str__(self) -> str:
        return f"{self.inquiry.number} #{self.pk}"
