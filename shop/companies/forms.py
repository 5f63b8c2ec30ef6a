"""The membership application form 「新規会員登録」 (M1)."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from shop.accounts.jp_validators import PhoneNumberField, PostalCodeField

from .models import MembershipApplication

BLOCKS = {
    "company": ["company_name", "company_postcode", "company_address", "representative_name"],
    "applicant": ["applicant_name", "applicant_department", "applicant_email", "applicant_phone"],
    "authority": ["authority_name", "authority_department", "authority_title", "authority_email", "authority_phone"],
}
LABELS = {
    "company_name": "法人名",
    "company_postcode": "郵便番号",
    "company_address": "所在地住所",
    "representative_name": "代表者氏名",
    "applicant_name": "氏名",
    "applicant_department": "部署名",
    "applicant_email": "Eメールアドレス",
    "applicant_phone": "電話番号",
    "authority_name": "氏名",
    "authority_department": "部署名",
    "authority_title": "役職名",
    "authority_email": "Eメールアドレス",
    "authority_phone": "電話番号",
}


class MembershipApplicationForm(forms.ModelForm):
    company_postcode = PostalCodeField(label="郵便番号")
    applicant_phone = PhoneNumberField(label="電話番号")
    authority_phone = PhoneNumberField(label="電話番号")
    submission_key = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    agree = forms.BooleanField(label=_("I confirm that the company's details are correct."), required=True)

    class Meta:
        model = MembershipApplication
        fields = [name for block in BLOCKS.values() for name in block]
        labels = LABELS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name in ("submission_key", "agree"):
                continue
            field.widget.attrs.setdefault("class", "form-control")
            if name.endswith("_email"):
                field.widget.attrs["autocomplete"] = "email"
        self.fields["agree"].error_messages["required"] = "内容を確認のうえ、チェックを入れてください。"

    def clean(self):
        cleaned = super().clean()
        for name in ("company_name", "company_address", "representative_name", "applicant_name", "authority_name"):
            if name in cleaned:
                cleaned[name] = " ".join(cleaned[name].split())
        return cleaned

    def blocks(self):
        titles = {"company": "法人情報", "applicant": "お申し込み者", "authority": "発注権限者"}
        return [(key, titles[key], [self[name] for name in names]) for key, names in BLOCKS.items()]
