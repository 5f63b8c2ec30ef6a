"""What happens to each of Oscar's own customer account URLs (/shop/accounts/, M4, M6, M9).

Oscar's customer app brings per-user pages (profile, orders, address book,
emails, notifications, alerts, wishlists) that bypass our rules: its profile
form changes the email address without confirmation (M4), its account
deletion removes a company's only administrator and fails with a 500 on an
approver (M9), and its order and address pages are per user, beside our
company-wide ones (M6). Each URL name of the app is decided here, as data:

- ``Keep``: Oscar's view stays (reason given).
- ``Replace``: our view answers at Oscar's path.
- ``Redirect``: a 302 to our page (a POST is not re-sent, so it acts on nothing).
- ``Off``: 404 for everyone, whatever the method.

The override patterns are built from Oscar's own URL patterns (same route
strings, so they cannot drift) and mounted ahead of Oscar's include, so
``reverse("customer:<name>")`` keeps working for Oscar's templates and
internals while the request lands on our decision. A URL name an Oscar
upgrade adds without a decision here is off (404) until it is decided, and
tests/functional/test_oscar_customer_urls.py fails until then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.urls import URLPattern, URLResolver, include, path, re_path, reverse
from django.urls.resolvers import RegexPattern, RoutePattern


@dataclass(frozen=True)
class Keep:
    reason: str


@dataclass(frozen=True)
class Replace:
    view: Callable[[], Callable]  # builds the view (imported late: no app loading at import)
    reason: str


@dataclass(frozen=True)
class Redirect:
    to: str | Callable  # a URL name, or a function (request) -> URL
    reason: str
    kwargs: dict[str, str] = field(default_factory=dict)  # our URL kwarg ← Oscar's URL kwarg
    login_required: bool = True  # as Oscar's view was: a visitor signs in first, then lands on our page


@dataclass(frozen=True)
class Off:
    reason: str


Decision = Keep | Replace | Redirect | Off


def _buyer_login_view():
    from .views import BuyerLoginView

    return BuyerLoginView.as_view()


def account_home(request) -> str:
    """Oscar's account landing page: our マイページ for members, the dashboard for staff."""
    if request.user.is_staff and not hasattr(request.user, "member"):
        return reverse("dashboard:index")
    return reverse("mypage:index")


_ANONYMOUS_CHECKOUT_OFF = "anonymous checkout is off (every order belongs to a company): no guest order status page"
_PER_USER_ADDRESS = (
    "Oscar's per-user address book; delivery addresses are the company's アドレス帳 (M8), whose ids are not these"
)
_EMAILS = "Oscar's per-user email archive is not kept: our emails go through the outbox (E1) to the member's mailbox"
_NOTIFICATIONS = "Oscar's on-site notifications are not used: notices go by email (E1)"
_ALERTS = "stock alerts are not offered (licences do not run out; product pages have no alert form)"
_WISHLISTS = "wishlists are not part of this shop: お気に入り replaces them"

