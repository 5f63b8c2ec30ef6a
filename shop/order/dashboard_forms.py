"""Staff forms on the dashboard order page: a status move (O7), a cancel (O5), a line's contract period (O6)."""

from __future__ import annotations

from django import forms

from . import contracts, fulfilment, status

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
MESSAGE_MAX = 5000


def _date_field(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"),
        error_messages={"invalid": "日付を YYYY-MM-DD の形で入力してください。"},
    )


class StatusMoveForm(forms.Form):
    """The moves staff may make from the order's current status, never cancel (see shop.order.fulfilment)."""

    to = forms.ChoiceField(
        label="新しい状況",
        widget=forms.Select(attrs={"class": "form-control"}),
        error_messages={"required": "新しい状況を選んでください。", "invalid_choice": "その状況には変更できません。"},
    )
    delivery_date = _date_field(
        "納期（任意）", "入力するとお客様へのメールと、この注文のお問い合わせスレッドに記載します。"
    )
    message = forms.CharField(
        label="お客様へのメッセージ（任意）",
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        help_text="メールに記載し、この注文のお問い合わせスレッドにも投稿します。",
        error_messages={"max_length": f"{MESSAGE_MAX}文字以内で入力してください。"},
    )

    def __init__(self, *args, order, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(value, status.label(value)) for value in fulfilment.staff_moves(order.status)]


class CancelForm(forms.Form):
    """キャンセル (O5): staff only, with the reason the buyer is told (shop.order.cancellation)."""

    reason = forms.CharField(
        label="キャンセル理由（お客様にメールでお知らせします）",
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={
            "required": "キャンセルの理由を入力してください。",
            "max_length": f"{MESSAGE_MAX}文字以内で入力してください。",
        },
    )


class ContractPeriodForm(forms.Form):
    """One licence line's 契約開始日 / 契約終了日; an empty end is start + term − 1 day."""

    start = _date_field("契約開始日")
    end = _date_field("契約終了日", "空欄なら契約開始日と商品の契約期間から計算します。")

    def __init__(self, *args, line, **kwargs):
        kwargs.setdefault("prefix", f"line-{line.pk}")
        kwargs.setdefault("initial", {"start": line.contract_start, "end": line.contract_end})
        super().__init__(*args, **kwargs)
        self.line = line

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors:
            return cleaned
        try:
            if start is not None and end is None:
                end = contracts.default_end(start, contracts.term_of(self.line))
            contracts.check_period(start=start, end=end)
        except contracts.PeriodRefused as refused:
            raise forms.ValidationError(refused.message) from refused
        return cleaned

    @property
    def is_changed(self) -> bool:
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        if start is not None and end is None:
            end = contracts.default_end(start, contracts.term_of(self.line))
        return (start, end) != (self.line.contract_start, self.line.contract_end)
