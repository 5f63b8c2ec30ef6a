"""Read-side queries for catalogue pages: straight from the database.

List pages never ask the search engine: one count, one page of products with
their maker, class and stock records (prefetched), and one grouped query for
the maker filter. The query count does not grow with the page size.
"""

from __future__ import annotations

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
Maker = get_model("catalogue", "Maker")

SORT_CHOICES = {
    "name": ("名前順", ("title", "id")),
    "price-asc": ("価格の安い順", ("list_price", "id")),
    "price-desc": ("価格の高い順", ("-list_price", "-id")),
    "new": ("新着順", ("-date_created", "-id")),
}
DEFAULT_SORT = "name"


def on_sale() -> QuerySet:
    """Products a buyer may see: browsable (not child variants), public, and not past their end of sale (C5)."""
    return (
        Product.objects.browsable()
        .filter(is_public=True)
        .filter(Q(sale_ends_at__isnull=True) | Q(sale_ends_at__gt=timezone.now()))
    )


def for_listing(products: QuerySet) -> QuerySet:
    """Everything a product row shows, fetched up front."""
    return products.select_related("maker", "product_class").prefetch_related("stockrecords")


def sorted_products(products: QuerySet, sort: str) -> QuerySet:
    _, ordering = SORT_CHOICES.get(sort, SORT_CHOICES[DEFAULT_SORT])
    if any("list_price" in field for field in ordering):
        products = products.annotate(list_price=Min("stockrecords__price"))
    return products.order_by(*ordering)


def maker_counts(products: QuerySet) -> list[dict]:
    """[{slug, name, count}] of the makers among these products, by name."""
    rows = (
        products.order_by()
        .filter(maker__isnull=False)
        .values("maker__slug", "maker__name")
        .annotate(count=Count("id"))
        .order_by("maker__name")
    )
    return [{"slug": r["maker__slug"], "name": r["maker__name"], "count": r["count"]} for r in rows]
