"""「事前申請」 opens an inquiry about the product (C4), no direct purchase of it (O2), inquiry threads (I1, I2)."""

import re
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail as django_mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.core.loading import get_model

from shop.accounts.roles import grant
from shop.addressbook import services as addressbook
from shop.demo.users import DEMO_PASSWORD
from shop.inquiries import services
from shop.inquiries.models import Inquiry, InquiryMessage
from tests.factories import MemberFactory
from tests.functional.test_staff_two_factor import code_for

Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db

PRE_APPLICATION_CODE = "MS-M365E3-EA-1Y"  # a demo product with 事前申請
NEW = "/shop/inquiries/new/"


@pytest.fixture
def product():
    product = Product.objects.get(upc=PRE_APPLICATION_CODE)
    assert product.requires_pre_application
    return product


@pytest.fixture
def staff_client(django_user_model):
    staff = django_user_model.objects.create_user("support1", "support1@kobai.example", "pw", is_staff=True)
    grant(staff, "inquiries")  # 問い合わせ対応 (S1)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    staff_client = Client()
    staff_client.force_login(staff)
    staff_client.post("/two-factor/verify/", {"token": code_for(device), "next": "/"})
    return staff_client


def _page(response):
    return BeautifulSoup(response.content, "html.parser")


def _open(member, product, body="利用予定数：600\n用途：全社展開"):
    inquiry, _ = services.open_inquiry(
        member=member, subject=services.pre_application_subject(product), body=body, product=product
    )
    return inquiry


def test_product_page_shows_pre_application_link_instead_of_add_to_basket(client, members, product):
    # covers: C4
    client.force_login(members["K0000004"].user)
    page = _page(client.get(product.get_absolute_url()))
    assert page.select_one("form.add-to-basket") is None
    link = page.select_one("a.pre-application")
    assert link.get_text(strip=True) == "事前申請"
    assert link["href"] == f"{NEW}?product={product.pk}"
    assert "mailto:" not in str(page.select_one(".product-detail aside"))

    client.logout()
    anonymous = _page(client.get(product.get_absolute_url()))
    assert anonymous.select_one("form.add-to-basket") is None
    href = anonymous.select_one("a.pre-application")["href"]
    login, _, next_url = href.partition("?next=")
    assert login == "/shop/accounts/login/" and unquote(next_url) == f"{NEW}?product={product.pk}"
    response = client.get(f"{NEW}?product={product.pk}")  # the form itself sends visitors to log in too
    assert response.status_code == 302 and response["Location"].startswith("/shop/accounts/login/?next=")
    logged_in = client.post(href, {"username": "K0000004", "password": DEMO_PASSWORD})
    assert logged_in.status_code == 302 and logged_in["Location"] == f"{NEW}?product={product.pk}"


def test_pre_application_product_cannot_be_put_in_the_basket(client, members, product):
    # covers: C4, O2
    client.force_login(members["K0000004"].user)
    response = client.post(f"/shop/basket/add/{product.pk}/", {"quantity": 1}, follow=True)
    assert "事前申請が必要" in response.content.decode()
    assert client.get("/shop/basket/").context["basket"].num_lines == 0
    ordinary = Product.objects.get(upc="MS-M365BS-1Y")  # other products still go in
    client.post(f"/shop/basket/add/{ordinary.pk}/", {"quantity": 1})
    assert client.get("/shop/basket/").context["basket"].num_lines == 1


def test_pre_application_product_still_lists_with_its_flag(client, product):
    # covers: C4
    html = client.get(f"/shop/catalogue/?maker={product.maker.slug}").content.decode()
    assert PRE_APPLICATION_CODE in html


