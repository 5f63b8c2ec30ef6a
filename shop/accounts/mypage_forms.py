"""Forms of the 「マイページ」 account settings (M4).

Every form is bound to the signed-in user. The forms that change a credential
(login ID, email address) ask for the current password; the password form is
Django's PasswordChangeForm with Japanese labels. Each form is safe to submit
twice: submitting the value that is already stored is accepted and changes
nothing.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordChangeForm

from .jp_validators import PhoneNumberField

LOGIN_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{4,30}")
LOGIN_ID_FORMAT_MESSAGE = (
    "お客様IDは4〜30文字の半角英数字と「-」（ハイフン）「_」（アンダーバー）「.」（ドット）で入力してください。"
)
LOGIN_ID_TAKEN_MESSAGE = "このお客様IDは既に使われています。別のお客様IDを入力してください。"
WRONG_PASSWORD_MESSAGE = "現在のパスワードが正しくありません。もう一度入力してください。"
SAME_EMAIL_MESSAGE = "現在ご登録のメールアドレスと同じです。新しいメールアドレスを入力してください。"


def _control(attrs: dict | None = None) -> dict:
    return {"class": "form-control", **(attrs or {})}


def _nfkc(value):
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


class CurrentPasswordMixin(forms.Form):
    """A 「現在のパスワード」 field checked against the signed-in user."""

    current_password = forms.CharField(
        label="現在のパスワード",
        strip=False,
        widget=forms.PasswordInput(attrs=_control({"autocomplete": "current-password"})),
        error_messages={"required": "現在のパスワードを入力してください。"},
    )

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(WRONG_PASSWORD_MESSAGE, code="password_incorrect")
        return password


class LoginIdChangeForm(CurrentPasswordMixin):
    """「IDの変更」: a new お客様ID, unique regardless of upper/lower case."""

    login_id = forms.CharField(
        label="新しいお客様ID",
        max_length=60,  # room for full-width input; the cleaned ID is at most 30
        widget=forms.TextInput(attrs=_control({"autocomplete": "username", "autocapitalize": "none"})),
        help_text="4〜30文字の半角英数字と「-」「_」「.」が使えます（全角で入力しても半角に変換します）。",
        error_messages={"required": "新しいお客様IDを入力してください。", "max_length": LOGIN_ID_FORMAT_MESSAGE},
    )
    field_order = ["login_id", "current_password"]

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_login_id(self):
        login_id = _nfkc(self.cleaned_data["login_id"])
        if not LOGIN_ID_PATTERN.fullmatch(login_id):
            raise forms.ValidationError(LOGIN_ID_FORMAT_MESSAGE, code="invalid_login_id")
        taken = get_user_model().objects.filter(username__iexact=login_id).exclude(pk=self.user.pk).exists()
        if taken:
            raise forms.ValidationError(LOGIN_ID_TAKEN_MESSAGE, code="login_id_taken")
        return login_id

    @property
    def unchanged(self) -> bool:
        return self.cleaned_data["login_id"] == self.user.username


class JapanesePasswordChangeForm(PasswordChangeForm):
    """「パスワードの変更」: Django's form with Japanese labels and messages.

    Sending the form twice (a double click) finds the old password already
    replaced; if the new password given is the one now stored, the change has
    simply been made already and the form is accepted as such.
    """

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": WRONG_PASSWORD_MESSAGE,
        "password_mismatch": "新しいパスワードと確認用のパスワードが一致しません。",
    }

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.already_changed = False
        labels = {
            "old_password": "現在のパスワード",
            "new_password1": "新しいパスワード",
            "new_password2": "新しいパスワード（確認）",
        }
        required = {
            "old_password": "現在のパスワードを入力してください。",
            "new_password1": "新しいパスワードを入力してください。",
            "new_password2": "確認のため、新しいパスワードをもう一度入力してください。",
        }
        for name, field in self.fields.items():
            field.label = labels[name]
            field.error_messages["required"] = required[name]
            field.widget.attrs["class"] = "form-control"
        self.fields["new_password2"].help_text = "確認のため、同じパスワードをもう一度入力してください。"

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if not self.user.check_password(old_password):
            new1, new2 = self.data.get("new_password1"), self.data.get("new_password2")
            if new1 and new1 == new2 and self.user.check_password(new1):
                self.already_changed = True
                return old_password
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class JapaneseEmailField(forms.EmailField):
    """An email field that accepts full-width input (NFKC) and lower-cases the domain."""

    def to_python(self, value):
        value = super().to_python(_nfkc(value))
        if value:
            local, _, domain = value.rpartition("@")
            value = f"{local}@{domain.lower()}"
        return value


class EmailChangeForm(CurrentPasswordMixin):
    """「メールアドレスの変更」: the new address is confirmed by a link sent to it."""

    email = JapaneseEmailField(
        label="新しいメールアドレス",
        max_length=254,
        widget=forms.EmailInput(attrs=_control({"autocomplete": "email"})),
        help_text="入力したアドレスに確認用のリンクをお送りします。リンクを開くと変更が完了します（有効期限24時間）。",
        error_messages={
            "required": "新しいメールアドレスを入力してください。",
            "invalid": "メールアドレスの形式が正しくありません（例: taro.yamada@example.co.jp）。",
            "max_length": "メールアドレスが長すぎます（254文字以内）。",
        },
    )
    field_order = ["email", "current_password"]

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"]
        if email.lower() == (self.user.email or "").lower():
            raise forms.ValidationError(SAME_EMAIL_MESSAGE, code="same_email")
        return email


class ProfileForm(forms.Form):
    """「お客様情報変更」: name on the user; department, job title and phone on the member."""

    last_name = forms.CharField(
        label="氏名（姓）",
        max_length=150,
        widget=forms.TextInput(attrs=_control({"autocomplete": "family-name"})),
        error_messages={
            "required": "氏名（姓）を入力してください。",
            "max_length": "氏名（姓）は150文字以内で入力してください。",
        },
    )
    first_name = forms.CharField(
        label="氏名（名）",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs=_control({"autocomplete": "given-name"})),
        error_messages={"max_length": "氏名（名）は150文字以内で入力してください。"},
    )
    department = forms.CharField(
        label="部署名",
        max_length=100,
        widget=forms.TextInput(attrs=_control({"autocomplete": "organization-title"})),
        error_messages={
            "required": "部署名を入力してください。",
            "max_length": "部署名は100文字以内で入力してください。",
        },
    )
    job_title = forms.CharField(
        label="役職名",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs=_control()),
        error_messages={"max_length": "役職名は100文字以内で入力してください。"},
    )
    phone = PhoneNumberField(
        label="電話番号",
        widget=forms.TextInput(attrs=_control()),
        help_text="例: 03-1234-5678（全角でも入力できます）",
        error_messages={"required": "電話番号を入力してください。", "max_length": "電話番号が長すぎます。"},
    )

    def __init__(self, member, *args, **kwargs):
        self.member = member
        user = member.user
        kwargs["initial"] = {
            "last_name": user.last_name,
            "first_name": user.first_name,
            "department": member.department,
            "job_title": member.job_title,
            "phone": member.phone,
            **(kwargs.get("initial") or {}),
        }
        super().__init__(*args, **kwargs)

    def save(self):
        data = self.cleaned_data
        user = self.member.user
        user.last_name, user.first_name = data["last_name"], data["first_name"]
        user.save(update_fields=["last_name", "first_name"])
        member = self.member
        member.department, member.job_title, member.phone = data["department"], data["job_title"], data["phone"]
        member.save(update_fields=["department", "job_title", "phone"])
        return member
