"""Company delivery addresses 「アドレス帳」 (M8).

The addresses belong to the company and are shared by all of its members.
Delivery goes to business premises only, so a company or site name is
required. At most one address per company is the default (既定の配送先);
physical goods go there unless the buyer picks another one at checkout.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from shop.companies.models import Company


class CompanyAddress(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="addresses", verbose_name="会社")
    site_name = models.CharField("会社名・事業所名", max_length=200)
    department = models.CharField("部署名", max_length=100, blank=True)
    recipient_name = models.CharField("ご担当者名", max_length=100)
    postcode = models.CharField("郵便番号", max_length=8, help_text="123-4567 の形で保存します。")
    address = models.CharField("住所", max_length=255, help_text="都道府県から番地・建物名まで")
    phone = models.CharField("電話番号", max_length=20, blank=True)
    is_default = models.BooleanField("既定の配送先", default=False)
    # The hidden key of the form that created the address: a double submit never makes a second row.
    submission_key = models.UUIDField("送信キー", unique=True, null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="登録者",
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        ordering = ["-is_default", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company"], condition=Q(is_default=True), name="addressbook_one_default_per_company"
            ),
        ]
        verbose_name = "配送先"
        verbose_name_plural = "アドレス帳"

    def __str__(self) -> str:
        name = f"{self.site_name} {self.department}".strip()
        return f"{name}（〒{self.postcode} {self.address}）"

    @property
    def label_lines(self) -> list[str]:
        """The address as it goes on a delivery slip, line by line."""
        lines = [f"〒{self.postcode}", self.address, self.site_name]
        if self.department:
            lines.append(self.department)
        lines.append(f"{self.recipient_name} 様")
        if self.phone:
            lines.append(f"TEL {self.phone}")
        return lines