def test_submitting_makes_one_inquiry_bound_to_the_product_and_mails_shop_and_buyer(
    client, members, product, django_capture_on_commit_callbacks
):
    # covers: C4, I1, E1
    buyer = members["K0000004"]
    client.force_login(buyer.user)
    form_page = _page(client.get(f"{NEW}?product={product.pk}"))
    subject = form_page.select_one("input[name=subject]")["value"]
    assert subject == f"事前申請: {product.get_title()}（{PRE_APPLICATION_CODE}）"
    assert PRE_APPLICATION_CODE in form_page.select_one(".inquiry-product").get_text()
    body_field = form_page.select_one("textarea[name=body]")
    assert "利用予定数" in body_field["placeholder"] and "用途" in body_field["placeholder"]
    data = {
        "subject": subject,
        "body": "利用予定数：600ユーザー\n用途：全社のメールとファイル共有",
        "product": form_page.select_one("input[name=product]")["value"],
        "submission_key": form_page.select_one("input[name=submission_key]")["value"],
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(NEW, data)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(NEW, data)  # the same form sent twice
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    inquiry = Inquiry.objects.get()
    assert re.fullmatch(r"I\d{6}-\d{5}", inquiry.number)
    assert (inquiry.product, inquiry.company, inquiry.created_by) == (product, buyer.company, buyer.user)
    assert inquiry.status == Inquiry.Status.OPEN and inquiry.messages.count() == 1
    assert first["Location"] == f"/shop/inquiries/{inquiry.number}/"

    assert len(django_mail.outbox) == 2
    by_recipient = {m.to[0]: m for m in django_mail.outbox}
    to_shop = by_recipient[settings.SHOP_CONTACT_EMAIL]
    assert inquiry.number in to_shop.subject and "600ユーザー" in to_shop.body and PRE_APPLICATION_CODE in to_shop.body
    receipt = by_recipient[buyer.user.email]
    assert "受け付けました" in receipt.subject and f"/shop/inquiries/{inquiry.number}/" in receipt.body

    detail = client.get(first["Location"]).content.decode()
    assert "全社のメールとファイル共有" in detail and "受付中" in detail
    listing = _page(client.get("/shop/inquiries/"))
    assert [tr["data-number"] for tr in listing.select(".inquiries-table tr[data-number]")] == [inquiry.number]


def test_empty_body_is_refused_with_a_message(client, members, product):
    # covers: I1
    client.force_login(members["K0000004"].user)
    response = client.post(NEW, {"subject": "事前申請", "body": "  \n ", "product": product.pk, "submission_key": "x"})
    assert response.status_code == 200
    assert "お問い合わせ内容を入力してください。" in response.content.decode()
    assert not Inquiry.objects.exists()


def test_staff_answer_reaches_the_buyer_and_the_thread_goes_on(
    client, staff_client, members, product, django_capture_on_commit_callbacks
):
    # covers: I2, C4
    buyer = members["K0000004"]
    inquiry = _open(buyer, product)
    dashboard = _page(staff_client.get("/shop/dashboard/inquiries/"))
    assert dashboard.select_one(f"tr[data-number='{inquiry.number}']") is not None
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/shop/dashboard/inquiries/{inquiry.number}/", {"body": "600ユーザーで個別見積をお送りします。"}
        )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.ANSWERED
    assert [m.to for m in django_mail.outbox] == [[buyer.user.email]]
    assert "回答しました" in django_mail.outbox[0].subject and inquiry.number in django_mail.outbox[0].subject
    assert f"/shop/inquiries/{inquiry.number}/" in django_mail.outbox[0].body

    client.force_login(members["K0000002"].user)  # a colleague: inquiries are company-wide
    page = client.get(f"/shop/inquiries/{inquiry.number}/").content.decode()
    assert "600ユーザーで個別見積をお送りします。" in page and "回答済" in page

    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/shop/inquiries/{inquiry.number}/", {"body": "開始日は12月1日希望です。"})
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.OPEN
    assert [m.to for m in django_mail.outbox] == [[settings.SHOP_CONTACT_EMAIL]]
    assert [m.from_staff for m in inquiry.messages.all()] == [False, True, False]
    assert (
        "開始日は12月1日希望です。" in staff_client.get(f"/shop/dashboard/inquiries/{inquiry.number}/").content.decode()
    )


def test_staff_answer_needs_text_and_a_closed_inquiry_takes_no_more_buyer_messages(
    client, staff_client, members, product
):
    # covers: I2
    inquiry = _open(members["K0000004"], product)
    empty = staff_client.post(f"/shop/dashboard/inquiries/{inquiry.number}/", {"body": " "})
    assert empty.status_code == 400 and "回答内容を入力してください。" in empty.content.decode()
    staff_client.post(f"/shop/dashboard/inquiries/{inquiry.number}/", {"action": "close"})
    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.CLOSED
    client.force_login(members["K0000004"].user)
    page = client.get(f"/shop/inquiries/{inquiry.number}/").content.decode()
    assert "完了" in page and "inquiry-reply" not in page
    response = client.post(f"/shop/inquiries/{inquiry.number}/", {"body": "追加です"}, follow=True)
    assert "完了しています" in response.content.decode()
    assert InquiryMessage.objects.filter(inquiry=inquiry).count() == 1


def test_another_company_gets_404(client, members, product):
    # covers: I1, M6
    inquiry = _open(members["K0000004"], product)
    outsider = MemberFactory()
    client.force_login(outsider.user)
    assert client.get(f"/shop/inquiries/{inquiry.number}/").status_code == 404
    assert client.post(f"/shop/inquiries/{inquiry.number}/", {"body": "のぞき見"}).status_code == 404
    assert inquiry.number not in client.get("/shop/inquiries/").content.decode()
    assert inquiry.messages.count() == 1


def test_buyers_cannot_open_the_staff_pages(client, members, product):
    # covers: I2, M11
    inquiry = _open(members["K0000001"], product)
    client.force_login(members["K0000001"].user)
    for path in ("/shop/dashboard/inquiries/", f"/shop/dashboard/inquiries/{inquiry.number}/"):
        response = client.get(path)  # refused, or first sent to a second factor they do not have
        assert response.status_code == 403 or response["Location"].startswith("/two-factor/")


