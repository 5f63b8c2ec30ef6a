"""Second factor where it is required (M11).

- Staff areas (Oscar dashboard, Wagtail admin, Django admin, the payment
  simulators' console) are refused to every signed-in user whose session was
  not verified with a device: staff, CMS editors, Oscar partner users, anyone.
  The area's own permission checks come after this one.
- A buyer must verify on every page when their company administrator made it
  mandatory for the company, or when they enrolled a device themselves
  (optional for buyers).

Such a user is sent to enter a code, or (with no device yet) to the set-up
page, which only opens from a link mailed to the account (services.py), and
comes back to where they were going. Anonymous visitors pass through:
each area's own login page handles them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

EXEMPT_PREFIXES = ("/two-factor/", "/static/", "/media/", "/i18n/", "/shop/accounts/logout/")


def _in_staff_area(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in settings.KOBAI_OTP_PROTECTED_PREFIXES)


def _buyer_requires(user) -> bool:
    from shop.companies.models import Member

    member = Member.objects.filter(user=user).select_related("company").only("company__require_two_factor").first()
    if member is not None and member.company.require_two_factor:
        return True
    return user_has_device(user, confirmed=True)


def requires_second_factor(request) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_verified():
        return False
    path = request.path
    if path.startswith(EXEMPT_PREFIXES):
        return False
    if _in_staff_area(path):
        # the login pages of these areas stay reachable
        if path.rstrip("/").endswith(("/login", "/logout")):
            return False
        # fail closed: whoever is signed in, the area is entered only from a verified session
        return True
    return _buyer_requires(user)


class StaffTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if requires_second_factor(request):
            target = "twofactor:verify" if user_has_device(request.user, confirmed=True) else "twofactor:enrol-start"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
