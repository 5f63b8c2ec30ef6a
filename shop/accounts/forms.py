"""Buyer sign-in with お客様ID (M3, M12)."""

import unicodedata

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm

from shop.companies import activation

GENERIC_FAILURE = "お客様IDまたはパスワードが正しくありません。"


class BuyerAuthenticationForm(AuthenticationForm):
    """The same message for a wrong ID and a wrong password (M12).

    The one exception is the spec's: an account whose first password was not
    set within 72 hours is told so and sent to the shop (M3).
    """

    username = forms.CharField(
        label="お客様ID",
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "class": "form-control"}),
    )
    password = forms.CharField(
        label="パスワード",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "class": "form-control"}),
    )
    error_messages = {
        "invalid_login": GENERIC_FAILURE,
        "inactive": GENERIC_FAILURE,
        "credential_expired": "パスワード設定の有効期限（72時間）が切れています。お手数ですが、当店までメールでご連絡ください。",
        "password_not_set": "初回パスワードがまだ設定されていません。会員登録完了メールのリンクから設定してください。",
    }

    def clean_username(self):
        """NFKC and case-insensitive: the stored spelling of the お客様ID that was typed."""
        typed = unicodedata.normalize("NFKC", self.cleaned_data.get("username") or "").strip()
        stored = get_user_model().objects.filter(username__iexact=typed).values_list("username", flat=True).first()
        return stored or typed

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        user = get_user_model().objects.filter(username=username).select_related("member").first()
        member = getattr(user, "member", None) if user is not None else None
        if member is not None and member.password_deadline is not None and not user.has_usable_password():
            code = "credential_expired" if activation.is_expired(member) else "password_not_set"
            raise forms.ValidationError(self.error_messages[code], code=code)
        return super().clean()
