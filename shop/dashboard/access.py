"""Who may open which staff screen of the shop dashboard (S1): one permission per area, fail closed.

Oscar's dashboard apps let any `is_staff` user in (and Oscar partner users,
through `partner.dashboard_access`, into products and orders). Here every
URL of the dashboard (`/shop/dashboard/`) is admitted by the permission of
its area, whatever Oscar or the view itself also checks:

- our own areas by their URL namespace (`order-dashboard`, `credit-dashboard`, ...);
- Oscar's areas (all in the `dashboard` namespace) by the Oscar dashboard app
  that serves the URL name (`catalogue_dashboard`, `offers_dashboard`, ...);
- an area missing from `SHOP_AREAS`/`OSCAR_AREAS` is refused to everyone (a new dashboard app
  must be given a role here before anybody can use it);
- the dashboard home needs some shop role; its login and logout are open.

Oscar's own per-view permissions (e.g. `catalogue.delete_product`) still apply
behind this gate, and the menu (`menu_access`, OSCAR_DASHBOARD_DEFAULT_ACCESS_FUNCTION)
shows an entry only to whom both admit. Areas no shop role needs are kept for
superusers: flat pages (the site's content is Wagtail's), Oscar's email
templates (the shop's emails are its own), shipping methods (shop set-up) and
partners (which grants partner users access). Reviews are a hidden feature:
nobody opens their dashboard pages.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from django.apps import apps
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import resolve, reverse

from shop.accounts import roles

logger = logging.getLogger(__name__)

SUPERUSER = "superuser"  # no role: superusers only
ANY_SHOP_ROLE = "any-shop-role"  # the dashboard home: anyone with a role in the shop dashboard
OPEN = "open"  # the dashboard's own login and logout
NOBODY = "nobody"  # a hidden feature's pages

# the shop's own screens, by URL namespace
SHOP_AREAS: dict[str, str] = {
    "membership-dashboard": roles.SCREEN_APPLICATIONS,
    "order-dashboard": roles.MANAGE_ORDERS,
    "quote-dashboard": roles.ISSUE_CUSTOM_QUOTES,
    "attachments-dashboard": roles.VIEW_ATTACHMENTS,
    "credit-dashboard": roles.MANAGE_CREDIT,
    "inquiries-dashboard": roles.ANSWER_INQUIRIES,
    "alerts-dashboard": roles.MANAGE_ORDERS,  # staff alerts (issue 10)
    "outbox-dashboard": roles.RESEND_EMAIL,  # dead letters and resending (issue 10)
}
# Oscar's dashboard apps (all in the `dashboard` namespace), by app label
OSCAR_AREAS: dict[str, str] = {
    "catalogue_dashboard": roles.MANAGE_CATALOGUE,
    "offers_dashboard": "offer.view_conditionaloffer",
    "ranges_dashboard": "offer.view_range",
    "vouchers_dashboard": "voucher.view_voucher",
    "users_dashboard": roles.SCREEN_APPLICATIONS,  # members are 会員審査's
    "orders_dashboard": roles.MANAGE_ORDERS,  # statistics; its order pages lead to order-dashboard
    "reports_dashboard": roles.MANAGE_ORDERS,
    "pages_dashboard": SUPERUSER,
    "reviews_dashboard": NOBODY,  # reviews are a hidden feature (OSCAR_HIDDEN_FEATURES): its pages would crash
    "communications_dashboard": SUPERUSER,
    "shipping_dashboard": SUPERUSER,
    "partners_dashboard": SUPERUSER,
}
# URL names of Oscar's `dashboard` app itself
DASHBOARD_APP_URLS: dict[str, str] = {"index": ANY_SHOP_ROLE, "login": OPEN, "logout": OPEN}
OSCAR_NAMESPACE = "dashboard"


@lru_cache(maxsize=1)
def _oscar_url_names() -> dict[str, str]:
    """URL name -> label of the Oscar dashboard app that serves it (Oscar's dashboard has one namespace)."""
    from oscar.core.application import OscarDashboardConfig

    names: dict[str, str] = {}
    for config in apps.get_app_configs():
        if isinstance(config, OscarDashboardConfig) and config.label != "dashboard":
            for pattern in config.urls[0]:
                if name := getattr(pattern, "name", None):
                    names[name] = config.label
    return names


def requirement(match) -> str | None:
    """What the resolved URL `match` requires: a permission, SUPERUSER, ANY_SHOP_ROLE, OPEN; None if unmapped."""
    if match.namespace == OSCAR_NAMESPACE:
        if match.url_name in DASHBOARD_APP_URLS:
            return DASHBOARD_APP_URLS[match.url_name]
        area = _oscar_url_names().get(match.url_name)
        return OSCAR_AREAS.get(area) if area else None
    return SHOP_AREAS.get(match.namespace)


def allows(user, needed: str | None) -> bool:
    if needed == OPEN:
        return True
    if needed in (None, NOBODY) or not (user.is_authenticated and user.is_active):
        return False
    if needed == SUPERUSER:
        return user.is_superuser
    if needed == ANY_SHOP_ROLE:
        return roles.has_any_shop_role(user)
    return user.has_perm(needed)


def _gated(request, match) -> bool:
    return match.namespace in SHOP_AREAS or match.namespace == OSCAR_NAMESPACE or request.path.startswith(_prefix())


@lru_cache(maxsize=1)
def _prefix() -> str:
    return reverse("dashboard:index")


class DashboardAccessMiddleware:
    """Applies SHOP_AREAS and OSCAR_AREAS before any dashboard view runs (after the second factor, M11)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or not _gated(request, match):
            return None
        needed = requirement(match)
        if needed == OPEN:
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("dashboard:login"))
        if needed is None:
            logger.error("dashboard URL %s has no area in shop.dashboard.access: refused", match.view_name)
        # a staff area is entered from a verified session only (the two-factor middleware sends others to verify)
        verified = getattr(user, "is_verified", None)
        if not (verified and verified()) or not allows(user, needed):
            raise PermissionDenied
        return None


def menu_access(user, url_name, url_args=None, url_kwargs=None) -> bool:
    """OSCAR_DASHBOARD_DEFAULT_ACCESS_FUNCTION: a menu entry shows only if the gate and Oscar's own view admit."""
    if url_name is None:  # a heading: shown when one of its entries is
        return True
    match = resolve(reverse(url_name, args=url_args, kwargs=url_kwargs))
    if not allows(user, requirement(match)):
        return False
    if match.namespace == OSCAR_NAMESPACE:
        from oscar.apps.dashboard.nav import default_access_fn

        return default_access_fn(user, url_name, url_args, url_kwargs)
    return True
