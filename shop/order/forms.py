"""The order form (O3), the same for a basket checkout and for ordering a quote."""

from django import forms
from oscar.core.loading import get_model

from shop.addressbook.models import CompanyAddress
from shop.attachments.forms import ApplicationDocumentsField
from shop.quotes import resale

from . import placement

Order = get_model("order", "Order")


class AddressChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class CheckoutForm(forms.Form):
    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    delivery_address = AddressChoiceField(
        label="お届け先",
        queryset=CompanyAddress.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "お届け先を選んでください。", "invalid_choice": "お届け先を選び直してください。"},
    )
    payment_method = forms.ChoiceField(
        label="お支払い方法",
        choices=Order.PaymentMethod.choices,
        widget=forms.RadioSelect,
        initial=Order.PaymentMethod.INVOICE,
        error_messages={"required": "お支払い方法を選んでください。"},
    )
    card_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=128)
    purchase_order_number = forms.CharField(label="発注書番号", max_length=64, required=False)
    comment = forms.CharField(
        label="注文コメント",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "納期のご希望など"}),
    )
    for_resale = forms.BooleanField(label="再販売として購入する", required=False)
    end_user_name = forms.CharField(label="エンドユーザー名", max_length=200, required=False)
    documents = ApplicationDocumentsField()
    # files already uploaded with an earlier try of this form (kept when the order was refused)
    document_ids = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member
        addresses = CompanyAddress.objects.filter(company=member.company).order_by("-is_default", "pk")
        self.fields["delivery_address"].queryset = addresses
        default = next((a for a in addresses if a.is_default), None)
        if default is not None:
            self.fields["delivery_address"].initial = default.pk
        self.card_allowed = placement.card_allowed(member)
        for field in self.fields.values():
            if not isinstance(
                field.widget, forms.RadioSelect | forms.CheckboxInput | forms.HiddenInput | forms.FileInput
            ):
                field.widget.attrs.setdefault("class", "form-control")

    def clean(self):
        data = super().clean()
        if data.get("for_resale") and not (data.get("end_user_name") or "").strip():
            self.add_error("end_user_name", resale.END_USER_REQUIRED)
        if data.get("payment_method") == Order.PaymentMethod.CARD:
            if not self.card_allowed:
                self.add_error("payment_method", placement.CARD_NOT_ALLOWED)
            elif not data.get("card_token"):
                self.add_error("payment_method", "カード情報を入力してください。")
        return data

    def details(self, *, attachments=()) -> placement.OrderDetails:
        data = self.cleaned_data
        return placement.OrderDetails(
            purchase_order_number=data["purchase_order_number"],
            comment=data["comment"],
            for_resale=data["for_resale"],
            end_user_name=data["end_user_name"],
            payment_method=data["payment_method"],
            delivery_address="\n".join(data["delivery_address"].label_lines),
            card_token=data.get("card_token", ""),
            attachments=tuple(attachments),
        )
