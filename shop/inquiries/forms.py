"""Inquiry forms: a new inquiry (C4, I1) and a message in its thread (I2)."""

from django import forms

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


class InquiryForm(forms.Form):
    subject = forms.CharField(
        label="件名",
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "（例）ライセンスの追加購入について"}),
        error_messages={"required": "件名を入力してください。", "max_length": "件名は200文字以内で入力してください。"},
    )
    body = _body_field("お問い合わせ内容", required_message="お問い合わせ内容を入力してください。")

    def __init__(self, *args, product=None, **kwargs):
        super().__init__(*args, **kwargs)
        if product is not None and product.requires_pre_application:
            self.fields["body"].widget.attrs["placeholder"] = PRE_APPLICATION_PLACEHOLDER
            self.fields["body"].help_text = PRE_APPLICATION_HELP


class MessageForm(forms.Form):
    body = _body_field("返信内容", required_message="返信内容を入力してください。")


class StaffAnswerForm(forms.Form):
    body = _body_field("回答内容（お客様にメールでお知らせします）", required_message="回答内容を入力してください。")
