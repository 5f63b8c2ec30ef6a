"""Oscar's own customer pages under /shop/accounts/, URL by URL (shop/accounts/oscar_customer_urls.py).

The test walks Oscar's customer URLconf (every pattern, with sample values for
its URL parameters) and, for a signed-in buyer, checks that each URL name has
a decision and answers as decided, for GET and for POST: kept pages are
Oscar's, replaced ones ours, redirects go to our page (a POST is not sent on)
and the rest answer 404. The bypasses Oscar's pages opened are tried
explicitly: none of them changes a row.
"""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse
from django.urls.resolvers import RoutePattern
from oscar.core.loading import get_model

from shop.accounts import oscar_customer_urls as table
from shop.accounts.views import BuyerLoginView
from shop.companies.models import Company, Member
from shop.demo.users import DEMO_PASSWORD
from tests.functional.test_isolation_matrix import all_rows
from tests.order_factories import make_order

pytestmark = pytest.mark.django_db

User = get_model("accounts", "User")

PREFIX = "/shop/accounts/"
# A form body that would do harm on Oscar's pages: change the email, delete the account, change the password
HARMFUL_POST = {
    "email": "attacker@example.jp",
    "first_name": "改",
    "last_name": "竄",
    "password": DEMO_PASSWORD,
    "old_password": DEMO_PASSWORD,
    "new_password1": "Another-Passw0rd-9",
    "new_password2": "Another-Passw0rd-9",
}


def _patterns():
    """(key, route, kwarg names, pattern) for every endpoint of Oscar's customer app."""
    for route, pattern in table.walk(table.customer_patterns()):
        if isinstance(pattern.pattern, RoutePattern):
            names = set(pattern.pattern.converters)
        else:
            names = set(pattern.pattern.regex.groupindex)
        yield table.pattern_key(pattern), route, names, pattern


def _samples(order_number="N-1", line_id=1) -> dict[str, str]:
    """A value for each URL parameter Oscar's customer URLs take; a new parameter fails the walk."""
    return {
        "order_number": order_number,
        "line_id": str(line_id),
        "hash": "a1b2c3",
        "pk": "1",
        "email_id": "1",
        "action": "default_for_shipping",
        "key": "k" * 12,
        "product_pk": "1",
        "line_pk": "1",
        "to_key": "t" * 12,
    }


def _url(pattern, kwargs) -> str:
    if pattern.name:
        return reverse(f"customer:{pattern.name}", kwargs=kwargs)  # the same kwargs pick this very pattern
    assert not kwargs, pattern
    return PREFIX + str(pattern.pattern)


def _account_rows(client=None) -> str:
    """Every row of every table a buyer page could write (the buyer's own basket made first)."""
    if client is not None:
        client.get(reverse("basket:summary"))
    return all_rows()


def test_every_customer_url_is_decided_and_nothing_is_left_over():
    # covers: M4, M6, M9
    keys = {key for key, *_ in _patterns()}
    assert not keys - set(table.DECISIONS), (
        f"Oscar customer URLs without a decision: {sorted(keys - set(table.DECISIONS))}"
    )
    assert not set(table.DECISIONS) - keys, f"decisions for URLs Oscar no longer has: {set(table.DECISIONS) - keys}"
    assert all(decision.reason.strip() for decision in table.DECISIONS.values())


def test_reversing_customer_names_lands_on_the_decision():
    # covers: M4, M6, M9
    # Oscar's templates and internals still reverse customer:<name>: the path is Oscar's, the view is ours
    samples = _samples()
    for key, _route, names, pattern in _patterns():
        url = _url(pattern, {name: samples[name] for name in names})
        match = resolve(url)
        decision = table.DECISIONS[key]
        if isinstance(decision, table.Keep):
            assert match.namespace == "customer" and match.url_name == key, (key, match)
        elif isinstance(decision, table.Replace):
            assert match.func.view_class is BuyerLoginView, key
        else:
            assert match.func.__module__ == table.__name__, (key, match.func)


