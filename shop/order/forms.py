"""The order form (O3), the same for a basket checkout and for ordering a quote."""

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from shop.addressbook.models import CompanyAddress
from shop.attachments import services as attachment_services
from shop.attachments.forms import ApplicationDocumentsField
from shop.quotes import resale

from . import placement

Order = get_model("order", "Order")

DOCUMENTS_NOT_KEPT = _("Some of the files uploaded earlier are no longer available. Please choose the files again.")


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
        self._check_kept_documents(data.get("document_ids") or "")
        return data

    def _check_kept_documents(self, raw_ids: str):
        """Files kept from an earlier try must still be this member's own unbound uploads (M6).

        Another company's, a colleague's, an already-bound or a purged file is not silently dropped:
        the form asks for the files again, carrying on only the ones still kept.
        """
        ids = {raw.strip().lower() for raw in raw_ids.split(",") if raw.strip()}
        if not ids:
            return
        kept = attachment_services.unbound_for(company=self.member.company, user=self.member.user, ids=ids)
        if len(kept) != len(ids):
            self.add_error("documents", DOCUMENTS_NOT_KEPT)
            self.data = self.data.copy()
            self.data["document_ids"] = ",".join(str(doc.pk) for doc in kept)

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
