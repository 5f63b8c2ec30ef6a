"""見積書 (Q2): 「この見積を印刷する」 print page and the A4 PDF of a quote."""

import io
import logging
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from django.test import override_settings
from django.urls import reverse
from pypdf import PdfReader

from shop.billing import tax
from shop.quotes.models import Quote, QuoteLine
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

REGISTRATION = "T9876543210987"
ISSUED = datetime(2026, 5, 1, 15, 30, tzinfo=UTC)  # 2026-05-02 00:30 in Tokyo


def make_quote(company, lines, **fields) -> Quote:
    summary = tax.summarise(tax.TaxableLine(amount=price * qty) for _code, _name, price, qty in lines)
    quote = Quote.objects.create(
        number=fields.pop("number", "Q260502-00001"),
        company=company,
        issued_at=ISSUED,
        valid_until=ISSUED + timedelta(days=7),
        subtotal=summary.net,
        tax=summary.tax,
        total=summary.gross,
        **fields,
    )
    QuoteLine.objects.bulk_create(
        QuoteLine(
            quote=quote,
            code=code,
            name=name,
            maker_name="マイクロソフト" if code else "",
            unit_price=price,
            quantity=qty,
            tax_rate=tax.STANDARD_RATE,
            free_text=not code,
            note="" if code else "保守3年",
        )
        for code, name, price, qty in lines
    )
    return quote


LINES = [
    ("MS-M365BS-1Y", "Microsoft 365 Business Standard 年間", Decimal("123456"), 3),
    ("FT-FG40F-HW", "FortiGate 40F 本体", Decimal("9800"), 10),
    ("", "オンサイト導入作業", Decimal("50000"), 1),
]
# 370,368 + 98,000 + 50,000 = 518,368; tax 51,836.8 rounded down once; total 570,204
SUBTOTAL, TAX, TOTAL = "¥518,368", "¥51,836", "¥570,204"


@pytest.fixture
def member():
    return MemberFactory(company__name="株式会社見積テスト")


@pytest.fixture
def quote(member):
    return make_quote(member.company, LINES, for_resale=True, end_user_name="エンド商事株式会社", note="納期は別途")


@pytest.fixture
def buyer(client, member):
    client.force_login(member.user)
    return client


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


@override_settings(SHOP_ISSUER_REGISTRATION_NUMBER=REGISTRATION)
def test_print_page_shows_the_quote(buyer, quote):
    # covers: Q2
    response = buyer.get(reverse("quotes:quote-print", args=[quote.number]))
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    text = page.get_text()
    assert page.select_one(".quote-number").get_text() == quote.number
    assert "株式会社見積テスト 御中" in text
    assert [td.get_text() for td in page.select(".lines td.code")] == ["MS-M365BS-1Y", "FT-FG40F-HW", "カタログ外"]
    totals = {tr.th.get_text(): tr.td.get_text() for tr in page.select(".totals tr")}
    assert totals == {"小計(税抜)": SUBTOTAL, "消費税(10%)": TAX, "合計(税込)": TOTAL}
    assert page.select_one(".registration-number").get_text() == REGISTRATION
    assert "発行日: 2026年5月2日" in text and "有効期限: 2026年5月9日 00:30" in text  # Japan time
    assert "再販売（エンドユーザー: エンド商事株式会社）" in text and "備考: 納期は別途" in text
    assert page.select_one("button.print-button")["onclick"] == "window.print()"


def test_detail_page_links_to_print_and_pdf(buyer, quote):
    # covers: Q2
    page = BeautifulSoup(buyer.get(reverse("quotes:quote-detail", args=[quote.number])).content, "html.parser")
    links = {a.get_text(strip=True): a["href"] for a in page.select(".quote-documents a")}
    assert links == {
        "この見積を印刷する": reverse("quotes:quote-print", args=[quote.number]),
        "PDFをダウンロード": reverse("quotes:quote-pdf", args=[quote.number]),
    }


@override_settings(SHOP_ISSUER_REGISTRATION_NUMBER=REGISTRATION)
def test_pdf_holds_the_same_content(buyer, quote):
    # covers: Q2
    response = buyer.get(reverse("quotes:quote-pdf", args=[quote.number]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and f'filename="quote_{quote.number}.pdf"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"見積書_{quote.number}.pdf"
    pages, text = pdf_text(response.content)
    assert pages == 1
    for expected in ("御見積書", quote.number, "株式会社見積テスト御中", "MS-M365BS-1Y", "FT-FG40F-HW", REGISTRATION):
        assert expected in text, expected
    assert f"消費税(10%){TAX}" in text and f"合計(税込){TOTAL}" in text and f"小計(税抜){SUBTOTAL}" in text
    assert "2026年5月9日00:30" in text and "再販売（エンドユーザー:エンド商事株式会社）" in text


def test_free_text_line_shows_name_and_note_without_a_code(buyer, quote):
    # covers: Q2
    page = BeautifulSoup(buyer.get(reverse("quotes:quote-print", args=[quote.number])).content, "html.parser")
    row = page.select(".lines tbody tr")[-1]
    assert row.select_one("td.code").get_text() == "カタログ外"
    assert "オンサイト導入作業" in row.get_text() and row.select_one(".note").get_text() == "保守3年"
    _pages, text = pdf_text(buyer.get(reverse("quotes:quote-pdf", args=[quote.number])).content)
    assert "オンサイト導入作業" in text and "保守3年" in text


def test_a_long_quote_runs_over_several_pages(buyer, member):
    # covers: Q2
    lines = [(f"LONG-{i:03d}", f"長い見積の品目 {i}", Decimal("1000") + i, i) for i in range(1, 61)]
    quote = make_quote(member.company, lines, number="Q260502-00060")
    pages, text = pdf_text(buyer.get(reverse("quotes:quote-pdf", args=[quote.number])).content)
    assert pages > 1
    assert all(code in text for code, *_ in lines)
    assert text.count("商品コード") == pages  # the header row repeats on every page
    assert f"合計(税込)¥{quote.total:,.0f}" in text


def test_missing_font_falls_back_to_the_builtin_japanese_font(buyer, quote, caplog):
    # covers: Q2
    with override_settings(KOBAI_PDF_FONT="/nonexistent/kobai-test-font.ttf"), caplog.at_level(logging.WARNING):
        response = buyer.get(reverse("quotes:quote-pdf", args=[quote.number]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert b"HeiseiKakuGo-W5" in response.content
    assert any("HeiseiKakuGo-W5" in r.getMessage() for r in caplog.records)


def test_another_companys_member_gets_404(client, quote):
    # covers: Q2
    client.force_login(MemberFactory().user)
    for name in ("quotes:quote-print", "quotes:quote-pdf"):
        assert client.get(reverse(name, args=[quote.number])).status_code == 404, name
