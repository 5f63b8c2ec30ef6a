"""Data isolation (M6), generated from the URLconf.

Every buyer-side URL that takes an object id, number or key is listed here,
either with a way to build another company's object for it, or as exempt
with the reason. A new URL without an entry fails `test_every_object_url_has_an_entry`.
For each entry, a member of another company gets 404 and no row changes, and
an anonymous visitor is sent to log in.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import serializers
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from oscar.core.loading import get_model

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

# URL name → why an id in it is not another company's object
EXEMPT = {
    "catalogue:detail": "public catalogue",
    "catalogue:category": "public catalogue",
    "catalogue:range": "public catalogue",
    "offer:detail": "public campaign page",
    "basket:add": "public product id; acts on the requester's own basket",
    "basket:vouchers-remove": "shop-wide voucher id; only ever removed from the requester's own basket",
    "customer:alert-create": "public product id; creates the requester's own alert",
    "customer:alerts-confirm": "signed key sent to the alert's own email address",
    "customer:alerts-cancel-by-key": "signed key sent to the alert's own email address",
    "customer:anon-order": "anonymous checkout is off; order number + secret hash",
    "customer:anon-order-form": "anonymous checkout is off; order number + secret hash",
    "membership:first-password": "single-use signed token from the email, not an object id",
    "mypage:confirm-email": "signed token sent to the new address, not an object id",
    "password-reset-confirm": "Django's signed reset token, not an object id",
    "favourites:add": "public product id; adds to the requester's own list only",
    "favourites:remove": "public product id; removes from the requester's own list only (tested in test_favourites)",
    "wishlists:detail": "wishlists are a hidden feature (URL answers 404 for everyone)",
    **{
        f"customer:wishlists-{view}": "wishlists are a hidden feature: 404 for everyone, the owner too (tested below)"
        for view in (
            "add-product",
            "create-with-product",
            "detail",
            "update",
            "delete",
            "remove-product",
            "move-product-to-another",
        )
    },
}


def _walk(resolver, prefix="", ns=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p, prefix + str(p.pattern), ns + (f"{p.namespace}:" if p.namespace else ""))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), ns + (p.name or "")


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
    }


def _snapshot(instance):
    instance.refresh_from_db()
    return serializers.serialize("json", [instance])


def test_every_object_url_has_an_entry(world):
    # covers: M6
    covered = set(_cases(world["objects"])) | set(EXEMPT)
    missing = object_urls() - covered
    assert not missing, f"object URLs without an isolation entry: {sorted(missing)}"


def test_another_company_gets_404_and_nothing_changes(client, world):
    # covers: M6
    client.force_login(world["a"].user)
    failures = []
    for name, (path, row) in _cases(world["objects"]).items():
        before = _snapshot(row)
        statuses = {method: getattr(client, method)(path).status_code for method in ("get", "post")}
        # 405: the method is not offered at all; every method that is offered must answer 404
        if set(statuses.values()) - {404, 405} or 404 not in statuses.values():
            failures.append((name, statuses))
        if _snapshot(row) != before:
            failures.append((name, "row changed", ""))
    assert not failures, failures


def test_anonymous_is_sent_to_login(client, world):
    # covers: M6
    for name, (path, _row) in _cases(world["objects"]).items():
        response = client.get(path)
        assert response.status_code == 302, name
        assert re.match(r"^/shop/accounts/login/\?next=", response["Location"]), (name, response["Location"])


def test_wishlists_are_hidden_even_from_their_owner(client, world):
    # covers: M6
    wishlist = world["objects"]["wishlist"]
    client.force_login(wishlist.owner)
    assert client.get(reverse("customer:wishlists-detail", args=[wishlist.key])).status_code == 404
