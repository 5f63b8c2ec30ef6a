"""Staff areas require a verified TOTP device (M11, staff part).

The Oscar dashboard, the Wagtail admin and the Django admin are refused to a
signed-in staff user or CMS editor whose session was not verified with a
second factor. Such a
user is sent to enrol a device (if they have none) or to enter a code, and
comes back to where they were going afterwards. Anonymous visitors pass
through: each area's own login page handles them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device


def requires_second_factor(request) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if not any(request.path.startswith(prefix) for prefix in settings.KOBAI_OTP_PROTECTED_PREFIXES):
        return False
    # the login pages of these areas stay reachable
    if request.path.rstrip("/").endswith(("/login", "/logout")):
        return False
    # only people these areas admit; a buyer is refused by the area itself
    if not (user.is_staff or user.has_perm("wagtailadmin.access_admin")):
        return False
    return not user.is_verified()


class StaffTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if requires_second_factor(request):
            target = "twofactor:verify" if user_has_device(request.user, confirmed=True) else "twofactor:enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
