"""Inquiry forms: a new inquiry (C4, I1) and a message in its thread (I2)."""

from django import forms

from shop.accounts.jp_validators import PhoneNumberField

from .models import Inquiry

PRE_APPLICATION_PLACEHOLDER = (
    "利用予定数：（例）50ライセンス\n"
    "用途：（例）全社員のメール・ファイル共有\n"
    "ご利用開始希望日：（例）2026年12月1日\n"
    "エンドユーザー名（再販の場合）：\n"
    "その他ご質問・ご要望："
)
PRE_APPLICATION_HELP = (
    "利用予定数、用途、ご利用開始希望日などをご記入ください。内容を確認のうえ、当店からお見積りなどをご連絡します。"
)
BODY_MAX = 5000


def _body_field(label: str, placeholder: str = "", required_message: str = "内容を入力してください。"):
    return forms.CharField(
        label=label,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8, "class": "form-control", "placeholder": placeholder}),
        error_messages={
            "required": required_message,
            "max_length": f"{BODY_MAX}文字以内で入力してください。",
        },
    )


CATEGORY_CHOICES = [(value, label) for value, label in Inquiry.Category.choices if value != "pre-application"]


def _category_field():
    return forms.ChoiceField(
        label="お問い合わせの種別",
        choices=CATEGORY_CHOICES,
        initial=Inquiry.Category.PRODUCT,
        widget=forms.Select(attrs={"class": "form-control"}),
        error_messages={"required": "種別を選んでください。", "invalid_choice": "種別を選び直してください。"},
    )


class InquiryForm(forms.Form):
    category = _category_field()
    subject = forms.CharField(
        label="件名",
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "（例）ライセンスの追加購入について"}),
        error_messages={"required": "件名を入力してください。", "max_length": "件名は200文字以内で入力してください。"},
    )
    body = _body_field("お問い合わせ内容", required_message="お問い合わせ内容を入力してください。")

    def __init__(self, *args, product=None, order=None, **kwargs):
        super().__init__(*args, **kwargs)
        if product is not None or order is not None:  # bound to a product or an order: that decides the category
            del self.fields["category"]
        if product is not None and product.requires_pre_application:
            self.fields["body"].widget.attrs["placeholder"] = PRE_APPLICATION_PLACEHOLDER
            self.fields["body"].help_text = PRE_APPLICATION_HELP


class VisitorInquiryForm(forms.Form):
    """I1: a pre-sales question from someone who is not (yet) a member; the answer goes to their email."""

    company_name = forms.CharField(
        label="会社名",
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": "会社名を入力してください。"},
    )
    name = forms.CharField(
        label="お名前",
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": "お名前を入力してください。"},
    )
    email = forms.EmailField(
        label="メールアドレス",
        widget=forms.EmailInput(attrs={"class": "form-control"}),
        error_messages={
            "required": "メールアドレスを入力してください。",
            "invalid": "メールアドレスの形式が正しくありません。",
        },
    )
    phone = PhoneNumberField(label="電話番号", required=False)
    category = _category_field()
    subject = InquiryForm.base_fields["subject"]
    body = _body_field("お問い合わせ内容", required_message="お問い合わせ内容を入力してください。")
    # left empty by people; filled by form-filling robots (hidden with CSS, not with type=hidden)
    website = forms.CharField(required=False, label="ウェブサイト（入力しないでください）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.setdefault("class", "form-control")


class MessageForm(forms.Form):
    body = _body_field("返信内容", required_message="返信内容を入力してください。")


class StaffAnswerForm(forms.Form):
    body = _body_field("回答内容（お客様にメールでお知らせします）", required_message="回答内容を入力してください。")
