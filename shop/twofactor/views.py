"""Enrol a TOTP device and verify a session with it (M11)."""

from __future__ import annotations

import base64

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        token = token.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        if not token.isdigit():
            raise forms.ValidationError(_("Enter the 6 digits shown in your authenticator app."))
        return token


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()


@method_decorator(login_required, name="dispatch")
class DeviceEnrolView(View):
    template_name = "twofactor/enrol.html"

    def _device(self, request) -> TOTPDevice:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        return device or TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)

    def _render(self, request, form, device):
        qr = segno.make(device.config_url, error="m")
        context = {
            "form": form,
            "secret": secret_base32(device),
            "qr_svg": qr.svg_inline(scale=4),
            "next": _next_url(request),
        }
        return render(request, self.template_name, context)

    def get(self, request):
        if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
            return redirect(f"/two-factor/verify/?next={_next_url(request)}")
        return self._render(request, TokenForm(), self._device(request))

    def post(self, request):
        device = self._device(request)
        form = TokenForm(request.POST)
        if form.is_valid():
            if device.verify_token(form.cleaned_data["token"]):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                otp_login(request, device)
                return redirect(_next_url(request))
            form.add_error("token", _("The code is not correct. Check the time on your device and try again."))
        return self._render(request, form, device)


@method_decorator(login_required, name="dispatch")
class SessionVerifyView(View):
    template_name = "twofactor/verify.html"

    def get(self, request):
        return render(request, self.template_name, {"form": TokenForm(), "next": _next_url(request)})

    def post(self, request):
        form = TokenForm(request.POST)
        if form.is_valid():
            device = match_token(request.user, form.cleaned_data["token"])
            if device is not None:
                otp_login(request, device)
                return redirect(_next_url(request))
            form.add_error("token", _("The code is not correct or has expired. Enter the current code."))
        return render(request, self.template_name, {"form": form, "next": _next_url(request)})
