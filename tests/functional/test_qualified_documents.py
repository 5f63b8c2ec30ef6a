"""納品書 兼 注文請書 and 請求書 (P5): qualified documents of a delivered order, as PDF from the order page."""

import io
import re
from datetime import datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from shop.billing.models import IssuedDocument
from shop.order import fulfilment
from shop.order import status as order_status
from tests.factories import MemberFactory
from tests.order_factories import make_order

pytestmark = pytest.mark.django_db

REGISTRATION = "T9876543210987"
CODES = ("MS-M365BS-1Y", "FT-FG40F-HW", "FT-FG40F-UTP-1Y")
# delivered late on 20 April 2027, Japan time: invoice on the 3rd business day of May (after Golden Week), due 31 May
DELIVERED_AT = datetime(2027, 4, 20, 23, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
NUMBER = re.compile(r"^(DN|INV)(\d{6})-(\d{5})$")


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def yen(amount) -> str:
    return f"¥{amount:,.0f}"


def deliver(order, by):
    with time_machine.travel(DELIVERED_AT, tick=False):
        fulfilment.move(order=order, to=order_status.DELIVERED, by=by)
    order.refresh_from_db()
    return order


def urls(order) -> dict[str, str]:
    return {kind: reverse(f"billing:{kind}", args=[order.number]) for kind in ("delivery-note", "invoice")}


@pytest.fixture
def buyer(client, members):
    client.force_login(members["K0000001"].user)
    return client


@pytest.fixture
def order(members):
    return make_order(
        member=members["K0000001"], codes=CODES, payment_method="invoice", purchase_order_number="PO-2027-042"
    )


def common_content(text: str, order) -> None:
    summary = order.tax_summary()
    (rate,) = summary.rates
    assert rate.percent == 10
    for expected in (
        REGISTRATION,
        f"{order.company.name}御中",
        "取引年月日:2027年4月20日",
        f"注文番号:{order.number}",
        "発注書番号:PO-2027-042",
        *CODES,
        f"10%対象(税抜){yen(rate.net)}",
        f"消費税(10%){yen(rate.tax)}",
        f"合計(税込){yen(summary.gross)}",
    ):
        assert expected in text, expected


@override_settings(SHOP_ISSUER_REGISTRATION_NUMBER=REGISTRATION, SHOP_ISSUER_NAME="株式会社コウバイ検証")
def test_delivered_order_has_both_qualified_documents(buyer, order, admin_user):
    # covers: P5
    deliver(order, admin_user)
    paths = urls(order)

    response = buyer.get(paths["delivery-note"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    note = IssuedDocument.objects.get(order=order, kind="delivery-note")
    assert NUMBER.match(note.number).group(1) == "DN"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and f'filename="delivery_note_{note.number}.pdf"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"納品書兼注文請書_{note.number}.pdf"
    text = pdf_text(response.content)
    assert (
        f"納品書兼注文請書{order.company.name}御中" in text
        and f"文書番号:{note.number}" in text
        and "株式会社コウバイ検証" in text
    )
    common_content(text, order)

    response = buyer.get(paths["invoice"])
    assert response.status_code == 200
    invoice = IssuedDocument.objects.get(order=order, kind="invoice")
    assert NUMBER.match(invoice.number).group(1) == "INV"
    text = pdf_text(response.content)
    assert f"請求書{order.company.name}御中" in text and f"請求書番号:{invoice.number}" in text
    assert "請求日:2027年5月10日" in text and "お支払期限:2027年5月31日" in text
    assert f"ご請求金額(税込){yen(order.tax_summary().gross)}" in text
    common_content(text, order)


def test_numbers_are_stable_and_sequential(buyer, members, order, admin_user):
    # covers: P5
    deliver(order, admin_user)
    paths = urls(order)
    first = pdf_text(buyer.get(paths["delivery-note"]).content)
    number = IssuedDocument.objects.get(order=order, kind="delivery-note").number
    again = pdf_text(buyer.get(paths["delivery-note"]).content)
    assert first == again and number in again
    assert IssuedDocument.objects.filter(order=order).count() == 1  # the invoice is issued when asked for

    following = deliver(make_order(member=members["K0000001"], payment_method="invoice"), admin_user)
    assert buyer.get(urls(following)["delivery-note"]).status_code == 200
    next_number = IssuedDocument.objects.get(order=following, kind="delivery-note").number
    kind, period, seq = NUMBER.match(number).groups()
    assert next_number == f"{kind}{period}-{int(seq) + 1:05d}"
    assert IssuedDocument.objects.get(order=order, kind="delivery-note").number == number


def test_card_order_invoice_says_paid_by_card(buyer, members, admin_user):
    # covers: P5
    order = deliver(make_order(member=members["K0000001"], payment_method="card"), admin_user)
    text = pdf_text(buyer.get(urls(order)["invoice"]).content)
    assert "お支払い:クレジットカード決済済み" in text and "お支払期限" not in text


def test_before_delivery_there_is_no_document(buyer, order):
    # covers: P5
    for path in urls(order).values():
        assert buyer.get(path).status_code == 404, path
    page = BeautifulSoup(buyer.get(reverse("orders:order-detail", args=[order.number])).content, "html.parser")
    assert page.select_one(".order-billing-documents") is None
    assert not IssuedDocument.objects.exists()


def test_order_page_links_to_the_documents_once_delivered(buyer, order, admin_user):
    # covers: P5
    deliver(order, admin_user)
    page = BeautifulSoup(buyer.get(reverse("orders:order-detail", args=[order.number])).content, "html.parser")
    links = {a.get_text(strip=True): a["href"] for a in page.select(".order-billing-documents a")}
    paths = urls(order)
    assert links == {"納品書兼注文請書（PDF）": paths["delivery-note"], "請求書（PDF）": paths["invoice"]}


def test_another_company_gets_404_and_nothing_is_issued(client, order, admin_user):
    # covers: P5, M6
    deliver(order, admin_user)
    client.force_login(MemberFactory().user)
    for path in urls(order).values():
        assert client.get(path).status_code == 404, path
    assert not IssuedDocument.objects.exists()
