"""Buyer sign-in with お客様ID (M3, M12)."""

import unicodedata

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm

from shop.companies import activation

from . import ratelimits

GENERIC_FAILURE = "お客様IDまたはパスワードが正しくありません。"


class BuyerAuthenticationForm(AuthenticationForm):
    """The same message for a wrong ID and a wrong password (M12).

    The one exception is the spec's: an account whose first password was not
    set within 72 hours is told so and sent to the shop (M3); that notice comes
    only after the attempt was counted by django-axes (see `clean`).
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
        """Authenticate first, so every attempt goes through django-axes (M12); explain a pending first password
        only afterwards (M3): such an account can never authenticate, so the notice costs a counted failure."""
        try:
            return super().clean()
        except forms.ValidationError:
            code = self._first_password_notice()
            if code is None:
                raise
            raise forms.ValidationError(self.error_messages[code], code=code) from None

    def _first_password_notice(self) -> str | None:
        """'password_not_set' / 'credential_expired' for an account still waiting for its first password, else None.

        Never while the address is locked out for this ID, and at most KOBAI_RATELIMIT_PER_ADDRESS notices
        per client address: beyond that the generic message, so the notice cannot be used to list IDs.
        """
        if self.request is None or getattr(self.request, "axes_locked_out", False):
            return None
        username = self.cleaned_data.get("username") or ""
        user = get_user_model().objects.filter(username=username).select_related("member").first()
        member = getattr(user, "member", None) if user is not None else None
        if member is None or member.password_deadline is None or user.has_usable_password():
            return None
        if ratelimits.over_limit(self.request, group=ratelimits.FIRST_PASSWORD_NOTICE):
            return None
        return "credential_expired" if activation.is_expired(member) else "password_not_set"