def test_a_signed_in_buyer_gets_each_decision_for_get_and_post(client, members):
    # covers: M4, M6, M9
    buyer = members["K0000004"]
    order = make_order(member=buyer)
    samples = _samples(order.number, order.lines.first().pk)
    client.force_login(buyer.user)
    before = _account_rows(client)
    failures = []
    for key, _route, names, pattern in _patterns():
        missing = names - set(samples)
        assert not missing, f"{key}: add a sample value for {missing}"
        url = _url(pattern, {name: samples[name] for name in names})
        decision = table.DECISIONS.get(key)
        if decision is None:
            failures.append((key, "no decision"))
            continue
        for method in ("get", "post"):
            client.force_login(buyer.user)
            response = getattr(client, method)(url, HARMFUL_POST if method == "post" else None)
            status, location = response.status_code, response.get("Location", "")
            if isinstance(decision, table.Off):
                ok = status == 404
            elif isinstance(decision, table.Redirect):
                target = (
                    decision.to(response.wsgi_request)
                    if callable(decision.to)
                    else reverse(
                        decision.to, kwargs={ours: samples[theirs] for ours, theirs in decision.kwargs.items()}
                    )
                )
                ok = status == 302 and location == target and client.get(target).status_code == 200
            elif isinstance(decision, table.Replace):
                ok = status == 302 and location == "/"  # our login page sends a signed-in buyer on
            else:  # Keep: only logout, which signs out and goes home
                ok = key == "logout" and status == 302 and "_auth_user_id" not in client.session
            if not ok:
                failures.append((key, method, status, location))
    assert not failures, failures
    assert _account_rows() == before  # no POST acted: email, password, account, orders as they were


def test_a_visitor_is_sent_to_log_in_registers_by_application_and_gets_404_for_what_is_off(client):
    # covers: M4, M6
    assert client.get(reverse("customer:register"))["Location"] == reverse("membership:apply")
    assert client.get(reverse("customer:login")).status_code == 200
    for name in ("summary", "profile-update", "profile-delete", "order-list", "address-list"):
        response = client.get(reverse(f"customer:{name}"))
        assert response.status_code == 302, name
        assert response["Location"] == f"{reverse('customer:login')}?next={reverse(f'customer:{name}')}", name
    for name in ("email-list", "notifications-inbox", "alerts-list", "wishlists-list"):
        assert client.get(reverse(f"customer:{name}")).status_code == 404, name


def test_staff_account_link_goes_to_the_dashboard(client, django_user_model):
    # covers: M4 (the dashboard's 「Account」 link reverses customer:summary)
    staff = django_user_model.objects.create_user("staff1", "staff1@kobai.example", "pw", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("customer:summary"))["Location"] == reverse("dashboard:index")


def test_the_email_address_cannot_be_changed_without_confirmation(client, members):
    # covers: M4
    buyer = members["K0000004"]
    client.force_login(buyer.user)
    before = _account_rows(client)
    response = client.post(
        reverse("customer:profile-update"),
        {"email": "unconfirmed@example.jp", "first_name": "四葉", "last_name": "依頼"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("mypage:profile")
    assert _account_rows() == before
    assert User.objects.get(pk=buyer.user.pk).email == buyer.user.email != "unconfirmed@example.jp"
    # the way that works: マイページ 「メールアドレスの変更」, which sends a link to the new address first
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "login_id",
    [
        pytest.param("K0000001", id="the company's only administrator"),
        pytest.param("K0000002", id="an approver"),
        pytest.param("K0000004", id="a requester"),
    ],
)
def test_oscar_account_deletion_deletes_nobody(client, members, login_id):
    # covers: M9
    member = members[login_id]
    assert Member.objects.filter(company=member.company, role="admin").count() == 1
    client.force_login(member.user)
    before = _account_rows(client)
    response = client.post(reverse("customer:profile-delete"), {"password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("withdrawal:withdraw")
    assert _account_rows() == before
    assert User.objects.filter(pk=member.user.pk, is_active=True).exists()
    # 「退会」 is where a member leaves: it asks again (scope, password, confirmation)
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    assert _account_rows() == before


def test_oscar_order_page_goes_to_our_company_scoped_order_page(client, members):
    # covers: M6
    buyer = members["K0000004"]
    colleagues_order = make_order(member=members["K0000001"])
    client.force_login(buyer.user)
    response = client.get(reverse("customer:order", args=[colleagues_order.number]), follow=True)
    assert response.status_code == 200 and colleagues_order.number in response.content.decode()  # company-wide

    other = Member.objects.create(
        user=User.objects.create_user("KX000001", "kx@example.jp", "pw-12345678"),
        company=Company.objects.create(name="他社", postcode="100-0005", address="東京都", representative_name="他"),
    )
    foreign = make_order(member=other)
    for name, args in (("order", [foreign.number]), ("order-line", [foreign.number, foreign.lines.first().pk])):
        for method in ("get", "post"):
            response = getattr(client, method)(reverse(f"customer:{name}", args=args), follow=True)
            assert response.status_code == 404, (name, method)


def test_password_reset_pages_are_kept(client):
    # covers: M4 (「パスワードをお忘れの方はこちら」 is Oscar's password reset, outside the customer namespace)
    assert client.get(reverse("password-reset")).status_code == 200
    assert client.get(reverse("password-reset-done")).status_code == 200
    assert client.get(reverse("password-reset-complete")).status_code == 200