#: Oscar customer URL name (or, for an unnamed pattern, its route) → decision.
DECISIONS: dict[str, Decision] = {
    "login": Replace(
        _buyer_login_view, "our login page: お客様ID, lock-out and session-expiry messages (M3, M10, M12)"
    ),
    "logout": Keep("signing out: the header posts to it, the dashboard links to it"),
    "register": Redirect(
        "membership:apply", "no self-registration: companies apply and are screened (M1, M2)", login_required=False
    ),
    "summary": Redirect(
        account_home, "Oscar's account home, still reversed by Oscar's templates (dashboard 「Account」 link)"
    ),
    "change-password": Redirect("mypage:change-password", "マイページ 「パスワードの変更」 (M4)"),
    "profile-view": Redirect("mypage:index", "マイページ shows the account (M4)"),
    "profile-update": Redirect(
        "mypage:profile",
        "changed the email address without confirmation: マイページ 「お客様情報変更」, and the email "
        "through 「メールアドレスの変更」 with a link to the new address (M4)",
    ),
    "profile-delete": Redirect(
        "withdrawal:withdraw",
        "deleted a company's only administrator and failed (500) on an approver: 「退会」 keeps the company's "
        "rules and its orders (M9)",
    ),
    "order-list": Redirect("orders:order-list", "購入履歴 is company-wide (M6)"),
    "order": Redirect(
        "orders:order-detail",
        "the company-scoped order page: another company's order answers 404 there (M6)",
        kwargs={"number": "order_number"},
    ),
    "order-line": Redirect(
        "orders:order-detail",
        "Oscar's per-line page (re-order one line): our order page re-orders the order (O6), company-scoped (M6)",
        kwargs={"number": "order_number"},
    ),
    "anon-order-form": Off(_ANONYMOUS_CHECKOUT_OFF),
    "anon-order": Off(_ANONYMOUS_CHECKOUT_OFF),
    "address-list": Redirect("addressbook:list", "the company's アドレス帳 (M8)"),
    "address-create": Redirect("addressbook:create", "「新しい配送先を登録する」 in the company's アドレス帳 (M8)"),
    "address-detail": Off(_PER_USER_ADDRESS),
    "address-delete": Off(_PER_USER_ADDRESS),
    "address-change-status": Off(_PER_USER_ADDRESS),
    "email-list": Off(_EMAILS),
    "email-detail": Off(_EMAILS),
    "notifications/": Off(_NOTIFICATIONS),  # Oscar's unnamed redirect to the inbox
    "notifications-inbox": Off(_NOTIFICATIONS),
    "notifications-archive": Off(_NOTIFICATIONS),
    "notifications-update": Off(_NOTIFICATIONS),
    "notifications-detail": Off(_NOTIFICATIONS),
    "alerts-list": Off(_ALERTS),
    "alert-create": Off(_ALERTS),
    "alerts-confirm": Off(_ALERTS),
    "alerts-cancel-by-key": Off(_ALERTS),
    "alerts-cancel-by-pk": Off(_ALERTS),
    **{
        f"wishlists-{view}": Off(_WISHLISTS)
        for view in (
            "list",
            "add-product",
            "create",
            "create-with-product",
            "detail",
            "update",
            "delete",
            "remove-product",
            "move-product-to-another",
        )
    },
}

UNDECIDED = Off("not decided yet: off until it is (an Oscar upgrade added this URL)")


def pattern_key(pattern: URLPattern) -> str:
    """The key of a pattern in DECISIONS: its URL name, or its route when Oscar left it unnamed."""
    return pattern.name or str(pattern.pattern)


def customer_patterns() -> list:
    """Oscar's customer URL patterns, as its app config builds them."""
    patterns, _app_name, _namespace = apps.get_app_config("customer").urls
    return list(patterns)


def walk(patterns, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(route below /shop/accounts/, pattern) for every endpoint, nested includes too."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def decision_for(pattern: URLPattern) -> Decision:
    return DECISIONS.get(pattern_key(pattern), UNDECIDED)


def feature_not_offered(request, *args, **kwargs):
    raise Http404


def _redirect_view(decision: Redirect) -> Callable:
    def view(request, *args, **kwargs):
        if decision.login_required and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if callable(decision.to):
            return HttpResponseRedirect(decision.to(request))
        ours = {name: kwargs[theirs] for name, theirs in decision.kwargs.items()}
        return HttpResponseRedirect(reverse(decision.to, kwargs=ours))  # 302: a POST is not sent on

    return view


def view_for(decision: Decision) -> Callable | None:
    """The view mounted at Oscar's path, or None to leave Oscar's own."""
    if isinstance(decision, Keep):
        return None
    if isinstance(decision, Replace):
        return decision.view()
    if isinstance(decision, Redirect):
        return _redirect_view(decision)
    return feature_not_offered


def _same_route(pattern, view) -> URLPattern | URLResolver:
    """A pattern at exactly Oscar's route (or regex), unnamed, so reversing still finds Oscar's."""
    if isinstance(pattern, URLResolver):
        return _mount(pattern.pattern, include(list(_overrides(pattern.url_patterns))))
    return _mount(pattern.pattern, view)


def _mount(route_pattern, target):
    if isinstance(route_pattern, RoutePattern):
        return path(str(route_pattern), target)
    if isinstance(route_pattern, RegexPattern):
        return re_path(str(route_pattern), target)
    raise TypeError(f"unexpected URL pattern type {type(route_pattern).__name__}")


def _overrides(patterns) -> Iterator[URLPattern | URLResolver]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield _same_route(pattern, None)
            continue
        view = view_for(decision_for(pattern))
        if view is not None:
            yield _same_route(pattern, view)


# Included at "shop/accounts/" (config/urls.py), ahead of Oscar's "shop/" include.
urlpatterns = list(_overrides(customer_patterns()))
