"""個別見積 (Q5): staff issue a custom quote to a company in the dashboard (S1)."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core import mail as django_mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.core.loading import get_model

from shop.accounts.roles import grant
from shop.billing import tax
from shop.companies.models import Company
from shop.demo.users import ensure_demo_company
from shop.quotes import custom
from shop.quotes.models import Quote
from tests.factories import MemberFactory
from tests.functional.test_staff_two_factor import code_for

Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db

LIST = "/shop/dashboard/quotes/"
CREATE = "/shop/dashboard/quotes/create/"
CODE = "MS-M365BS-1Y"
SERVICE = "導入支援サービス（リモート2時間）"


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_user(
        "quoter", "quoter@kobai.example", "pw", is_staff=True, last_name="営業", first_name="花子"
    )
    grant(staff, "orders")  # 個別見積 is 受注管理's (S1)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client.force_login(staff)
    client.post("/two-factor/verify/", {"token": code_for(device), "next": "/"})
    return client


@pytest.fixture
def buyer_client():
    """A browser of its own: the staff fixture already holds `client`."""
    return Client()


@pytest.fixture
def company():
    return ensure_demo_company()


def _form_data(staff_client) -> dict:
    """What the rendered create page would send untouched (hidden key, management form, empty rows)."""
    page = BeautifulSoup(staff_client.get(CREATE).content, "html.parser")
    form = page.select_one("form.custom-quote-form")
    data = {i["name"]: i.get("value", "") for i in form.select("input[name]") if i.get("type") != "checkbox"}
    data.update({t["name"]: t.get_text() for t in form.select("textarea[name]")})
    return data


def _rows(data: dict, *rows: dict) -> dict:
    for index, row in enumerate(rows):
        data.update({f"lines-{index}-{name}": value for name, value in row.items()})
    return data


def _valid_until(days: int = 14) -> str:
    return timezone.localtime(timezone.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def _issue_data(staff_client, company, *rows) -> dict:
    data = _form_data(staff_client)
    data.update(company=str(company.pk), valid_until=_valid_until(), note="年度末のご相談分です。")
    return _rows(data, *rows)


CATALOGUE_ROW = {"code": CODE.lower(), "quantity": "3"}  # the code is found whatever its case
FREE_ROW = {"name": SERVICE, "maker_name": "Kobai", "unit_price": "50,000", "quantity": "2", "note": "平日のみ"}


def test_staff_issue_a_custom_quote_that_the_company_sees_in_its_history(
    staff_client, buyer_client, company, django_capture_on_commit_callbacks
):
    # covers: Q5, S1
    data = _issue_data(staff_client, company, CATALOGUE_ROW, FREE_ROW)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(CREATE, data)
    quote = Quote.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}{quote.number}/"
    assert quote.kind == Quote.Kind.CUSTOM and quote.company == company and quote.created_by.username == "quoter"
    assert quote.valid_until == timezone.datetime.fromisoformat(data["valid_until"]).replace(
        tzinfo=timezone.get_current_timezone()
    )
    catalogue, free = quote.lines.all()
    product = Product.objects.get(upc=CODE)
    price = product.stockrecords.get().price
    assert (catalogue.product, catalogue.code, catalogue.unit_price, catalogue.quantity) == (product, CODE, price, 3)
    assert not catalogue.free_text
    assert (free.product, free.code, free.name, free.maker_name, free.unit_price, free.quantity, free.note) == (
        None,
        "",
        SERVICE,
        "Kobai",
        Decimal("50000"),
        2,
        "平日のみ",
    )
    assert free.free_text and free.tax_rate == tax.STANDARD_RATE
    expected = tax.summarise([tax.TaxableLine(amount=price * 3), tax.TaxableLine(amount=Decimal("100000"))])
    assert (quote.subtotal, quote.tax, quote.total) == (expected.net, expected.tax, expected.gross)

    # the staff detail page
    staff_page = BeautifulSoup(staff_client.get(response["Location"]).content, "html.parser")
    assert SERVICE in staff_page.select_one(".quote-lines tr.free-text").get_text()
    assert Decimal(staff_page.select_one(".totals-table tr.grand td")["data-amount"]) == expected.gross

    # the company's 見積履歴 and 見積履歴詳細
    buyer_client.force_login(company.members.get(user__username="K0000004").user)
    assert quote.number in buyer_client.get("/shop/quotes/").content.decode()
    detail = buyer_client.get(f"/shop/quotes/{quote.number}/")
    assert detail.status_code == 200
    page = BeautifulSoup(detail.content, "html.parser")
    lines_text = page.select_one(".quote-lines").get_text()
    assert SERVICE in lines_text and "平日のみ" in lines_text and CODE in lines_text
    totals = {tr.th.get_text(strip=True): Decimal(tr.td["data-amount"]) for tr in page.select(".totals-table tr")}
    assert totals == {"小計(税抜)": expected.net, "消費税(10%)": expected.tax, "合計(税込)": expected.gross}

    # the company's administrator is told, with a link to the quote
    (message,) = django_mail.outbox
    assert message.to == [company.members.get(role="admin").user.email]
    assert "個別見積を発行しました" in message.subject and quote.number in message.subject
    assert f"/shop/quotes/{quote.number}/" in message.body


def test_another_company_does_not_see_the_custom_quote(
    staff_client, buyer_client, company, django_capture_on_commit_callbacks
):
    # covers: Q5
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(CREATE, _issue_data(staff_client, company, FREE_ROW))
    number = Quote.objects.get().number
    other = MemberFactory(role="admin")
    buyer_client.force_login(other.user)
    assert number not in buyer_client.get("/shop/quotes/").content.decode()
    assert buyer_client.get(f"/shop/quotes/{number}/").status_code == 404
    assert [m.to for m in django_mail.outbox] == [[company.members.get(role="admin").user.email]]


def test_the_same_form_sent_twice_makes_one_quote_and_one_email(
    staff_client, company, django_capture_on_commit_callbacks
):
    # covers: Q5
    data = _issue_data(staff_client, company, CATALOGUE_ROW, FREE_ROW)
    with django_capture_on_commit_callbacks(execute=True):
        first = staff_client.post(CREATE, data)
        second = staff_client.post(CREATE, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Quote.objects.count() == 1 and len(django_mail.outbox) == 1


def test_unknown_product_code_is_reported_on_its_row_and_nothing_is_made(staff_client, company):
    # covers: Q5
    data = _issue_data(staff_client, company, FREE_ROW, {"code": "NO-SUCH-CODE", "quantity": "1"})
    response = staff_client.post(CREATE, data)
    assert response.status_code == 400
    page = BeautifulSoup(response.content, "html.parser")
    errors = page.select_one('tr.line-errors[data-row="2"]')
    assert errors is not None and "商品コード: 「NO-SUCH-CODE」は見つかりません" in errors.get_text()
    assert page.select_one('tr.line-form[data-row="2"] input[name="lines-1-code"]')["value"] == "NO-SUCH-CODE"
    assert page.select_one('tr.line-form[data-row="1"] input[name="lines-0-name"]')["value"] == SERVICE
    assert not Quote.objects.exists() and not django_mail.outbox


def test_a_product_past_its_end_of_sale_cannot_be_quoted(staff_client, company):
    # covers: Q5, C5
    Product.objects.filter(upc=CODE).update(sale_ends_at=timezone.now() - timedelta(days=1))
    response = staff_client.post(CREATE, _issue_data(staff_client, company, FREE_ROW, {}, CATALOGUE_ROW))
    assert response.status_code == 400
    errors = BeautifulSoup(response.content, "html.parser").select_one('tr.line-errors[data-row="3"]')
    assert errors is not None and "3行目" in errors.get_text() and "販売を終了しています" in errors.get_text()
    assert not Quote.objects.exists()


def test_rows_are_checked_and_a_quote_needs_a_line(staff_client, company):
    # covers: Q5
    bad = _issue_data(
        staff_client,
        company,
        {"code": CODE, "quantity": "0"},
        {"name": SERVICE, "quantity": "1"},  # no price
        {"code": CODE, "name": "別名", "quantity": "1"},
        {"name": SERVICE, "unit_price": "-1", "quantity": "1"},
    )
    page = BeautifulSoup(staff_client.post(CREATE, bad).content, "html.parser")
    assert {int(tr["data-row"]) for tr in page.select("tr.line-errors")} == {1, 2, 3, 4}
    empty = _issue_data(staff_client, company)
    response = staff_client.post(CREATE, empty)
    assert response.status_code == 400 and "明細を1行以上入力してください" in response.content.decode()
    past = _issue_data(staff_client, company, FREE_ROW)
    past["valid_until"] = _valid_until(days=-1)
    response = staff_client.post(CREATE, past)
    assert response.status_code == 400 and "有効期限は現在より後の日時を指定してください" in response.content.decode()
    assert not Quote.objects.exists()


def test_add_rows_shows_the_form_again_as_typed_with_more_rows(staff_client, company):
    # covers: Q5
    data = _issue_data(staff_client, company, FREE_ROW)
    data["add_rows"] = "1"
    response = staff_client.post(CREATE, data)
    assert response.status_code == 200 and not Quote.objects.exists()
    page = BeautifulSoup(response.content, "html.parser")
    assert len(page.select("tr.line-form")) == 10 and not page.select("tr.line-errors")
    assert page.select_one("input[name=lines-0-name]")["value"] == SERVICE
    assert page.select_one("input[name=submission_key]")["value"] == data["submission_key"]
    assert page.select_one("select[name=company] option[selected]")["value"] == str(company.pk)
    # and the enlarged form issues the quote
    resend = {i["name"]: i.get("value", "") for i in page.select("form.custom-quote-form input[name]")}
    resend.update(company=str(company.pk), note="", **{f"lines-7-{k}": v for k, v in CATALOGUE_ROW.items()})
    assert staff_client.post(CREATE, resend).status_code == 302
    assert Quote.objects.get().lines.count() == 2


def test_quote_list_filters_by_company_number_and_kind(staff_client, company):
    # covers: S1, Q5
    staff_client.post(CREATE, _issue_data(staff_client, company, FREE_ROW))
    other = MemberFactory(role="admin").company
    staff_client.post(CREATE, _issue_data(staff_client, other, FREE_ROW))
    mine, theirs = Quote.objects.get(company=company), Quote.objects.get(company=other)
    Quote.objects.filter(pk=theirs.pk).update(kind=Quote.Kind.BASKET)

    def numbers(query):
        page = BeautifulSoup(staff_client.get(LIST, query).content, "html.parser")
        return {tr["data-quote"] for tr in page.select(".quotes-table tr[data-quote]")}

    assert numbers({}) == {mine.number, theirs.number}
    assert numbers({"q": "デモ商事"}) == {mine.number}
    assert numbers({"q": theirs.number}) == {theirs.number}
    assert numbers({"custom": "1"}) == {mine.number}
    assert "個別見積" in staff_client.get("/shop/dashboard/").content.decode()  # the dashboard menu entry


def test_buyers_and_visitors_cannot_reach_the_quote_dashboard(client, company):
    # covers: S1, Q5
    for path in (LIST, CREATE):
        assert client.get(path).status_code == 302
    client.force_login(company.members.get(role="admin").user)
    for path in (LIST, CREATE):
        response = client.get(path)  # refused, or first sent to a second factor they do not have
        assert response.status_code == 403 or response["Location"].startswith("/two-factor/")
    response = client.post(CREATE, {"company": company.pk, "valid_until": _valid_until(), **_rows({}, FREE_ROW)})
    assert response.status_code in (302, 403) and not Quote.objects.exists()


def test_service_refuses_a_withdrawn_company_and_keeps_submission_keys(django_user_model, company):
    # covers: Q5
    staff = django_user_model.objects.create_user("quoter2", "q2@kobai.example", "pw", is_staff=True)
    valid_until = timezone.now() + timedelta(days=3)
    line = custom.FreeTextLine(name=SERVICE, unit_price=Decimal("1000"), quantity=1)
    withdrawn = Company.objects.create(
        name="退会済み株式会社", postcode="100-0005", address="東京都", representative_name="代表", status="withdrawn"
    )
    with pytest.raises(ValidationError) as refused:
        custom.create_custom_quote(company=withdrawn, staff_user=staff, lines=[line], valid_until=valid_until)
    assert [e.code for e in refused.value.error_list] == ["company_inactive"]
    key = uuid.uuid4()
    product = Product.objects.get(upc=CODE)
    lines = [{"product": product, "quantity": 1, "unit_price": Decimal("900")}, line]
    first = custom.create_custom_quote(
        company=company, staff_user=staff, lines=lines, valid_until=valid_until, submission_key=key
    )
    again = custom.create_custom_quote(
        company=company, staff_user=staff, lines=lines, valid_until=valid_until, submission_key=key
    )
    assert first == again and first.lines.first().unit_price == Decimal("900")  # staff's own price is kept
    assert first.total == tax.summarise([tax.TaxableLine(amount=Decimal("1900"))]).gross
