from django import forms

from shop.quotes import resale


class OrderFromQuoteForm(forms.Form):
    """What a buyer adds when ordering a quote: their PO number, a comment, the resale declaration (O3, Q6)."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    purchase_order_number = forms.CharField(label="発注書番号", max_length=64, required=False)
    comment = forms.CharField(
        label="注文コメント",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "納期のご希望など"}),
    )
    for_resale = forms.BooleanField(label="再販売として購入する", required=False)
    end_user_name = forms.CharField(label="エンドユーザー名", max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("for_resale") and not (data.get("end_user_name") or "").strip():
            self.add_error("end_user_name", resale.END_USER_REQUIRED)
        return data
