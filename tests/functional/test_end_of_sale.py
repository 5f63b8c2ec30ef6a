"""End of sale (C5): out of catalogue, search and baskets, with a message; cannot be added."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from oscar.core.loading import get_model

from search.queries import search_products

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")

pytestmark = pytest.mark.django_db

CODE = "MS-M365BS-1Y"


def _end(product, when):
    Product.objects.filter(pk=product.pk).update(sale_ends_at=when)
    product.refresh_from_db()


@pytest.fixture
def product():
    product = Product.objects.get(upc=CODE)
    yield product
    call_command("update_index", "catalogue", verbosity=0)  # give the shared index its product back


def test_ended_product_leaves_catalogue_search_and_cannot_be_added(client, product):
    # covers: C5
    assert search_products(query=CODE).products[0].pk == product.pk
    _end(product, timezone.now() - timedelta(minutes=1))
    assert CODE not in client.get("/shop/catalogue/?maker=microsoft").content.decode()
    category = product.categories.first()
    assert CODE not in client.get(category.get_absolute_url()).content.decode()
    assert search_products(query=CODE).products == []  # at once, before the index catches up
    call_command("end_sales")
    assert product.pk not in {p.pk for p in search_products(query="Business Standard", per_page=100).products}
    detail = client.get(product.get_absolute_url()).content.decode()
    assert "販売終了" in detail and "カートに入れる" not in detail
    client.post(f"/shop/basket/add/{product.pk}/", {"quantity": 1})
    assert client.get("/shop/basket/").context["basket"].num_lines == 0


def test_future_end_date_keeps_selling_until_it_comes(client, product):
    # covers: C5
    _end(product, timezone.now() + timedelta(days=7))
    assert search_products(query=CODE).products[0].pk == product.pk
    assert "カートに入れる" in client.get(product.get_absolute_url()).content.decode()


def test_ended_product_leaves_the_basket_with_a_message(client, product):
    # covers: C5
    other = Product.objects.get(upc="TM-VBBS-1Y-N")
    client.post(f"/shop/basket/add/{product.pk}/", {"quantity": 2})
    client.post(f"/shop/basket/add/{other.pk}/", {"quantity": 1})
    assert client.get("/shop/basket/").context["basket"].num_lines == 2
    _end(product, timezone.now() - timedelta(seconds=1))
    page = client.get("/shop/basket/")
    html = page.content.decode()
    assert f"「{product.title}」は販売終了のため、カートから削除しました。" in html
    assert [line.product.pk for line in page.context["basket"].all_lines()] == [other.pk]
    assert "販売終了のため" not in client.get("/shop/basket/").content.decode()  # told once
