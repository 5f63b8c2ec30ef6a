"""Data isolation (M6), generated from the URLconf.

Every buyer-side URL that takes an object id, number or key is listed here,
either with a way to build another company's object for it, or as exempt
with the reason. A new URL without an entry fails `test_every_object_url_has_an_entry`.
For each entry, a member of another company gets 404 and no row of any table
a buyer page could write changes, and an anonymous visitor is sent to log in.
Oscar's customer URLs follow shop/accounts/oscar_customer_urls.py: a redirect
is followed to our page (which answers 404), an URL that is off answers 404
to everyone. Ids in the query string or the POST body: test_isolation_params.py.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core import serializers
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.core.loading import get_model

from shop.accounts import oscar_customer_urls as oscar_customer
from shop.addressbook.models import CompanyAddress
from shop.attachments.models import Attachment
from shop.companies.models import Company, Member
from shop.inquiries.models import Inquiry, InquiryMessage
from shop.quotes.models import Quote

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
Line = get_model("order", "Line")
OrderStatusChange = get_model("order", "OrderStatusChange")
UserAddress = get_model("address", "UserAddress")
Country = get_model("address", "Country")
Email = get_model("communication", "Email")
Notification = get_model("communication", "Notification")
ProductAlert = get_model("customer", "ProductAlert")
WishList = get_model("wishlists", "WishList")
Product = get_model("catalogue", "Product")

STAFF_OR_TOOLING = (
    "cms-admin/",
    "django-admin/",
    "shop/dashboard/",
    "documents/",
    "^static/",
    "^media/",
    "_util/",
    "_sim/",  # the payment simulators (development and tests only; signed or secret-key APIs)
)

# Oscar customer URLs that are off (404 for everyone, the owner too: test_oscar_customer_urls.py)
OSCAR_OFF = {
    f"customer:{key}": decision.reason
    for key, decision in oscar_customer.DECISIONS.items()
    if isinstance(decision, oscar_customer.Off) and "/" not in key  # URL names (not Oscar's one unnamed route)
}
# Oscar customer URLs that redirect to our page: the matrix follows the redirect
OSCAR_REDIRECTS = {
    f"customer:{key}"
    for key, decision in oscar_customer.DECISIONS.items()
    if isinstance(decision, oscar_customer.Redirect)
}

# URL name → why an id in it is not another company's object
EXEMPT = {
    "catalogue:detail": "public catalogue",
    "catalogue:category": "public catalogue",
    "catalogue:range": "public catalogue",
    "offer:detail": "public campaign page",
    "basket:add": "public product id; acts on the requester's own basket",
    "basket:vouchers-remove": "shop-wide voucher id; only ever removed from the requester's own basket",
    **{name: f"off for everyone: {reason}" for name, reason in OSCAR_OFF.items()},
    "membership:first-password": "single-use signed token from the email, not an object id",
    "mypage:confirm-email": "signed token sent to the new address, not an object id",
    "password-reset-confirm": "Django's signed reset token, not an object id",
    "twofactor:enrol-link": "a signed, single-use set-up link mailed to the account itself, not an object id",
    "favourites:add": "public product id; adds to the requester's own list only",
    "favourites:remove": "public product id; removes from the requester's own list only (tested in test_favourites)",
    "wishlists:detail": "wishlists are a hidden feature (URL answers 404 for everyone)",
}


def _walk(resolver, prefix="", ns=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver) and p.urlconf_module is oscar_customer:
            continue  # unnamed copies of Oscar's customer routes, walked below under their customer: names
        if isinstance(p, URLResolver):
            yield from _walk(p, prefix + str(p.pattern), ns + (f"{p.namespace}:" if p.namespace else ""))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), ns + (p.name or "")


def buyer_url_names() -> set[str]:
    """Every named URL outside the staff areas and tooling."""
    return {
        name
        for route, name in _walk(get_resolver())
        if not route.startswith(STAFF_OR_TOOLING) and name and not name.endswith(":")
    }


_OWN = "takes no object id (not in the path; query and body ids are scanned in test_isolation_params)"
_OSCAR_KEPT_OR_MOVED = {
    f"customer:{key}": f"{type(decision).__name__.lower()}: {decision.reason}"
    for key, decision in oscar_customer.DECISIONS.items()
    if not isinstance(decision, oscar_customer.Off)
}

# Buyer URL names with no object id at all: why each one is not an isolation case.
NO_OBJECT = {
    **_OSCAR_KEPT_OR_MOVED,  # the ones with an id (customer:order, customer:order-line) are cases below
    "addressbook:list": f"the member's company's addresses; {_OWN}",
    "addressbook:from-company": f"copies the member's own company's registered address; {_OWN}",
    "approvals:approval-list": f"orders waiting for the requester's approval; {_OWN}",
    "basket:vouchers-add": "a shop-wide coupon code, applied to the requester's own basket",
    "catalogue:index": "public catalogue",
    "company:address": f"the administrator's own company's registered address; {_OWN}",
    "company:member-invite": f"invites into the administrator's own company; {_OWN}",
    "company:member-list": f"the administrator's own company's members; {_OWN}",
    "company:two-factor-policy": f"the administrator's own company's setting; {_OWN}",
    "favourites:list": f"the requester's own list; {_OWN}",
    "home": "redirects to the top page",
    "inquiries:inquiry-list": f"the member's company's inquiries; {_OWN}",
    "inquiries:visitor-inquiry": "a visitor's question: no company, nothing looked up",
    "membership:apply": "a visitor's application: no company yet, nothing looked up",
    "membership:apply-done": "a page of text",
    "mypage:index": f"the requester's own account; {_OWN}",
    "mypage:change-login-id": f"the requester's own account; {_OWN}",
    "mypage:change-password": f"the requester's own account; {_OWN}",
    "mypage:change-email": f"the requester's own account; {_OWN}",
    "mypage:profile": f"the requester's own account; {_OWN}",
    "offer:list": "public campaigns",
    "orders:order-list": f"the member's company's orders; {_OWN}",
    "password-reset": "an email address typed by a visitor; the answer is the same whether it exists or not (M12)",
    "password-reset-done": "a page of text",
    "password-reset-complete": "a page of text",
    "payments:invoice-webhook": "the payment partner's signed notices, not a buyer page",
    "quotes:quote-list": f"the member's company's quotes; {_OWN}",
    "search:search": "public catalogue search",
    "set_language": "the visitor's language choice",
    "twofactor:backup-codes": f"the requester's own backup codes; {_OWN}",
    "twofactor:devices": f"the requester's own devices; {_OWN}",
    "twofactor:enrol": f"enrols a device for the requester; {_OWN}",
    "twofactor:enrol-start": f"mails a set-up link to the requester; {_OWN}",
    "twofactor:verify": f"checks the requester's own code; {_OWN}",
    "wagtail_serve": "public CMS pages",
    "withdrawal:done": "a page of text",
    "withdrawal:export": f"the member's company's history; {_OWN}",
    "withdrawal:withdraw": f"the requester's own account (or their own company); {_OWN}",
}


def object_urls() -> set[str]:
    names = set()
    for route, name in _walk(get_resolver()):
        if ("<" in route or "(?P" in route) and not route.startswith(STAFF_OR_TOOLING):
            names.add(name)
    return names


@pytest.fixture
def world(django_user_model):
    def company(name, login_id):
        c = Company.objects.create(
            name=name, postcode="100-0005", address="東京都千代田区1-1", representative_name="代表"
        )
        user = django_user_model.objects.create_user(login_id, f"{login_id}@example.jp", "pw-12345678")
        member = Member.objects.create(user=user, company=c, role="admin", has_ordering_authority=True)
        return c, user, member

    a, user_a, member_a = company("A社", "KA000001")
    b, user_b, member_b = company("B社", "KB000001")
    colleague_b = Member.objects.create(
        user=django_user_model.objects.create_user("KB000002", "kb2@example.jp", "pw-12345678"), company=b
    )
    country, _ = Country.objects.get_or_create(iso_3166_1_a2="JP", defaults={"name": "日本", "printable_name": "日本"})
    order = Order.objects.create(
        number="B-100001",
        status="delivered",
        user=user_b,
        company=b,
        currency="JPY",
        total_incl_tax=Decimal("1100"),
        total_excl_tax=Decimal("1000"),
        date_placed=timezone.now(),
    )
    # delivered, so its qualified documents (P5) exist for B社 and the 404 below is the company scope alone
    OrderStatusChange.objects.create(order=order, old_status="arranging", new_status="delivered")
    line = Line.objects.create(
        order=order,
        partner_name="Kobai",
        partner_sku="X",
        title="X",
        quantity=1,
        num_allocated=0,
        line_price_incl_tax=Decimal("1100"),
        line_price_excl_tax=Decimal("1000"),
        line_price_before_discounts_incl_tax=Decimal("1100"),
        line_price_before_discounts_excl_tax=Decimal("1000"),
    )
    objects = {
        "member": colleague_b,
        "company_address": CompanyAddress.objects.create(
            company=b,
            site_name="B社 本社",
            recipient_name="担当",
            postcode="100-0005",
            address="東京都千代田区1-1",
            phone="03-1234-5678",
        ),
        "order": order,
        "line": line,
        "user_address": UserAddress.objects.create(
            user=user_b,
            first_name="花子",
            last_name="B",
            line1="千代田区1-1",
            line4="東京都",
            postcode="100-0005",
            country=country,
        ),
        "email": Email.objects.create(user=user_b, subject="件名", body_text="本文", email="kb@example.jp"),
        "notification": Notification.objects.create(recipient=user_b, subject="お知らせ"),
        "alert": ProductAlert.objects.create(user=user_b, product=Product.objects.first()),
        "wishlist": WishList.objects.create(owner=user_b, name="B社リスト"),
        "quote": Quote.objects.create(
            number="Q-B-0001",
            company=b,
            created_by=user_b,
            issued_at=timezone.now(),
            valid_until=timezone.now() + timedelta(days=7),
            subtotal=Decimal("1000"),
            tax=Decimal("100"),
            total=Decimal("1100"),
        ),
        "inquiry": Inquiry.objects.create(number="I-B-0001", company=b, created_by=user_b, subject="B社の問い合わせ"),
    }
    InquiryMessage.objects.create(inquiry=objects["inquiry"], author=user_b, body="B社の本文")
    # a colleague's: B's administrator has no second factor, so the owner test below needs no code
    objects["device"] = TOTPDevice.objects.create(user=colleague_b.user, name="B社の認証アプリ", confirmed=True)
    # the row only: another company's request must be refused before any file is opened
    objects["attachment"] = Attachment.objects.create(
        company=b,
        uploaded_by=user_b,
        order=order,
        file="attachments/2026/01/0123456789abcdef0123456789abcdef.pdf",
        original_name="B社の申請書類.pdf",
        kind="pdf",
        size=1,
        sha256="0" * 64,
    )
    return {"a": member_a, "b": member_b, "objects": objects}


def _cases(o):
    """URL name → (path, the row that must not change)."""
    return {
        "company:member-update": (reverse("company:member-update", args=[o["member"].pk]), o["member"]),
        "company:member-deactivate": (reverse("company:member-deactivate", args=[o["member"].pk]), o["member"].user),
        "addressbook:update": (reverse("addressbook:update", args=[o["company_address"].pk]), o["company_address"]),
        "addressbook:delete": (reverse("addressbook:delete", args=[o["company_address"].pk]), o["company_address"]),
        "addressbook:set-default": (
            reverse("addressbook:set-default", args=[o["company_address"].pk]),
            o["company_address"],
        ),
        "quotes:quote-detail": (reverse("quotes:quote-detail", args=[o["quote"].number]), o["quote"]),
        "quotes:quote-print": (reverse("quotes:quote-print", args=[o["quote"].number]), o["quote"]),
        "quotes:quote-pdf": (reverse("quotes:quote-pdf", args=[o["quote"].number]), o["quote"]),
        # GET shows the thread, POST replies: both must answer 404 (the reply would add a message)
        "inquiries:inquiry-detail": (reverse("inquiries:inquiry-detail", args=[o["inquiry"].number]), o["inquiry"]),
        # 「この注文について問い合わせ」 (O6): the order number comes in the query string (GET) or the form (POST)
        "inquiries:inquiry-create": (f"{reverse('inquiries:inquiry-create')}?order={o['order'].number}", o["order"]),
        "quotes:quote-order": (reverse("quotes:quote-order", args=[o["quote"].number]), o["quote"]),
        "quotes:quote-requote": (reverse("quotes:quote-requote", args=[o["quote"].number]), o["quote"]),
        "orders:order-detail": (reverse("orders:order-detail", args=[o["order"].number]), o["order"]),
        "attachments:attachment-download": (
            reverse("attachments:attachment-download", args=[o["attachment"].pk]),
            o["attachment"],
        ),
        "orders:order-reorder": (reverse("orders:order-reorder", args=[o["order"].number]), o["order"]),
        "orders:order-withdraw": (reverse("orders:order-withdraw", args=[o["order"].number]), o["order"]),
        "billing:delivery-note": (reverse("billing:delivery-note", args=[o["order"].number]), o["order"]),
        "billing:invoice": (reverse("billing:invoice", args=[o["order"].number]), o["order"]),
        "customer:order": (reverse("customer:order", args=[o["order"].number]), o["order"]),
        "customer:order-line": (reverse("customer:order-line", args=[o["order"].number, o["line"].pk]), o["order"]),
        "customer:address-detail": (reverse("customer:address-detail", args=[o["user_address"].pk]), o["user_address"]),
        "customer:address-delete": (reverse("customer:address-delete", args=[o["user_address"].pk]), o["user_address"]),
        "customer:address-change-status": (
            reverse("customer:address-change-status", args=[o["user_address"].pk, "default_for_shipping"]),
            o["user_address"],
        ),
        "approvals:approval-detail": (reverse("approvals:approval-detail", args=[o["order"].number]), o["order"]),
        "approvals:approval-decide": (reverse("approvals:approval-decide", args=[o["order"].number]), o["order"]),
        "customer:email-detail": (reverse("customer:email-detail", args=[o["email"].pk]), o["email"]),
        "customer:notifications-detail": (
            reverse("customer:notifications-detail", args=[o["notification"].pk]),
            o["notification"],
        ),
        "customer:alerts-cancel-by-pk": (reverse("customer:alerts-cancel-by-pk", args=[o["alert"].pk]), o["alert"]),
        "twofactor:device-remove": (reverse("twofactor:device-remove", args=[o["device"].pk]), o["device"]),
    }


# Every table a buyer page could write. Catalogue, CMS, sessions and the lock-out log are left out:
# no buyer page writes them.
TOUCHED_APPS = (
    "accounts",
    "address",
    "addressbook",
    "analytics",
    "approvals",
    "attachments",
    "basket",
    "billing",
    "communication",
    "companies",
    "customer",
    "favourites",
    "inquiries",
    "notifications",
    "offer",
    "order",
    "otp_totp",
    "partner",
    "payment",
    "payments",
    "quotes",
    "twofactor",
    "voucher",
    "wishlists",
)


def all_rows() -> str:
    """Every row of every touched table, serialized (the last sign-in time aside)."""
    models = [m for label in TOUCHED_APPS for m in apps.get_app_config(label).get_models() if not m._meta.proxy]
    dump = json.loads(serializers.serialize("json", [obj for m in models for obj in m._default_manager.order_by("pk")]))
    for row in dump:
        row["fields"].pop("last_login", None)
    return json.dumps(dump, sort_keys=True, ensure_ascii=False)


def _verify_second_factor(client, user):
    """Managing devices needs a session verified with a code: give A's session one (M11)."""
    device = TOTPDevice.objects.create(user=user, name="A社の認証アプリ", confirmed=True)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    assert client.post(reverse("twofactor:verify"), {"token": code, "next": "/"}).status_code == 302


