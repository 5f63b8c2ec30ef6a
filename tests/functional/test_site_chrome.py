"""One header and footer on Wagtail pages and Oscar pages (W4); prices say 税抜 (C2)."""

import pytest
from bs4 import BeautifulSoup
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db

HEADER_LINKS = {"取り扱い商品", "ご利用ガイド", "よくあるご質問", "ECサイトで購入する", "ログイン", "新規会員登録"}


def _header(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    soup = BeautifulSoup(response.content, "html.parser")
    header = soup.select_one("header.site-header")
    assert header is not None, url
    return header, soup


@pytest.mark.parametrize(
    "url", ["/", "/guide/", "/faq/", "/shop/catalogue/", "/shop/search/?q=ウイルス", "/shop/basket/"]
)
def test_every_page_has_the_same_header_and_footer(client, url):
    # covers: W4
    header, soup = _header(client, url)
    texts = {a.get_text(strip=True) for a in header.select("a")}
    assert HEADER_LINKS <= texts, (url, texts)
    search = header.select_one("form.site-search")
    assert search["action"] == "/shop/search/" and search.select_one("input[name=q]") is not None
    assert header.select_one("a.site-logo")["href"] == "/"
    assert soup.select_one("footer.site-footer") is not None


def test_header_links_are_alive(client):
    # covers: W4
    header, _ = _header(client, "/")
    for a in header.select("a[href^='/']"):
        assert client.get(a["href"]).status_code == 200, a["href"]


def test_buy_on_the_web_shop_leads_visitors_through_login_and_members_to_the_catalogue(client, members):
    # covers: W4
    header, _ = _header(client, "/faq/")
    assert header.select_one("a.site-shop")["href"] == "/shop/accounts/login/?next=/shop/catalogue/"
    client.force_login(members["K0000004"].user)
    header, _ = _header(client, "/faq/")
    assert header.select_one("a.site-shop")["href"] == "/shop/catalogue/"


def test_dashboard_and_wagtail_admin_keep_their_own_chrome(client):
    # covers: W4
    for url in ["/shop/dashboard/login/", "/cms-admin/login/"]:
        soup = BeautifulSoup(client.get(url).content, "html.parser")
        assert soup.select_one("header.site-header") is None, url


def test_prices_are_tax_exclusive_and_say_so(client):
    # covers: C2
    product = Product.objects.get(upc="MS-M365BS-1Y")
    price = product.stockrecords.get().price
    soup = BeautifulSoup(client.get(product.get_absolute_url()).content, "html.parser")
    shown = soup.select_one(".product-detail .price-excl").get_text(strip=True)
    assert shown == f"¥{int(price):,}"
    assert soup.select_one(".product-detail .tax-note").get_text(strip=True) == "(税抜)"
    listing = BeautifulSoup(client.get("/shop/search/?q=MS-M365BS-1Y").content, "html.parser")
    row = listing.select_one("li.product-row[data-code='MS-M365BS-1Y']")
    assert row.select_one(".price-excl").get_text(strip=True) == f"¥{int(price):,}"
    assert row.select_one(".tax-note").get_text(strip=True) == "(税抜)"


def test_japanese_first_whatever_the_browser_says(client):
    response = client.get("/shop/catalogue/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "取り扱い商品" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/shop/catalogue/"})
    assert ">Products<" in client.get("/shop/catalogue/").content.decode()
    client.post("/i18n/setlang/", {"language": "ja", "next": "/shop/catalogue/"})
    assert "取り扱い商品" in client.get("/shop/catalogue/").content.decode()
