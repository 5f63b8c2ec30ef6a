"""Japanese search over the demo catalogue (C3).

Relevance oracle, independent of the analyzer code: a product is relevant to a
query when every space-separated term, NFKC-normalised and case-folded with
spaces and punctuation dropped, occurs inside one line of the product's
searchable text (name, code, maker and its Japanese name and aliases, category,
licence kind, description). Recall over all queries must be ≥ 0.98.
"""

import unicodedata

import pytest
from django.utils import translation
from oscar.core.loading import get_model

from search.queries import search_products

Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db

QUERIES = [
    # katakana compounds
    "ウイルス",
    "ウイルス対策",
    "セキュリティ",
    "ランサムウェア",
    "ファイアウォール",
    "バックアップ",
    "ルーター",
    "テレワーク",
    "クラウド",
    "ライセンス",
    "サブスクリプション",
    "ビジネスチャット",
    # kanji
    "年間",
    "保守",
    "更新",
    "電子契約",
    "経費精算",
    "無線",
    "新規",
    "法人",
    # half-width kana, full-width Latin and digits
    "ｾｷｭﾘﾃｨ",
    "ｳｲﾙｽ",
    "ＭＳ",
    "３６５",
    "Ｏｆｆｉｃｅ",
    "ＮＡＳ",
    "Ｗｅｂ会議",
    # Latin
    "Microsoft 365",
    "Acrobat",
    "VPN",
    "office",
    # product codes, any width and case
    "MS-M365BS-1Y",
    "ms-m365bs-1y",
    "ＭＳ－Ｍ３６５ＢＳ－１Ｙ",
    # makers
    "トレンドマイクロ",
    "マイクロソフト",
    "Cisco",
    "シスコ",
    "サイボウズ",
    "ヤマハ",
    # two terms
    "バックアップ NAS",
    "ウイルス 法人",
]


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum() or ch in "ー々")


def _lines(product) -> list[str]:
    with translation.override("ja"):
        kind = str(product.get_licence_kind_display())
    lines = [product.title, product.upc or "", kind, product.description]
    if product.maker:
        lines += [product.maker.name, product.maker.name_ja, *product.maker.alias_list]
    lines += [c.name for c in product.categories.all()]
    return [_norm(line) for text in lines for line in text.splitlines()]


@pytest.fixture(scope="module")
def catalogue(django_db_blocker):
    with django_db_blocker.unblock():
        products = list(Product.objects.browsable().select_related("maker").prefetch_related("categories"))
        return {p.pk: _lines(p) for p in products}


def relevant(catalogue, query):
    terms = [_norm(t) for t in query.split()]
    return {pk for pk, lines in catalogue.items() if all(any(t in line for line in lines) for t in terms)}


def found(query):
    return {p.pk for p in search_products(query=query, per_page=1000).products}


def test_catalogue_is_the_demo_one(catalogue):
    assert len(catalogue) >= 120


def test_recall_over_japanese_queries(catalogue):
    # covers: C3
    assert len(QUERIES) >= 30
    total_relevant = total_found = 0
    misses = {}
    for query in QUERIES:
        expected = relevant(catalogue, query)
        assert expected, f"query {query!r} has no relevant product: not a useful test query"
        hits = found(query)
        total_relevant += len(expected)
        total_found += len(expected & hits)
        if expected - hits:
            misses[query] = len(expected - hits)
    recall = total_found / total_relevant
    assert recall >= 0.98, f"recall {recall:.3f}; missed per query: {misses}"


@pytest.mark.parametrize("query", ["MS-M365BS-1Y", "ms-m365bs-1y", "ＭＳ－Ｍ３６５ＢＳ－１Ｙ", " MS-M365BS-1Y "])
def test_exact_product_code_ranks_first(query):
    # covers: C3
    result = search_products(query=query)
    assert result.products[0].upc == "MS-M365BS-1Y"


def test_every_code_ranks_its_product_first(catalogue):
    # covers: C3
    for product in Product.objects.browsable().exclude(upc=None)[:40]:
        result = search_products(query=product.upc.lower())
        assert result.products[0].pk == product.pk, product.upc


def test_width_variants_find_the_same_products():
    # covers: C3
    assert found("ＭＳ") == found("MS")
    assert found("３６５") == found("365")
    assert found("ｾｷｭﾘﾃｨ") == found("セキュリティ")


def test_narrow_by_maker_and_category():
    # covers: C3
    everything = search_products(query="ウイルス", per_page=1000)
    assert {f.value for f in everything.makers} >= {"trend-micro"}
    by_maker = search_products(query="ウイルス", maker="trend-micro", per_page=1000)
    assert by_maker.products and all(p.maker.slug == "trend-micro" for p in by_maker.products)
    facet = next(f for f in everything.makers if f.value == "trend-micro")
    assert facet.count == by_maker.total
    by_category = search_products(query="ウイルス", category="security", per_page=1000)
    assert by_category.products
    assert all(any(c.slug == "security" for c in p.categories.all()) for p in by_category.products)
    assert by_category.total < everything.total


def test_sort_by_price_and_name():
    # covers: C3
    asc = search_products(query="ライセンス", sort="price-asc", per_page=1000).products
    prices = [p.stockrecords.all()[0].price for p in asc]
    assert prices == sorted(prices)
    desc = search_products(query="ライセンス", sort="price-desc", per_page=1000).products
    assert [p.stockrecords.all()[0].price for p in desc] == sorted(prices, reverse=True)
    by_name = search_products(query="ライセンス", sort="name", per_page=1000).products
    names = [_norm_sort(p.title) for p in by_name]
    assert names == sorted(names)


def _norm_sort(title):
    return unicodedata.normalize("NFKC", title).casefold()


def test_pages_do_not_repeat_or_drop_products():
    # covers: C3
    whole = [p.pk for p in search_products(query="MS-M365BS-1Y 年間", per_page=1000).products]
    paged = []
    page = 1
    while True:
        result = search_products(query="MS-M365BS-1Y 年間", per_page=3, page=page)
        paged += [p.pk for p in result.products]
        if not result.has_next:
            break
        page += 1
    assert sorted(paged) == sorted(whole) and len(paged) == len(set(paged))


def test_nonsense_finds_nothing():
    assert search_products(query="zzqqxx").total == 0
    assert search_products(query="   ").products == []


def test_large_result_sets_rank_title_matches_first(monkeypatch):
    # covers: C3
    from search.backends import JapaneseWhooshSearchBackend

    scored = search_products(query="ウイルス", per_page=1000).products
    monkeypatch.setattr(JapaneseWhooshSearchBackend, "SCORED_HITS_LIMIT", 5)
    ranked = search_products(query="ウイルス", per_page=1000).products
    assert {p.pk for p in ranked} == {p.pk for p in scored}
    in_title = [_norm("ウイルス") in _norm(p.title) for p in ranked]
    assert any(in_title) and not all(in_title)
    assert in_title == sorted(in_title, reverse=True)  # all title matches before the others
    titled = [_norm_sort(p.title) for p, t in zip(ranked, in_title, strict=True) if t]
    assert titled == sorted(titled)
    page2 = search_products(query="ウイルス", per_page=5, page=2).products
    assert [p.pk for p in page2] == [p.pk for p in ranked[5:10]]
