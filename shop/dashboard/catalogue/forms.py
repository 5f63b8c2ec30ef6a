"""Staff edit the B2B product facts (C1) on Oscar's product form."""

from oscar.apps.dashboard.catalogue import forms as oscar_forms

B2B_FIELDS = [
    "maker",
    "licence_kind",
    "term_months",
    "unit",
    "reference_price",
    "requires_pre_application",
    "resale_restricted",
    "ships_physically",
    "sale_ends_at",
]


class ProductForm(oscar_forms.ProductForm):
    class Meta(oscar_forms.ProductForm.Meta):
        fields = oscar_forms.ProductForm.Meta.fields + B2B_FIELDS

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("licence_kind")
        if kind in ("subscription", "maintenance") and not cleaned.get("term_months"):
            self.add_error("term_months", "サブスクリプションと保守には契約期間（月）を入力してください。")
        return cleaned
