"""「マイページ」 account settings (M4).

Only company members have a my page: a signed-in user without a Member row
(shop staff, CMS editors) gets 404, an anonymous visitor goes to login.

Changing the email address is confirmed by a link sent to the new address.
The link carries a token signed with django.core.signing (timestamped, own
salt) holding the user's pk, the new address and the address at the time of
the request, so it is valid for 24 hours and dies as soon as the address
changes by any route (including by another link). Applying it emails the
old address.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.core import signing
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from shop.companies.access import MemberRequiredMixin
from shop.notifications import mail
from shop.order import contracts

from .mypage_forms import (
    LOGIN_ID_TAKEN_MESSAGE,
    EmailChangeForm,
    JapanesePasswordChangeForm,
    LoginIdChangeForm,
    ProfileForm,
)

EMAIL_CHANGE_SALT = "kobai.accounts.mypage.email-change"
EMAIL_CHANGE_MAX_AGE = timedelta(hours=24)


def email_change_token(user, new_email: str) -> str:
    """A signed, timestamped token for changing ``user``'s address to ``new_email``."""
    return signing.dumps({"u": user.pk, "new": new_email, "old": user.email}, salt=EMAIL_CHANGE_SALT, compress=True)


def read_email_change_token(token: str) -> tuple[dict | None, str | None]:
    """(payload, problem): problem is None, 'expired' or 'invalid'."""
    try:
        payload = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
    except signing.SignatureExpired:
        return None, "expired"
    except signing.BadSignature:
        return None, "invalid"
    if not isinstance(payload, dict) or not {"u", "new", "old"} <= payload.keys():
        return None, "invalid"
    return payload, None


class MyPageMixin(MemberRequiredMixin):
    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["active_tab"] = getattr(self, "active_tab", "")
        return ctx


class MyPageIndexView(MyPageMixin, TemplateView):
    template_name = "accounts/mypage/index.html"
    active_tab = "index"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["ending_contracts"] = contracts.ending_soon(company=self.company)  # O8
        return ctx


class UserFormMixin(MemberRequiredMixin):
    success_url = "mypage:index"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.member.user
        return kwargs

    def done(self, message: str):
        messages.success(self.request, message)
        return redirect(self.success_url)


def notify_change(member, *, template: str, to: str, **context) -> None:
    """Tell the account holder that their account changed (and whom to call if it was not them)."""
    context = {"user": member.user, "company": member.company, "changed_at": timezone.now(), **context}
    mail.queue(template=template, to=to, context=context)


class ChangeLoginIdView(UserFormMixin, FormView):
    template_name = "accounts/mypage/change_login_id.html"
    form_class = LoginIdChangeForm
    active_tab = "login-id"

    def form_valid(self, form):
        user = self.member.user
        new_id = form.cleaned_data["login_id"]
        if not form.unchanged:
            old_id = user.username
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        user.username = new_id
                        user.save(update_fields=["username"])
                except IntegrityError:  # taken by someone else between the check and the save
                    user.username = old_id
                    form.add_error("login_id", LOGIN_ID_TAKEN_MESSAGE)
                    return self.form_invalid(form)
                if user.email:
                    notify_change(self.member, template="account_login_id_changed", to=user.email, old_login_id=old_id)
        return self.done(f"お客様IDを「{new_id}」に変更しました。次回から新しいお客様IDでログインしてください。")


class ChangePasswordView(UserFormMixin, FormView):
    template_name = "accounts/mypage/change_password.html"
    form_class = JapanesePasswordChangeForm
    active_tab = "password"

    def form_valid(self, form):
        if not form.already_changed:
            with transaction.atomic():
                user = form.save()
                if user.email:
                    notify_change(self.member, template="account_password_changed", to=user.email, user=user)
            update_session_auth_hash(self.request, user)
        return self.done("パスワードを変更しました。")


class ChangeEmailView(UserFormMixin, FormView):
    template_name = "accounts/mypage/change_email.html"
    form_class = EmailChangeForm
    active_tab = "email"

    def form_valid(self, form):
        user = self.member.user
        new_email = form.cleaned_data["email"]
        token = email_change_token(user, new_email)
        with transaction.atomic():
            mail.queue(
                template="account_email_confirm",
                to=new_email,
                context={
                    "user": user,
                    "company": self.member.company,
                    "new_email": new_email,
                    "link": mail.site_url(reverse("mypage:confirm-email", kwargs={"token": token})),
                    "expires_at": timezone.now() + EMAIL_CHANGE_MAX_AGE,
                },
            )
        return self.done(
            f"{new_email} 宛てに確認メールをお送りしました。メールに記載のリンクを24時間以内に開くと、変更が完了します。"
            "それまでは現在のメールアドレスのままです。"
        )


class ConfirmEmailView(MyPageMixin, View):
    """Applies an email change when its link is opened by the signed-in owner."""

    template_name = "accounts/mypage/confirm_email.html"

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            messages.info(
                self.request,
                "メールアドレスの変更を完了するには、ログインしてください。ログインすると変更が反映されます。",
            )
        return super().handle_no_permission()

    def problem(self, problem: str, status: int):
        return render(self.request, self.template_name, {"problem": problem, "member": self.member}, status=status)

    def get(self, request, token):
        payload, problem = read_email_change_token(token)
        if problem == "expired":
            return self.problem("expired", 410)
        if problem:
            return self.problem("invalid", 400)
        if payload["u"] != request.user.pk:
            return self.problem("other_user", 403)
        User = get_user_model()
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=request.user.pk)
            if user.email == payload["new"]:
                messages.info(request, f"メールアドレスは既に {user.email} に変更済みです。")
                return redirect("mypage:index")
            if user.email != payload["old"]:
                return self.problem("stale", 400)
            user.email = payload["new"]
            user.save(update_fields=["email"])
            if payload["old"]:
                notify_change(
                    self.member,
                    template="account_email_changed",
                    to=payload["old"],
                    user=user,
                    old_email=payload["old"],
                    new_email=user.email,
                )
        messages.success(request, f"メールアドレスを {user.email} に変更しました。")
        return redirect("mypage:index")


class ProfileView(MyPageMixin, FormView):
    template_name = "accounts/mypage/profile.html"
    form_class = ProfileForm
    active_tab = "profile"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["member"] = self.member
        return kwargs

    def form_valid(self, form):
        with transaction.atomic():
            form.save()
        messages.success(self.request, "お客様情報を変更しました。")
        return redirect("mypage:index")
