"""The delivery address form 「新しい配送先を登録する」 / 「配送先を編集する」 (M8)."""

import uuid

from django import forms

from shop.accounts.jp_validators import PhoneNumberField, PostalCodeField

from .models import CompanyAddress

PREFECTURES = (
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
)

REQUIRED_MESSAGES = {
    "site_name": "会社名・事業所名を入力してください。配送先は会社・事業所に限ります。",
    "recipient_name": "ご担当者名を入力してください。",
    "postcode": "郵便番号を入力してください。",
    "address": "住所を入力してください。",
    "phone": "電話番号を入力してください。",
}
ADDRESS_MESSAGE = "住所は都道府県名から入力してください（例: 東京都千代田区丸の内2-3-4 サンプルビル5階）。"
SUBMISSION_MESSAGE = "送信内容を確認できませんでした。お手数ですが、もう一度入力して登録してください。"


class CompanyAddressForm(forms.ModelForm):
    postcode = PostalCodeField(label="郵便番号", help_text="例: 100-0005（全角でも入力できます）")
    phone = PhoneNumberField(label="電話番号", help_text="例: 03-1234-5678。配送業者からの連絡に使います。")

    class Meta:
        model = CompanyAddress
        fields = ["site_name", "department", "recipient_name", "postcode", "address", "phone"]
        help_texts = {
            "site_name": "例: 株式会社サンプル商事 大阪支店。個人宅へはお届けできません。",
            "department": "例: 情報システム部",
            "address": "都道府県から番地・建物名・階数までご入力ください。",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.widget.is_hidden or isinstance(field.widget, forms.CheckboxInput):
                continue
            field.widget.attrs.setdefault("class", "form-control")
            if name in REQUIRED_MESSAGES:
                field.error_messages["required"] = REQUIRED_MESSAGES[name]
        self.fields["site_name"].widget.attrs["autocomplete"] = "organization"
        self.fields["address"].widget.attrs["autocomplete"] = "street-address"

    def clean(self):
        cleaned = super().clean()
        for name in ("site_name", "department", "recipient_name", "address"):
            if cleaned.get(name):
                cleaned[name] = " ".join(cleaned[name].split())
        return cleaned

    def clean_address(self):
        address = " ".join(self.cleaned_data["address"].split())
        if not address.startswith(PREFECTURES):
            raise forms.ValidationError(ADDRESS_MESSAGE, code="prefecture")
        return address

    def address_fields(self):
        """The visible address fields, in order, for the template."""
        return [self[name] for name in self.Meta.fields]


class CompanyAddressCreateForm(CompanyAddressForm):
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    make_default = forms.BooleanField(label="この配送先を既定の配送先にする", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission_key"].error_messages["required"] = SUBMISSION_MESSAGE
        self.fields["submission_key"].error_messages["invalid"] = SUBMISSION_MESSAGE