def test_every_object_url_has_an_entry(world):
    # covers: M6
    covered = set(_cases(world["objects"])) | set(EXEMPT)
    missing = object_urls() - covered
    assert not missing, f"object URLs without an isolation entry: {sorted(missing)}"


def url_name_coverage(objects) -> dict[str, set[str]]:
    """Buyer URL names: covered by a case (path here, query or body in test_isolation_params), exempt, or missing."""
    from tests.functional import test_isolation_params as params

    names = buyer_url_names()
    covered = names & (set(_cases(objects)) | {name for name, _param, _where in params.COVERED})
    exempt = (names - covered) & (set(EXEMPT) | set(NO_OBJECT))
    return {"covered": covered, "exempt": exempt, "missing": names - covered - exempt}


def test_every_buyer_url_name_is_covered_or_exempt(world):
    # covers: M6
    coverage = url_name_coverage(world["objects"])
    assert not coverage["missing"], f"buyer URL names without a case or a reason: {sorted(coverage['missing'])}"
    stale = (set(NO_OBJECT) | set(EXEMPT)) - buyer_url_names()
    assert not stale, f"reasons for URL names that no longer exist: {sorted(stale)}"
    assert all(reason.strip() for reason in (*EXEMPT.values(), *NO_OBJECT.values()))


