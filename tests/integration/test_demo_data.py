"""The demo catalogue (S2, catalogue part) is rich enough and loads idempotently."""

import pytest
from django.core.management import call_command
from oscar.core.loading import get_model
from wagtail.models import Site

from cms.models import HomePage, StandardPage
from shop.companies.models import Company, Member

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
        Company.objects.count(),
        Member.objects.count(),
    )


def test_load_demo_twice_changes_nothing(capsys):
    # covers: S2
    call_command("load_demo", "--no-index")
    before = _counts()
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


def test_demo_company_has_admin_approvers_and_a_routed_requester(client):
    # covers: S2, M5, M7
    call_command("load_demo", "--no-index")
    company = Company.objects.get(name="株式会社デモ商事")
    members = {m.user.username: m for m in company.members.select_related("user")}
    assert members["K0000001"].is_admin and members["K0000001"].has_ordering_authority
    requester = members["K0000004"]
    assert requester.approval_route == "two"
    assert (requester.first_approver.user.username, requester.second_approver.user.username) == ("K0000002", "K0000003")
    response = client.post("/shop/accounts/login/", {"username": "K0000004", "password": "demo-buyer-2026"})
    assert response.status_code == 302
