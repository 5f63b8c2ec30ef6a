"""Set up, verify and manage the second factor (M11); the rules live in services.py."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .models import BackupCodeDevice, TwoFactorEvent


def _halfwidth(text: str) -> str:
    return text.translate(str.maketrans("０１２３４５６７８９", "0123456789")).strip()


class TokenForm(forms.Form):
    """The 6-digit code of an authenticator app."""

    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_token(self):
        token = _halfwidth(self.cleaned_data["token"])
        if not token.isdigit():
            raise forms.ValidationError(_("Enter the 6 digits shown in your authenticator app."))
        return token


class VerifyForm(forms.Form):
    """A 6-digit code, or one of the backup codes."""

    token = forms.CharField(
        label=_("Authentication code"),
        help_text=_("The 6 digits from your authenticator app, or one of your backup codes (e.g. abcde-fghij)."),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_token(self):
        token = _halfwidth(self.cleaned_data["token"])
        if not (token.isdigit() and len(token) == 6) and not services.backup_codes.looks_like_backup_code(token):
            raise forms.ValidationError(_("Enter the 6 digits from your authenticator app or a backup code."))
        return token


def _next_url(request, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


@method_decorator(login_required, name="dispatch")
class DeviceEnrolView(View):
    """Add an authenticator app: after the mailed link (first device) or from a verified session."""

    template_name = "twofactor/enrol.html"

    def _render(self, request, form, device):
        context = {
            "form": form,
            "secret": secret_base32(device),
            "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4),
            "next": _next_url(request),
        }
        return render(request, self.template_name, context)

    def _refuse(self, request):
        next_url = _next_url(request)
        if services.has_confirmed_device(request.user):
            # a second device only after the first one was used in this session
            return redirect(_with_next("twofactor:verify", next_url))
        return redirect(_with_next("twofactor:enrol-start", next_url))

    def get(self, request):
        if not services.may_enrol(request):
            return self._refuse(request)
        return self._render(request, TokenForm(), services.pending_device(request.user))

    def post(self, request):
        if not services.may_enrol(request):
            return self._refuse(request)
        device = services.pending_device(request.user)
        form = TokenForm(request.POST)
        if form.is_valid():
            allowed, info = device.verify_is_allowed()
            if not allowed:
                form.add_error("token", _throttled_message(info.get("locked_until")))
            else:
                codes = services.confirm(request, device=device, token=form.cleaned_data["token"])
                device.refresh_from_db()
                if device.confirmed:
                    otp_login(request, device)
                    if codes:
                        return render(
                            request, "twofactor/backup_codes.html", {"codes": codes, "next": _next_url(request)}
                        )
                    messages.success(request, _("The authenticator app was added."))
                    return HttpResponseRedirect(_next_url(request))  # a URL: redirect() would look up a view name
                form.add_error("token", _("The code is not correct. Check the time on your device and try again."))
        return self._render(request, form, device)


@method_decorator(login_required, name="dispatch")
class EnrolStartView(View):
    """No device yet: the set-up page is opened by a link sent to the account's email address."""

    template_name = "twofactor/enrol_start.html"

    def get(self, request):
        if services.may_enrol(request):
            return redirect(_with_next("twofactor:enrol", _next_url(request)))
        if services.has_confirmed_device(request.user):
            return redirect(_with_next("twofactor:verify", _next_url(request)))
        return render(request, self.template_name, {"next": _next_url(request), "email": request.user.email})

    def post(self, request):
        if services.has_confirmed_device(request.user):
            return redirect(_with_next("twofactor:verify", _next_url(request)))
        services.send_enrol_link(request, next_url=_next_url(request))
        return render(
            request, self.template_name, {"next": _next_url(request), "email": request.user.email, "sent": True}
        )


@method_decorator(login_required, name="dispatch")
class EnrolLinkView(View):
    def get(self, request, token):
        next_url = services.accept_enrol_link(request, token)
        if next_url is None:
            messages.error(request, _("This set-up link is not valid or has expired. Request a new one."))
            return redirect(reverse("twofactor:enrol-start"))
        return redirect(_with_next("twofactor:enrol", next_url))


def _throttled_message(locked_until) -> str:
    if locked_until is None:
        return str(_("Too many attempts. Wait a moment and try again."))
    seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
    return str(_("Too many attempts. Try again in %(seconds)s seconds.") % {"seconds": seconds})


@method_decorator(login_required, name="dispatch")
class SessionVerifyView(View):
    template_name = "twofactor/verify.html"

    def get(self, request):
        if not services.has_confirmed_device(request.user):
            return redirect(_with_next("twofactor:enrol-start", _next_url(request)))
        return render(request, self.template_name, {"form": VerifyForm(), "next": _next_url(request)})

    def post(self, request):
        if not services.has_confirmed_device(request.user):
            return redirect(_with_next("twofactor:enrol-start", _next_url(request)))
        form = VerifyForm(request.POST)
        if form.is_valid():
            result = services.verify(request, code=form.cleaned_data["token"])
            if result.device is not None:
                otp_login(request, result.device)
                if isinstance(result.device, BackupCodeDevice):
                    messages.warning(
                        request,
                        _("You signed in with a backup code; %(count)s codes remain.")
                        % {"count": result.device.remaining},
                    )
                return HttpResponseRedirect(_next_url(request))  # a URL: redirect() would look up a view name
            if result.locked_until is not None:
                form.add_error("token", _throttled_message(result.locked_until))
            else:
                form.add_error("token", _("The code is not correct or has expired. Enter the current code."))
        return render(request, self.template_name, {"form": form, "next": _next_url(request)})


class _VerifiedOnly(View):
    """Managing devices needs a session verified with a code (or no device at all yet)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not services.is_verified(request):
            if services.has_confirmed_device(request.user):
                return redirect(_with_next("twofactor:verify", request.get_full_path()))
            return redirect(_with_next("twofactor:enrol-start", request.get_full_path()))
        return super().dispatch(request, *args, **kwargs)


class DeviceListView(_VerifiedOnly):
    template_name = "twofactor/devices.html"

    def get(self, request):
        context = {
            "devices": TOTPDevice.objects.filter(user=request.user, confirmed=True).order_by("pk"),
            "backup": BackupCodeDevice.objects.filter(user=request.user).first(),
            "events": TwoFactorEvent.objects.filter(user=request.user)[:10],
        }
        return render(request, self.template_name, context)


class DeviceRemoveView(_VerifiedOnly):
    def post(self, request, pk):
        if services.remove(request, device_id=pk) is None:
            raise Http404
        messages.success(request, _("The authenticator app was removed."))
        return redirect("twofactor:devices")


class BackupCodesIssueView(_VerifiedOnly):
    def post(self, request):
        codes = services.issue_backup_codes(request)
        return render(request, "twofactor/backup_codes.html", {"codes": codes, "next": reverse("twofactor:devices")})
