"""CMS pages (W1, W2, W4): searchable FAQ, about page from settings, topics on the home page."""

import datetime

import pytest
from bs4 import BeautifulSoup
from oscar.core.loading import get_model

from cms.demo import ensure_pages
from cms.models import FaqPage, HomePage, StandardPage, TopicIndexPage, TopicPage, TopicProduct

Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db

# covers: W1, W2, W4


def _soup(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser")


def _questions(soup):
    return [dt.get_text(strip=True) for dt in soup.select(".faq-question")]


def test_faq_lists_sections_with_anchors_and_items(client):
    # covers: W2
    soup = _soup(client, "/faq/")
    sections = soup.select("section.faq-section")
    assert [s.h2.get_text(strip=True) for s in sections] == ["会員登録", "商品・見積", "ご注文", "お支払い"]
    assert all(s["id"] for s in sections)
    toc = {a["href"].split("#")[1] for a in soup.select(".faq-toc a")}
    assert toc == {s["id"] for s in sections}
    assert len(_questions(soup)) >= 12
    assert all(dd.select_one("p") for dd in soup.select(".faq-answer"))  # rich-text answers
    assert soup.select_one("form.faq-search input[name=q]") is not None


@pytest.mark.parametrize("query", ["カード", "ｶｰﾄﾞ", "クレジットカード"])
def test_faq_search_filters_on_the_server_whatever_the_width(client, query):
    # covers: W2
    soup = _soup(client, "/faq/?q=" + query)
    questions = _questions(soup)
    assert questions and len(questions) < 12
    assert "支払方法は何がありますか？" in questions  # the word is only in the answer
    for item in soup.select(".faq-item"):
        assert "カード" in item.get_text()
    assert soup.select_one("form.faq-search input[name=q]")["value"] == query
    assert soup.select_one(".faq-no-hit") is None


def test_faq_search_matches_questions_case_insensitively(client):
    # covers: W2
    questions = _questions(_soup(client, "/faq/?q=ｋ"))  # full-width k finds the お客様ID answer ("Kから始まる")
    assert "ログインにはメールアドレスを使いますか？" in questions
    assert "見積書の有効期限はいつまでですか？" in _questions(_soup(client, "/faq/?q=有効期限"))


def test_faq_search_without_hits_says_so(client):
    # covers: W2
    soup = _soup(client, "/faq/?q=存在しない語句xyz")
    assert _questions(soup) == []
    assert soup.select_one(".faq-no-hit").get_text(strip=True) == "該当する質問が見つかりませんでした"


def test_old_standard_faq_page_is_replaced_and_ensure_pages_is_idempotent(client):
    # covers: W2, S2
    home = HomePage.objects.get()
    home.get_children().get(slug="faq").delete()
    old = StandardPage(slug="faq", title="よくあるご質問", body="<h2>旧FAQ</h2>")
    home.add_child(instance=old)
    old.save_revision().publish()
    assert "旧FAQ" in client.get("/faq/").content.decode()

    ensure_pages()
    ensure_pages()
    faq = home.get_children().get(slug="faq")
    assert faq.specific_class is FaqPage
    assert not StandardPage.objects.filter(slug="faq").exists()
    content = client.get("/faq/").content.decode()
    assert "旧FAQ" not in content and "承認ルート" in content


def test_about_page_reads_the_issuer_from_settings(client, settings):
    # covers: W2
    soup = _soup(client, "/about/")
    assert soup.select_one(".page-header h1").get_text(strip=True) == f"{settings.SHOP_NAME}とは"
    assert soup.select_one(".issuer-registration-number").get_text(strip=True) == (
        settings.SHOP_ISSUER_REGISTRATION_NUMBER
    )
    settings.SHOP_NAME = "テスト購買"
    settings.SHOP_ISSUER_NAME = "テスト商事株式会社"
    settings.SHOP_ISSUER_POSTCODE = "530-0001"
    settings.SHOP_ISSUER_ADDRESS = "大阪府大阪市北区梅田9-9-9"
    settings.SHOP_ISSUER_PHONE = "06-9999-9999"
    settings.SHOP_ISSUER_REGISTRATION_NUMBER = "T9999999999999"
    soup = _soup(client, "/about/")
    assert soup.select_one(".page-header h1").get_text(strip=True) == "テスト購買とは"
    assert soup.select_one(".issuer-name").get_text(strip=True) == "テスト商事株式会社"
    assert soup.select_one(".issuer-address").get_text(strip=True) == "〒530-0001 大阪府大阪市北区梅田9-9-9"
    assert soup.select_one(".issuer-phone").get_text(strip=True) == "06-9999-9999"
    assert soup.select_one(".issuer-registration-number").get_text(strip=True) == "T9999999999999"
    assert soup.select_one(".rich-text").get_text(strip=True)  # editable body


def _add_topic(title, date, category=TopicPage.Category.CAMPAIGN, products=()):
    index = TopicIndexPage.objects.get()
    page = TopicPage(
        title=title,
        date=date,
        category=category,
        body="<p>本文</p>",
        related_products=[TopicProduct(product=p) for p in products],
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_home_lists_the_newest_five_topics_newest_first(client):
    # covers: W1
    assert TopicPage.objects.live().count() >= 3
    for day in range(1, 5):
        _add_topic(f"テストお知らせ{day}", datetime.date(2030, 1, day))
    _add_topic("古いお知らせ", datetime.date(2000, 1, 1))
    soup = _soup(client, "/")
    items = soup.select(".home-topics .topic-item")
    assert len(items) == 5
    dates = [li.select_one(".topic-date")["datetime"] for li in items]
    assert dates == sorted(dates, reverse=True)
    assert items[0].select_one(".topic-title").get_text(strip=True) == "テストお知らせ4"
    assert items[0].select_one(".topic-category").get_text(strip=True) == "キャンペーン"
    assert "古いお知らせ" not in soup.get_text()
    index = _soup(client, "/topics/")
    assert len(index.select(".topic-item")) == TopicPage.objects.live().count()


def test_demo_topics_link_products(client):
    # covers: W1, S2
    assert TopicPage.objects.live().count() == 3
    demo = TopicPage.objects.get(slug="2026-price-revision-m365")
    assert [p.upc for p in demo.products()] == ["MS-M365BB-1Y", "MS-M365BS-1Y"]
    soup = _soup(client, demo.url)
    assert len(soup.select(".topic-products .price-excl")) == 2


def test_topic_links_products_with_their_live_price(client):
    # covers: W1
    product = Product.objects.get(upc="MS-M365BS-1Y")
    topic = _add_topic("価格改定テスト", datetime.date(2030, 2, 1), TopicPage.Category.PRICE_REVISION, [product])
    record = product.stockrecords.get()
    record.price = 33333
    record.save()
    soup = _soup(client, topic.url)
    row = soup.select_one(".topic-products li[data-code='MS-M365BS-1Y']")
    assert row.a["href"] == product.get_absolute_url()
    assert row.select_one(".price-excl").get_text(strip=True) == "¥33,333"
    assert soup.select_one(".topic-category").get_text(strip=True) == "価格改定"


@pytest.mark.parametrize("url", ["/faq/", "/faq/?q=ｶｰﾄﾞ", "/about/", "/topics/"])
def test_cms_pages_use_the_shared_header_and_footer(client, url):
    # covers: W4
    soup = _soup(client, url)
    header = soup.select_one("header.site-header")
    assert header is not None and header.select_one("form.site-search")["action"] == "/shop/search/"
    assert soup.select_one("footer.site-footer") is not None


def test_topic_page_uses_the_shared_header_and_footer(client):
    # covers: W4
    soup = _soup(client, TopicPage.objects.live().first().url)
    assert soup.select_one("header.site-header") is not None
    assert soup.select_one("footer.site-footer") is not None
