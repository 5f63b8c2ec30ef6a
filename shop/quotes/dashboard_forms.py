"""Dashboard forms for custom quotes (個別見積, Q5).

The forms only read and tidy what staff typed (a 商品コード becomes a
product); the business rules (prices, end of sale, validity, totals) are
`custom.create_custom_quote`'s.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from oscar.core.loading import get_model

from shop.companies.models import Company

from . import custom
from .models import VALIDITY

Product = get_model("catalogue", "Product")

EXTRA_ROWS = 5
MAX_ROWS = 100


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def default_valid_until():
    return timezone.localtime().replace(second=0, microsecond=0) + VALIDITY


class YenField(forms.DecimalField):
    """Tax-exclusive yen: accepts 1,200 / １２００ / ¥1200 / 1200円."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 0)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = _nfkc(value).replace(",", "").replace("¥", "").replace("円", "")
        return super().to_python(value)


class CustomQuoteForm(forms.Form):
    company = forms.ModelChoiceField(
        label="宛先の法人",
        queryset=Company.objects.filter(status=Company.Status.ACTIVE).order_by("name"),
        empty_label="法人を選択してください",
        error_messages={"required": "法人を選択してください。", "invalid_choice": "有効な法人を選択してください。"},
    )
    valid_until = forms.DateTimeField(
        label="有効期限",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": "有効期限を入力してください。",
            "invalid": "有効期限は日付と時刻で入力してください。",
        },
        help_text="初期値は発行から7日後です。",
    )
    note = forms.CharField(
        label="備考",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_valid_until(self):
        value = self.cleaned_data["valid_until"]
        if value <= timezone.now():
            raise ValidationError("有効期限は現在より後の日時を指定してください。", code="valid_until")
        return value


class QuoteLineForm(forms.Form):
    """One row: a 商品コード (with quantity and an optional price) or a free-text item."""

    code = forms.CharField(label="商品コード", required=False, max_length=64)
    name = forms.CharField(label="名称", required=False, max_length=255)
    maker_name = forms.CharField(label="メーカ", required=False, max_length=128)
    unit_price = YenField(label="単価(税抜)", required=False)
    quantity = forms.IntegerField(
        label="数量", required=False, min_value=1, max_value=999999, widget=forms.NumberInput(attrs={"min": 1})
    )
    note = forms.CharField(label="備考", required=False, max_length=255)

    FIELDS = ("code", "name", "maker_name", "unit_price", "quantity", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
        self.spec: custom.CatalogueLine | custom.FreeTextLine | None = None

    def clean(self):
        data = super().clean()
        code = _nfkc(data.get("code", ""))
        name = (data.get("name") or "").strip()
        maker_name = (data.get("maker_name") or "").strip()
        unit_price = data.get("unit_price")
        quantity = data.get("quantity")
        note = (data.get("note") or "").strip()
        if self.errors or not any([code, name, maker_name, unit_price is not None, quantity is not None, note]):
            return data  # a field is wrong (already reported) or the row is unused
        if quantity is None:
            self.add_error("quantity", "数量を入力してください。")
        if code:
            if name or maker_name:
                self.add_error(
                    "name", "商品コードを入力した行では名称・メーカは入力できません（カタログの内容を使います）。"
                )
            product = Product.objects.filter(upc=code).first() or (
                Product.objects.filter(upc__iexact=code).order_by("pk").first()
            )
            if product is None:
                self.add_error("code", f"「{code}」は見つかりません。")
            if not self.errors:
                self.spec = custom.CatalogueLine(product=product, quantity=quantity, unit_price=unit_price, note=note)
            return data
        if not name:
            self.add_error("name", "商品コードか、カタログ外の品目の名称を入力してください。")
        if unit_price is None:
            self.add_error("unit_price", "カタログ外の品目には単価を入力してください。")
        if not self.errors:
            self.spec = custom.FreeTextLine(
                name=name, maker_name=maker_name, unit_price=unit_price, quantity=quantity, note=note
            )
        return data


class BaseQuoteLineFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not any(form.spec for form in self.forms):
            raise ValidationError("明細を1行以上入力してください。", code="no_lines")

    def filled(self) -> list[QuoteLineForm]:
        """The rows that hold a line, in screen order."""
        return [form for form in self.forms if form.spec is not None]


QuoteLineFormSet = forms.formset_factory(
    QuoteLineForm, formset=BaseQuoteLineFormSet, extra=0, max_num=MAX_ROWS, validate_max=True, absolute_max=MAX_ROWS
)


def rows_from(data, prefix: str = "lines") -> list[dict]:
    """The rows as typed, to show them again with more empty rows (「行を追加」)."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), MAX_ROWS)
    except (TypeError, ValueError):
        total = 0
    return [{name: data.get(f"{prefix}-{i}-{name}", "") for name in QuoteLineForm.FIELDS} for i in range(total)]


def blank_rows(count: int = EXTRA_ROWS) -> list[dict]:
    return [{} for _ in range(count)]