def test_staff_answer_a_pre_application_with_a_custom_quote_the_buyer_can_order(client, staff_client, members, product):
    # covers: C4, Q5
    buyer = members["K0000001"]
    inquiry = _open(buyer, product)
    # issuing a custom quote is 受注管理's (S1): this desk holds both roles
    grant(get_user_model().objects.get(username="support1"), "orders")
    detail = _page(staff_client.get(f"/shop/dashboard/inquiries/{inquiry.number}/"))
    start = _page(staff_client.get(detail.select_one("a.answer-with-quote")["href"]))
    form = start.select_one("form.custom-quote-form")
    data = {
        field["name"]: field.get("value", "")
        for field in form.select("input[name], textarea[name]")
        if field.get("type") not in ("submit", "checkbox")
    }
    for textarea in form.select("textarea[name]"):
        data[textarea["name"]] = textarea.get_text()
    selected = form.select_one("select[name=company] option[selected]")
    assert selected is not None and selected["value"] == str(buyer.company.pk)
    assert data["lines-0-code"] == PRE_APPLICATION_CODE and inquiry.number in data["note"]
    data.update({"company": str(buyer.company.pk), "lines-0-quantity": "600", "lines-0-unit_price": "3500"})
    data.pop("add_rows", None)
    response = staff_client.post(form.get("action") or "/shop/dashboard/quotes/create/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    quote = buyer.company.quotes.get()
    assert quote.is_custom and quote.total == 2_310_000  # 600 × ¥3,500 + 10 %

    buyer.company.credit_limit = 3_000_000
    buyer.company.save()
    address, _ = addressbook.create_from_company(member=buyer)
    client.force_login(buyer.user)  # a 事前申請 product cannot go in the basket, but its custom quote can be ordered
    order_page = _page(client.get(f"/shop/quotes/{quote.number}/order/"))
    key = order_page.select_one("input[name=submission_key]")["value"]
    client.post(
        f"/shop/quotes/{quote.number}/order/",
        {"submission_key": key, "delivery_address": address.pk, "payment_method": "invoice"},
    )
    order = quote.orders.get()
    assert [(line.upc, line.quantity) for line in order.lines.all()] == [(PRE_APPLICATION_CODE, 600)]


def test_a_visitor_asks_before_joining_and_gets_the_answer_by_email(
    client, staff_client, django_capture_on_commit_callbacks
):
    # covers: I1, I2
    page = client.get("/")
    contact = _page(page).select_one("a.site-footer__contact")["href"]
    assert contact == "/shop/inquiries/contact/"
    form = _page(client.get(contact)).select_one("form.visitor-inquiry-form")
    key = form.select_one("input[name=submission_key]")["value"]
    data = {
        "submission_key": key,
        "company_name": "株式会社みらい設計",
        "name": "山田 花子",
        "email": "hanako@mirai-sekkei.example.jp",
        "phone": "０３－１２３４－５６７８",
        "category": "product",
        "subject": "CADソフトのライセンス形態について",
        "body": "10名で使う場合、どの契約が適していますか。",
        "website": "",
    }
    refused = client.post(contact, {**data, "email": "not-an-address"})
    assert refused.status_code == 400 and "メールアドレスの形式" in refused.content.decode()
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(contact, data)
        client.post(contact, data)  # sent twice
    inquiry = Inquiry.objects.get(visitor_email="hanako@mirai-sekkei.example.jp")
    assert inquiry.number in done.content.decode() and inquiry.company is None
    assert inquiry.category == "product" and inquiry.visitor_phone == "03-1234-5678"
    assert sorted(m.to[0] for m in django_mail.outbox) == sorted(
        [settings.SHOP_CONTACT_EMAIL, "hanako@mirai-sekkei.example.jp"]
    )

    django_mail.outbox.clear()
    staff_page = staff_client.get(f"/shop/dashboard/inquiries/{inquiry.number}/").content.decode()
    assert "株式会社みらい設計" in staff_page and "hanako@mirai-sekkei.example.jp" in staff_page
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            f"/shop/dashboard/inquiries/{inquiry.number}/", {"body": "年間サブスクリプションをお勧めします。"}
        )
    [answer] = django_mail.outbox
    assert answer.to == ["hanako@mirai-sekkei.example.jp"] and "年間サブスクリプションをお勧めします。" in answer.body


def test_a_robot_filling_the_hidden_field_is_thanked_but_nothing_is_kept(client):
    # covers: I1
    response = client.post(
        "/shop/inquiries/contact/",
        {
            "company_name": "x", "name": "x", "email": "bot@example.com", "category": "other",
            "subject": "win", "body": "spam", "website": "http://spam.example",
        },
    )  # fmt: skip
    assert response.status_code == 200 and not Inquiry.objects.filter(visitor_email="bot@example.com").exists()


def test_a_member_inquiry_keeps_the_category_chosen(client, members):
    # covers: I1
    client.force_login(members["K0000002"].user)
    client.post(NEW, {"category": "billing", "subject": "請求書の宛名", "body": "宛名を変更できますか。"})
    assert Inquiry.objects.get(subject="請求書の宛名").category == "billing"
