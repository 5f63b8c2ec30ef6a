"""「お気に入り」 (C6): add, remove, live prices, 販売終了 with a remove button."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from shop.demo.users import ensure_demo_company
from shop.favourites.models import Favourite

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


@pytest.fixture
def members():
    company = ensure_demo_company()
    return {m.user.username: m for m in company.members.select_related("user")}


def test_add_list_with_live_price_and_remove(client, members):
    # covers: C6
    client.force_login(members["K0000004"].user)
    product = Product.objects.get(upc="MS-M365BS-1Y")
    detail = client.get(product.get_absolute_url()).content.decode()
    assert "お気に入りに追加" in detail
    client.post(f"/shop/mypage/favourites/add/{product.pk}/", {"next": product.get_absolute_url()})
    client.post(f"/shop/mypage/favourites/add/{product.pk}/")  # double click: still one
    assert Favourite.objects.filter(user=members["K0000004"].user).count() == 1
    assert "お気に入りから削除" in client.get(product.get_absolute_url()).content.decode()
    StockRecord.objects.filter(product=product).update(price=Decimal("23456"))
    listing = client.get("/shop/mypage/favourites/").content.decode()
    assert "MS-M365BS-1Y" in listing and "¥23,456" in listing  # the price of today, not of the day it was added
    client.post(f"/shop/mypage/favourites/remove/{product.pk}/")
    assert not Favourite.objects.exists()


def test_ended_product_shows_sale_ended_with_a_remove_button(client, members):
    # covers: C6, C5
    user = members["K0000004"].user
    product = Product.objects.get(upc="TM-VBBS-1Y-N")
    Favourite.objects.create(user=user, product=product)
    Product.objects.filter(pk=product.pk).update(sale_ends_at=timezone.now() - timedelta(hours=1))
    client.force_login(user)
    html = client.get("/shop/mypage/favourites/").content.decode()
    assert "販売終了" in html and f"/shop/mypage/favourites/remove/{product.pk}/" in html
    assert client.post(f"/shop/mypage/favourites/add/{product.pk}/").status_code == 404  # cannot be added again


def test_lists_are_private(client, members):
    # covers: C6, M6
    product = Product.objects.get(upc="MS-M365BS-1Y")
    Favourite.objects.create(user=members["K0000001"].user, product=product)
    client.force_login(members["K0000004"].user)
    assert "MS-M365BS-1Y" not in client.get("/shop/mypage/favourites/").content.decode()
    client.post(f"/shop/mypage/favourites/remove/{product.pk}/")
    assert Favourite.objects.filter(user=members["K0000001"].user).exists()
    client.logout()
    assert client.get("/shop/mypage/favourites/").status_code == 302
