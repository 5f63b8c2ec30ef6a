"""End-to-end: the demo requester orders on deferred invoice with a PO number,
a comment and an application PDF (O2, O3); the first and then the second
approver approve from their own sessions (M7); the order becomes 受付済 and
「ご注文を受付しました」 with the order number is in the outbox (O4)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from oscar.core.loading import get_model
from playwright.sync_api import expect

from shop.addressbook import services as addressbook
from shop.demo.users import DEMO_PASSWORD, ensure_demo_company
from shop.notifications.models import OutboundEmail
from tests import upload_corpus

pytestmark = pytest.mark.e2e

Product = get_model("catalogue", "Product")
Order = get_model("order", "Order")


def _log_in(browser, base_url: str, login_id: str):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/shop/accounts/login/")
    form = page.locator("form.login-form")
    form.locator("[name=username]").fill(login_id)
    form.locator("[name=password]").fill(DEMO_PASSWORD)
    form.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("link", name="マイページ").first).to_be_visible()
    return context, page


def _approve(browser, base_url: str, login_id: str, number: str):
    context, page = _log_in(browser, base_url, login_id)
    try:
        page.goto(base_url + "/shop/approvals/")
        page.get_by_role("link", name=number).click()
        expect(page.locator(".order-summary")).to_contain_text("PO-E2E-7")  # what will be ordered
        expect(page.locator(".order-summary")).to_contain_text("請求書払い")
        page.locator("#approval-comment").fill("承認します")
        page.get_by_role("button", name="承認する").click()
        expect(page.locator(".alert-success").first).to_contain_text("承認しました")
    finally:
        context.close()


# covers: O2, O3, O4, M7, P2
def test_requester_orders_and_two_approvers_approve(page, browser, demo_site, tmp_path):
    company = ensure_demo_company()
    company.credit_limit = Decimal("5000000")
    company.save()
    members = {m.user.username: m for m in company.members.select_related("user")}
    addressbook.create_from_company(member=members["K0000001"])
    product = Product.objects.get(upc="MS-M365BS-1Y")
    document = tmp_path / "稟議書.pdf"
    document.write_bytes(upload_corpus.reportlab_pdf())

    page.goto(demo_site + "/shop/accounts/login/")
    form = page.locator("form.login-form")
    form.locator("[name=username]").fill("K0000004")
    form.locator("[name=password]").fill(DEMO_PASSWORD)
    form.get_by_role("button", name="ログイン").click()
    page.goto(demo_site + product.get_absolute_url())
    page.locator("form.add-to-basket [name=quantity]").fill("10")
    page.locator("form.add-to-basket [type=submit]").click()
    page.goto(demo_site + "/shop/basket/")
    page.locator("a[href='/shop/checkout/']").first.click()

    page.wait_for_url("**/shop/checkout/")
    checkout = page.locator("form.checkout-form")
    expect(checkout.locator("input[name=delivery_address]").first).to_be_checked()
    expect(checkout.locator(".card-not-allowed")).to_be_visible()  # P1: told why the card is not offered
    checkout.locator("input[name=payment_method][value=invoice]").check()
    checkout.locator("[name=purchase_order_number]").fill("PO-E2E-7")
    checkout.locator("[name=comment]").fill("今月中の納品を希望します")
    checkout.locator("input[name=documents]").set_input_files(str(document))
    checkout.get_by_role("button", name="注文する").click()

    page.wait_for_url(re.compile(r"/shop/orders/K\d{6}-\d{5}/$"))
    number = re.search(r"K\d{6}-\d{5}", page.url).group()
    expect(page.locator(".order-status")).to_have_text("承認待ち")
    expect(page.locator(".order-documents a")).to_have_text("稟議書.pdf")

    _approve(browser, demo_site, "K0000002", number)
    page.reload()
    expect(page.locator(".order-status")).to_have_text("承認待ち")  # the second approval is still to come
    _approve(browser, demo_site, "K0000003", number)
    page.reload()
    expect(page.locator(".order-status")).to_have_text("受付済")

    order = Order.objects.get(number=number)
    assert order.purchase_order_number == "PO-E2E-7" and order.comment == "今月中の納品を希望します"
    received = [
        m for m in OutboundEmail.objects.filter(subject__contains="ご注文を受付しました") if m.to == [order.user.email]
    ]
    assert len(received) == 1 and number in received[0].subject and number in received[0].body
