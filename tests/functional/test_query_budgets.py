"""SQL query budgets of the catalogue pages (C1, C3): flat in the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx), response


def _list_urls():
    security = Category.objects.get(slug="security")
    return {
        "category": security.get_absolute_url(),
        "catalogue": "/shop/catalogue/",
        "search": "/shop/search/?q=ライセンス",
        "search-narrowed": "/shop/search/?q=ライセンス&maker=microsoft&sort=price-asc",
    }


@pytest.mark.parametrize("page", ["category", "catalogue", "search", "search-narrowed"])
@pytest.mark.parametrize("logged_in", [False, True])
def test_list_pages_use_the_same_queries_for_5_and_50_products(client, settings, page, logged_in, django_user_model):
    # covers: C1, C3
    if logged_in:
        client.force_login(django_user_model.objects.create_user("buyer", "buyer@example.jp", "x"))
    url = _list_urls()[page]
    counts = {}
    for per_page in (5, 50):
        settings.OSCAR_PRODUCTS_PER_PAGE = per_page
        client.get(url)  # warm caches that a real visitor would also have
        counts[per_page], response = _count(client, url)
        shown = len(response.context["products"])
        assert shown == per_page or (per_page == 50 and shown > 5), (page, per_page, shown)
    assert counts[5] == counts[50], counts
    assert counts[50] <= 15, counts


def test_category_page_budget(client, django_assert_max_num_queries):
    # covers: C1
    url = _list_urls()["category"]
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200


def test_product_page_budget(client, django_assert_max_num_queries):
    # covers: C1, C2
    product = Product.objects.get(upc="MS-M365BS-1Y")
    client.get(product.get_absolute_url())
    with django_assert_max_num_queries(20):
        response = client.get(product.get_absolute_url())
    assert response.status_code == 200
