"""Product search (C3): one function, used by the search page and the tests.

Relevance comes from the engine; an exact product code (商品コード) is pinned
first by a database lookup, so every engine ranks it first the same way. The
engine returns ids only; the page of products is read from the database with
everything a row shows prefetched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from haystack.query import SearchQuerySet
from oscar.core.loading import get_model

from shop.catalogue import selectors

from .analyzers import normalise

Product = get_model("catalogue", "Product")
Maker = get_model("catalogue", "Maker")
Category = get_model("catalogue", "Category")

SORTS = {
    "relevance": ("関連度順", None),
    "price-asc": ("価格の安い順", "price"),
    "price-desc": ("価格の高い順", "-price"),
    "name": ("名前順", "name_sort"),
}
MAX_QUERY_LENGTH = 200


@dataclass
class Facet:
    value: str
    label: str
    count: int


@dataclass
class SearchPage:
    query: str
    products: list
    total: int
    page: int
    per_page: int
    makers: list[Facet] = field(default_factory=list)
    categories: list[Facet] = field(default_factory=list)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def clean_query(raw: str) -> str:
    return " ".join((raw or "").split())[:MAX_QUERY_LENGTH]


def _pinned_product(query: str, maker: str, category: str):
    """The product whose code is exactly the query (any width, any case)."""
    code = normalise(query).strip().upper()
    if not code or " " in code:
        return None
    products = selectors.on_sale().filter(upc__iexact=code)
    if maker:
        products = products.filter(maker__slug=maker)
    if category:
        products = products.filter(categories__slug=category)
    return products.first()


def search_products(
    *, query: str, maker: str = "", category: str = "", sort: str = "relevance", page: int = 1, per_page: int = 20
) -> SearchPage:
    query = clean_query(query)
    result = SearchPage(query=query, products=[], total=0, page=max(1, page), per_page=per_page)
    if not query:
        return result

    sqs = SearchQuerySet().models(Product).auto_query(query)
    if maker:
        sqs = sqs.filter(maker=maker)
    if category:
        sqs = sqs.filter(category=category)
    pinned = _pinned_product(query, maker, category)
    if pinned is not None:
        sqs = sqs.exclude(django_id=pinned.pk)
    order = SORTS.get(sort, SORTS["relevance"])[1]
    if order:
        sqs = sqs.order_by(order)
    sqs = sqs.facet("maker").facet("category")

    offset = 1 if pinned is not None else 0
    start = (result.page - 1) * per_page - (offset if result.page > 1 else 0)
    stop = result.page * per_page - offset
    hits = list(sqs[start:stop])
    ids = [int(hit.pk) for hit in hits]
    if pinned is not None and result.page == 1:
        ids.insert(0, pinned.pk)
    # on_sale(): a product whose end of sale came since it was indexed is left out at once
    by_id = {p.pk: p for p in selectors.for_listing(selectors.on_sale().filter(pk__in=ids))}
    result.products = [by_id[i] for i in ids if i in by_id]
    result.total = sqs.count() + offset

    facet_counts = sqs.facet_counts().get("fields", {})
    maker_counts = dict(facet_counts.get("maker") or [])
    category_counts = dict(facet_counts.get("category") or [])
    if pinned is not None:
        if pinned.maker_id:
            slug = pinned.maker.slug
            maker_counts[slug] = maker_counts.get(slug, 0) + 1
        first = pinned.categories.first()
        if first is not None:
            category_counts[first.slug] = category_counts.get(first.slug, 0) + 1
    result.makers = _facets(maker_counts, Maker.objects.filter(slug__in=list(maker_counts)).values_list("slug", "name"))
    result.categories = _facets(
        category_counts, Category.objects.filter(slug__in=list(category_counts)).values_list("slug", "name")
    )
    return result


def _facets(counts: dict, labels) -> list[Facet]:
    names = dict(labels)
    facets = [Facet(value=v, label=names.get(v, v), count=c) for v, c in counts.items() if v and c]
    return sorted(facets, key=lambda f: (-f.count, f.label))
