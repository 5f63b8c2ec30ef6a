"""End-to-end: the demo requester fills a basket with three products, makes a
quote (Q1), finds it in 見積履歴 (Q2), prints it and downloads the PDF, whose
text holds the quote number, every product code, the tax and the total."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from oscar.core.loading import get_model
from playwright.sync_api import expect
from pypdf import PdfReader

from shop.billing import tax
from shop.demo.users import DEMO_PASSWORD, ensure_demo_company

pytestmark = pytest.mark.e2e

Product = get_model("catalogue", "Product")

PRODUCTS = {"MS-M365BS-1Y": 3, "TM-VBBS-1Y-N": 12, "FT-FG40F-HW": 1}


def _yen(amount: Decimal) -> str:
    return f"¥{amount:,.0f}"


def _amount(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d]", "", text))


# covers: Q1, Q2, O1
def test_requester_quotes_a_basket_prints_it_and_downloads_the_pdf(page, demo_site, tmp_path):
    ensure_demo_company()
    products = {code: Product.objects.get(upc=code) for code in PRODUCTS}
    prices = {code: p.stockrecords.get().price for code, p in products.items()}
    expected = tax.summarise(tax.TaxableLine(amount=prices[c] * q) for c, q in PRODUCTS.items())

    page.goto(demo_site + "/shop/accounts/login/")
    form = page.locator("form.login-form")
    form.locator("[name=username]").fill("K0000004")
    form.locator("[name=password]").fill(DEMO_PASSWORD)
    form.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("link", name="マイページ").first).to_be_visible()

    for code, quantity in PRODUCTS.items():
        page.goto(demo_site + products[code].get_absolute_url())
        add = page.locator("form.add-to-basket")
        add.locator("[name=quantity]").fill(str(quantity))
        add.locator("[type=submit]").click()
        page.wait_for_load_state()

    page.goto(demo_site + "/shop/basket/")
    totals = page.locator("#basket_totals table.totals-table")
    expect(totals.locator("tr.grand td")).to_have_text(_yen(expected.gross))
    page.locator("form.quote-create").get_by_role("button", name="見積を作成").click()

    # the quote page: number, the three lines and the tax breakdown
    page.wait_for_url(re.compile(r"/shop/quotes/Q\d{6}-\d{5}/$"))
    number = re.search(r"Q\d{6}-\d{5}", page.url).group()
    expect(page.locator(".quote-lines code")).to_have_text(list(PRODUCTS))
    breakdown = {
        row.locator("th").inner_text().strip(): _amount(row.locator("td").inner_text())
        for row in page.locator("table.totals-table tr").all()
    }
    assert breakdown == {"小計(税抜)": expected.net, "消費税(10%)": expected.tax, "合計(税込)": expected.gross}
    page.goto(demo_site + "/shop/basket/")
    expect(page.locator("form.quote-create")).to_have_count(0)  # the basket was emptied

    # 見積履歴 from my page, then the detail page
    page.goto(demo_site + "/shop/mypage/")
    page.locator(".mypage-purchasing").get_by_role("link", name="見積履歴").click()
    page.get_by_role("link", name=number).click()
    page.wait_for_url(f"**/shop/quotes/{number}/")

    # the print page
    page.get_by_role("link", name="この見積を印刷する").click()
    page.wait_for_url(f"**/shop/quotes/{number}/print/")
    printed = page.locator("body").inner_text()
    for text in (number, *PRODUCTS, _yen(expected.tax), _yen(expected.gross)):
        assert text in printed, text
    page.go_back()

    # the PDF, read back with a text extractor
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDFをダウンロード").click()
    path = tmp_path / "quote.pdf"
    download_info.value.save_as(path)
    text = "".join(p.extract_text() for p in PdfReader(path).pages)
    flat = re.sub(r"\s+", "", text)
    for needle in (number, *PRODUCTS, _yen(expected.tax), _yen(expected.gross)):
        assert needle in flat, (needle, text)
