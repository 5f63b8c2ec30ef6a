"""Staff edit the B2B product facts (C1) on Oscar's product form."""

from django import forms
from django.core.exceptions import ValidationError
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


class FiniteDecimalField(forms.DecimalField):
    """Django's DecimalField, refusing NaN and the infinities already when parsing.

    Django refuses them only in validate(); has_changed(), which a formset calls on each of its forms,
    compares the parsed value with the initial one before that, and comparing a Decimal with
    Decimal("sNaN") raises InvalidOperation: a stock record's price of "sNaN" answered 500.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not value.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


class StockRecordForm(oscar_forms.StockRecordForm):
    class Meta(oscar_forms.StockRecordForm.Meta):
        field_classes = {"price": FiniteDecimalField}