def test_another_company_gets_404_and_nothing_changes(client, world):
    # covers: M6
    client.force_login(world["a"].user)
    _verify_second_factor(client, world["a"].user)
    client.get(reverse("basket:summary"))  # A's own basket exists before the rows are compared
    failures = []
    for name, (path, row) in _cases(world["objects"]).items():
        before = all_rows()
        follow = name in OSCAR_REDIRECTS  # Oscar's page redirects to ours, which must answer 404
        statuses = {method: getattr(client, method)(path, follow=follow).status_code for method in ("get", "post")}
        # 405: the method is not offered at all; every method that is offered must answer 404
        if set(statuses.values()) - {404, 405} or 404 not in statuses.values():
            failures.append((name, statuses))
        if all_rows() != before:
            failures.append((name, "rows changed", ""))
        row.refresh_from_db()  # B's object itself is still there
    assert not failures, failures


def test_anonymous_is_sent_to_login(client, world):
    # covers: M6
    for name, (path, _row) in _cases(world["objects"]).items():
        response = client.get(path)
        if name in OSCAR_OFF:  # off for everyone, visitors too
            assert response.status_code == 404, name
            continue
        assert response.status_code == 302, name
        assert re.match(r"^/shop/accounts/login/\?next=", response["Location"]), (name, response["Location"])


def test_wishlists_are_hidden_even_from_their_owner(client, world):
    # covers: M6
    wishlist = world["objects"]["wishlist"]
    client.force_login(wishlist.owner)
    assert client.get(reverse("customer:wishlists-detail", args=[wishlist.key])).status_code == 404
