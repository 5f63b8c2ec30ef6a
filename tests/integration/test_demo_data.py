"""The demo catalogue (S2, catalogue part) is rich enough and loads idempotently."""

import pytest
from django.core.management import call_command
from oscar.core.loading import get_model
from wagtail.models import Site

from cms.models import HomePage, StandardPage

Product = get_model("catalogue", "Product")
Maker = get_model("catalogue", "Maker")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Product.objects.count(),
        Maker.objects.count(),
        Category.objects.count(),
        StockRecord.objects.count(),
        HomePage.objects.count(),
        StandardPage.objects.count(),
    )


def test_load_demo_twice_changes_nothing(capsys):
    # covers: S2
    before = _counts()
    call_command("load_demo", "--no-index")
    call_command("load_demo", "--no-index")
    assert _counts() == before
    assert "admin" in capsys.readouterr().out


def test_demo_catalogue_covers_the_spec():
    # covers: S2, C1
    products = Product.objects.browsable()
    assert products.count() >= 120
    assert Maker.objects.filter(products__isnull=False).distinct().count() >= 12
    assert set(Category.get_root_nodes().values_list("name", flat=True)) == {
        "セキュリティ",
        "業務効率化",
        "オンラインコミュニケーション",
        "基盤インフラ",
    }
    assert set(products.values_list("licence_kind", flat=True)) == {
        "perpetual",
        "subscription",
        "maintenance",
        "hardware",
    }
    assert products.filter(requires_pre_application=True).exists()
    assert products.filter(reference_price__isnull=False).exists()
    assert products.filter(resale_restricted=True).exists()
    assert products.filter(ships_physically=True).exists()
    assert not products.filter(licence_kind="subscription", term_months__isnull=True).exists()
    assert StockRecord.objects.filter(price_currency="JPY").count() == products.count()
    assert len(set(products.values_list("upc", flat=True))) == products.count()


def test_wagtail_serves_the_kobai_home_page(client):
    # covers: S2, W4
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    response = client.get("/")
    assert response.status_code == 200
    assert "法人のIT購買" in response.content.decode()
