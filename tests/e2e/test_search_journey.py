"""End-to-end: a buyer finds a product from the header search box (C3, C2) and
the site chrome is the same on CMS and shop pages (W4)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
from django.conf import settings
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

ROWS = "ul.search-results > li.product-row"


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def _result_total(page) -> int:
    """The number in 「N件の商品が見つかりました」."""
    text = page.locator("span.result-count").inner_text()
    match = re.search(r"\d[\d,]*", text)
    assert match, f"no number in the result count {text!r}"
    return int(match.group().replace(",", ""))


# covers: C3, C2, W4
def test_search_from_header_filter_by_maker_and_open_product(page, demo_site):
    # W4: start on the Wagtail home page and use the header search box.
    page.goto(demo_site + "/")
    search_box = page.locator("header.site-header form.site-search input#site-search-q")
    expect(search_box).to_be_visible()
    search_box.fill("ウイルス")
    search_box.press("Enter")  # keyboard submit, not the button

    # C3: the results page for the query.
    page.wait_for_url(lambda url: _query(url).get("q") == ["ウイルス"])
    rows = page.locator(ROWS)
    expect(rows.first).to_be_visible()
    expect(page.locator("header.site-header input#site-search-q")).to_have_value("ウイルス")
    all_count = rows.count()
    assert all_count >= 5, f"expected at least 5 rows for ウイルス, got {all_count}"
    titles = rows.locator("h3 a").all_inner_texts()
    assert any("ウイルス" in title for title in titles), titles
    all_total = _result_total(page)
    assert all_total >= all_count

    # Narrow by maker: the facet link whose text starts with トレンドマイクロ.
    maker_link = page.locator("ul.facet-makers a", has_text=re.compile(r"^\s*トレンドマイクロ"))
    expect(maker_link).to_have_count(1)
    maker_link.click()
    page.wait_for_url(lambda url: _query(url).get("maker") == ["trend-micro"])
    assert _query(page.url).get("q") == ["ウイルス"], page.url
    expect(page.locator("ul.facet-makers li.active")).to_contain_text("トレンドマイクロ")

    rows = page.locator(ROWS)
    expect(rows.first).to_be_visible()
    maker_count = rows.count()
    assert maker_count >= 1
    # C2: every remaining row names its maker in the meta line.
    makers = rows.locator(".product-row__meta span.maker").all_inner_texts()
    assert len(makers) == maker_count, f"{maker_count} rows but {len(makers)} maker labels"
    assert all(m.strip() == "トレンドマイクロ" for m in makers), makers
    maker_total = _result_total(page)
    assert maker_total <= all_total, (maker_total, all_total)
    assert maker_count <= all_count, (maker_count, all_count)

    # Open the first product from its title link.
    first = rows.first
    code = first.get_attribute("data-code")
    assert code
    title_link = first.locator("h3 a")
    title = title_link.inner_text().strip()
    href = title_link.get_attribute("href")
    assert href
    title_link.click()
    page.wait_for_url(lambda url: urlparse(url).path == urlparse(urljoin(demo_site, href)).path)

    # C2: the product page shows the excl.-tax price with its note, and the code.
    expect(page.locator("article.product-detail h1")).to_have_text(title)
    price = page.locator("article.product-detail aside span.price-excl")
    expect(price).to_have_count(1)
    expect(price).to_have_text(re.compile(r"^¥\s*[\d,]+$"))
    expect(page.locator("article.product-detail aside span.price-excl + span.tax-note")).to_have_text("(税抜)")
    expect(page.locator("table.product-facts code")).to_have_text(code)


HEADER_LINKS = ["取り扱い商品", "ご利用ガイド", "よくあるご質問", "ログイン", "新規会員登録"]


# covers: W4
def test_site_header_on_cms_and_shop_pages(page, demo_site):
    # One test, three pages: the Wagtail home page, an Oscar page and a Wagtail
    # standard page (each e2e test pays for a database flush and demo reload).
    for path in ("/", "/shop/catalogue/", "/faq/"):
        response = page.goto(demo_site + path)
        assert response is not None and response.status == 200, (path, response and response.status)

        header = page.locator("header.site-header")
        expect(header).to_have_count(1)
        logo = header.locator("a.site-logo")
        expect(logo).to_be_visible()
        expect(logo).to_have_attribute("href", "/")
        expect(logo).to_contain_text(settings.SHOP_NAME)
        for name in HEADER_LINKS:
            expect(header.get_by_role("link", name=name, exact=True)).to_be_visible()
        expect(header.locator("form.site-search input#site-search-q")).to_be_visible()

        # No dead links: the guide and FAQ links in the header answer 200.
        for name in ("ご利用ガイド", "よくあるご質問"):
            href = header.get_by_role("link", name=name, exact=True).get_attribute("href")
            assert href, (path, name)
            target = urljoin(page.url, href)
            answer = page.request.get(target)
            assert answer.status == 200, f"on {path}: {name} -> {target}: HTTP {answer.status}"
