"""Data isolation (M6) for ids sent in the query string or the POST body.

test_isolation_matrix.py covers ids in the URL path. Here every buyer view
that reads an id from ``request.GET``/``request.POST`` or a form field is an
entry: a member of company A sends a **valid** form (the one the page shows)
carrying company B's id; it is refused (404 or a form error) and no row of
any table the view could write changes (all rows compared, not only B's
object). The same test then sends A's own id and sees it succeed, so the
refusal is the company scope, not a broken form.

Completeness is generated: the views' sources are scanned for
``request.GET``/``request.POST`` keys, the buyer forms (ours, and Oscar's
behind buyer URLs) for model choice fields and id-like fields; each must be
an entry here or exempt with its reason. test_isolation_matrix.py's
`test_every_buyer_url_name_is_covered_or_exempt` closes the loop over URL names.
"""

from __future__ import annotations

import importlib
import inspect
import re
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from oscar.core.loading import get_model

from shop.accounts import oscar_customer_urls
from shop.addressbook import services as addressbook_services
from shop.addressbook.models import CompanyAddress
from shop.attachments import services as attachment_services
from shop.inquiries.models import Inquiry
from shop.quotes.models import Quote
from tests import upload_corpus
from tests.factories import MemberFactory
from tests.functional import test_isolation_matrix as path_matrix
from tests.functional.test_isolation_matrix import all_rows
from tests.order_factories import make_order

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")

SHOP = Path(__file__).resolve().parents[2] / "shop"
CODE = "MS-M365BS-1Y"

# --- the two companies -----------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _add_to_basket(client, code=CODE, quantity=1):
    response = client.post(reverse("basket:add", args=[Product.objects.get(upc=code).pk]), {"quantity": quantity})
    assert response.status_code == 302, response


def _pdf(name="稟議書.pdf"):
    return SimpleUploadedFile(name, upload_corpus.reportlab_pdf())


def _form_data(page: bytes, selector: str) -> dict:
    """What the browser would send for the form as the page shows it (first choice where none is checked)."""
    form = BeautifulSoup(page, "html.parser").select_one(selector)
    assert form is not None, selector
    data = {}
    for field in form.select("input[name], select[name], textarea[name]"):
        name, kind = field["name"], field.get("type", "")
        if field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            data[name] = chosen["value"] if chosen else ""
        elif field.name == "textarea":
            data[name] = field.get_text()
        elif kind in ("radio", "checkbox"):
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
            elif kind == "radio":
                data.setdefault(name, field.get("value", ""))
        elif kind not in ("file", "submit"):
            data[name] = field.get("value", "")
    return data


@pytest.fixture
def world(members):
    """A: the demo company (administrator K0000001 orders directly). B: another company with one of everything."""
    a_admin = members["K0000001"]
    b_admin = MemberFactory(role="admin", has_ordering_authority=True)
    b_colleague = MemberFactory(company=b_admin.company)
    b_client = _client(b_admin.user)
    _add_to_basket(b_client, CODE)
    _add_to_basket(b_client, "TM-VBBS-1Y-N")
    # one of B's lines saved for later through Oscar's basket form, so B has a saved basket line too
    page = b_client.get(reverse("basket:summary")).content
    data = _form_data(page, "#basket_formset")
    data["form-1-save_for_later"] = "on"
    assert b_client.post(reverse("basket:summary"), data).status_code == 302
    b_order = make_order(member=b_admin, submission_key=uuid.uuid4())
    b_address, _ = addressbook_services.create_address(
        company=b_admin.company,
        user=b_admin.user,
        data={
            "site_name": "B社 本社",
            "recipient_name": "担当",
            "postcode": "100-0005",
            "address": "東京都千代田区1-1",
            "phone": "03-1234-5678",
        },
        submission_key=uuid.uuid4(),
    )
    b_bound = attachment_services.store(
        uploaded_file=_pdf("B社の申請書.pdf"), company=b_admin.company, user=b_admin.user
    )
    attachment_services.attach(attachments=[b_bound], order=b_order)
    b = {
        "member": b_colleague,
        "address": b_address,
        "order": b_order,
        "basket_line": BasketLine.objects.get(basket__owner=b_admin.user, basket__status=Basket.OPEN),
        "saved_line": BasketLine.objects.get(basket__owner=b_admin.user, basket__status=Basket.SAVED),
        "unbound_attachment": attachment_services.store(
            uploaded_file=_pdf("B社の未送信.pdf"), company=b_admin.company, user=b_admin.user
        ),
        "bound_attachment": b_bound,
        "quote": Quote.objects.create(
            number="Q-B-0001",
            company=b_admin.company,
            created_by=b_admin.user,
            issued_at=timezone.now(),
            valid_until=timezone.now() + timedelta(days=7),
            subtotal=Decimal("1000"),
            tax=Decimal("100"),
            total=Decimal("1100"),
            submission_key=uuid.uuid4(),
        ),
        "inquiry": Inquiry.objects.create(
            number="I-B-0001",
            company=b_admin.company,
            created_by=b_admin.user,
            subject="B社の問い合わせ",
            submission_key=uuid.uuid4(),
        ),
    }
    return {"a": a_admin, "members": members, "b": b}


# --- the entries ------------------------------------------------------------------------------
# Each entry: (URL name, parameter, where it travels) → a test below that sends B's id, then A's own.

COVERED = {
    ("checkout:index", "delivery_address", "body"): "test_checkout_delivery_address",
    ("checkout:index", "document_ids", "body"): "test_checkout_document_ids",
    ("checkout:index", "submission_key", "body"): "test_checkout_submission_key",
    ("quotes:quote-order", "delivery_address", "body"): "test_quote_order_delivery_address_and_documents",
    ("quotes:quote-order", "document_ids", "body"): "test_quote_order_delivery_address_and_documents",
    ("quotes:quote-order", "submission_key", "body"): "test_quote_order_delivery_address_and_documents",
    ("basket:summary", "form-N-id", "body"): "test_basket_line_ids",
    ("basket:saved", "saved-N-id", "body"): "test_saved_basket_line_ids",
    ("inquiries:inquiry-create", "order", "query"): "test_inquiry_bound_to_an_order",
    ("inquiries:inquiry-create", "order", "body"): "test_inquiry_bound_to_an_order",
    ("inquiries:inquiry-create", "submission_key", "body"): "test_inquiry_submission_key",
    ("company:member-update", "first_approver", "body"): "test_approvers_are_members_of_the_company",
    ("company:member-update", "second_approver", "body"): "test_approvers_are_members_of_the_company",
    ("addressbook:create", "submission_key", "body"): "test_address_submission_key",
    ("quotes:quote-create", "submission_key", "body"): "test_quote_submission_keys",
    ("quotes:quote-requote", "submission_key", "body"): "test_quote_submission_keys",
}

# Where the scans below find each covered parameter (source key or form field).
COVERED_SOURCES = {
    "shop/order/forms.py:CheckoutForm.delivery_address": ("checkout:index", "delivery_address", "body"),
    "shop/order/forms.py:CheckoutForm.document_ids": ("checkout:index", "document_ids", "body"),
    "shop/order/forms.py:CheckoutForm.submission_key": ("checkout:index", "submission_key", "body"),
    "shop/companies/admin_forms.py:MemberForm.first_approver": ("company:member-update", "first_approver", "body"),
    "shop/companies/admin_forms.py:MemberForm.second_approver": ("company:member-update", "second_approver", "body"),
    "shop/addressbook/forms.py:CompanyAddressCreateForm.submission_key": (
        "addressbook:create",
        "submission_key",
        "body",
    ),
    "shop/inquiries/views.py:order": ("inquiries:inquiry-create", "order", "query"),
    "shop/inquiries/views.py:submission_key": ("inquiries:inquiry-create", "submission_key", "body"),
    "shop/quotes/views.py:submission_key": ("quotes:quote-create", "submission_key", "body"),
    "oscar.apps.basket.views.BasketView.formset_class.id": ("basket:summary", "form-N-id", "body"),
    "oscar.apps.basket.views.SavedView.formset_class.id": ("basket:saved", "saved-N-id", "body"),
}

# Parameters and fields that are not another company's object, with the reason.
EXEMPT_SOURCES = {
    "shop/inquiries/views.py:product": "a public catalogue product (on sale); the inquiry is the requester's company's",
    "shop/quotes/views.py:for_resale": "a flag, not an id",
    "shop/quotes/views.py:end_user_name": "free text, not an id",
    "shop/approvals/views.py:decision": "approve / send back, not an id",
    "shop/approvals/views.py:comment": "free text, not an id",
    "shop/order/views.py:reason": "free text (why the requester withdraws the order), not an id",
    "shop/favourites/views.py:next": "where to go back to (same-site paths only), not an object",
    "shop/twofactor/views.py:next": "where to go after the second factor (same-site paths only), not an object",
    "shop/catalogue/views.py:maker": "a public catalogue filter",
    "shop/catalogue/views.py:sort": "a public catalogue sort order",
    "shop/context_processors.py:q": "the search words shown in the header",
    "shop/accounts/views.py:expired": "a flag for the login page's message",
    "shop/accounts/mypage_forms.py:LoginIdChangeForm.login_id": "the requester's new login ID (unique), not an object",
    "shop/order/forms.py:CheckoutForm.card_token": (
        "a one-time token the card gateway issued to this browser for this payment (P1), not a stored object"
    ),
    "shop/twofactor/views.py:TokenForm.token": "a one-time code from the requester's authenticator app (M11)",
    "shop/twofactor/views.py:VerifyForm.token": "a one-time code from the requester's authenticator app (M11)",
    "shop/companies/forms.py:MembershipApplicationForm.submission_key": (
        "a visitor's application: no company yet, and the key only ever answers with the application it made"
    ),
}


def _covered_test_names() -> set[str]:
    return set(COVERED.values())


# --- the tests for each entry -----------------------------------------------------------------


def _refused(response, field=None) -> bool:
    """404, or the form shown again with an error (on `field` when given)."""
    if response.status_code == 404:
        return True
    form = response.context and response.context.get("form")
    if response.status_code in (200, 400, 409) and form is not None and form.errors:
        return field is None or field in form.errors
    return False


def _checkout_page(client) -> dict:
    data = _form_data(client.get(reverse("checkout:index")).content, "form.checkout-form")
    data["payment_method"] = "invoice"
    return data


def _orders_of(company) -> list[str]:
    return list(Order.objects.filter(company=company).values_list("number", flat=True))


def test_checkout_delivery_address(world):
    # covers: M6, M8, O3
    a, b = world["a"], world["b"]
    client = _client(a.user)
    _add_to_basket(client)
    data = _checkout_page(client)
    own = data["delivery_address"]
    assert CompanyAddress.objects.get(pk=own).company == a.company
    before = all_rows()
    response = client.post(reverse("checkout:index"), {**data, "delivery_address": b["address"].pk})
    assert _refused(response, "delivery_address"), response.status_code
    assert all_rows() == before
    response = client.post(reverse("checkout:index"), {**data, "delivery_address": own})
    assert response.status_code == 302 and len(_orders_of(a.company)) == 1
    assert b["address"].site_name not in Order.objects.get(company=a.company).delivery_address


def test_checkout_document_ids(world):
    # covers: M6, O3
    a, b = world["a"], world["b"]
    client = _client(a.user)
    _add_to_basket(client)
    data = _checkout_page(client)
    own = attachment_services.store(uploaded_file=_pdf(), company=a.company, user=a.user)
    colleagues = attachment_services.store(
        uploaded_file=_pdf("同僚の書類.pdf"), company=a.company, user=world["members"]["K0000004"].user
    )
    for foreign in (b["unbound_attachment"], b["bound_attachment"], colleagues):
        before = all_rows()
        response = client.post(reverse("checkout:index"), {**data, "document_ids": f"{own.pk},{foreign.pk}"})
        assert _refused(response, "documents"), (foreign.original_name, response.status_code)
        assert all_rows() == before, foreign.original_name
    response = client.post(reverse("checkout:index"), {**data, "document_ids": str(own.pk)})
    assert response.status_code == 302
    order = Order.objects.get(company=a.company)
    assert [doc.pk for doc in order.attachments.all()] == [own.pk]


def test_checkout_submission_key(world):
    # covers: M6, O3 (the key of another company's order never answers with that order)
    a, b = world["a"], world["b"]
    client = _client(a.user)
    _add_to_basket(client)
    data = _checkout_page(client)
    before = all_rows()
    response = client.post(reverse("checkout:index"), {**data, "submission_key": str(b["order"].submission_key)})
    assert _refused(response), response.status_code
    assert b["order"].number not in response.content.decode()
    assert all_rows() == before
    response = client.post(reverse("checkout:index"), data)
    assert response.status_code == 302 and len(_orders_of(a.company)) == 1


def test_quote_order_delivery_address_and_documents(world):
    # covers: M6, Q4, O3
    a, b = world["a"], world["b"]
    client = _client(a.user)
    _add_to_basket(client)
    created = client.post(reverse("quotes:quote-create"), {"submission_key": str(uuid.uuid4())})
    quote = Quote.objects.get(company=a.company)
    assert created["Location"] == reverse("quotes:quote-detail", args=[quote.number])
    url = reverse("quotes:quote-order", args=[quote.number])
    data = _form_data(client.get(url).content, "form.quote-order-form")
    data["payment_method"] = "invoice"
    own_document = attachment_services.store(uploaded_file=_pdf(), company=a.company, user=a.user)
    for field, foreign, error_field in (
        ("delivery_address", b["address"].pk, "delivery_address"),
        ("document_ids", b["unbound_attachment"].pk, "documents"),
        ("document_ids", b["bound_attachment"].pk, "documents"),
        ("submission_key", b["order"].submission_key, None),
    ):
        before = all_rows()
        response = client.post(url, {**data, field: str(foreign)})
        assert _refused(response, error_field), (field, response.status_code)
        assert b["order"].number not in response.content.decode()
        assert all_rows() == before, field
    response = client.post(url, {**data, "document_ids": str(own_document.pk)})
    assert response.status_code == 302
    order = Order.objects.get(company=a.company, quote=quote)
    assert [doc.pk for doc in order.attachments.all()] == [own_document.pk]


def test_basket_line_ids(world):
    # covers: M6 (Oscar's basket form: a line id of another user's basket changes nothing)
    a, b = world["a"], world["b"]
    client = _client(a.user)
    _add_to_basket(client)
    data = _form_data(client.get(reverse("basket:summary")).content, "#basket_formset")
    own = BasketLine.objects.get(basket__owner=a.user, basket__status=Basket.OPEN)
    assert data["form-0-id"] == str(own.pk)
    for change in ({"form-0-quantity": "7"}, {"form-0-DELETE": "on"}, {"form-0-save_for_later": "on"}):
        before = all_rows()
        response = client.post(reverse("basket:summary"), {**data, "form-0-id": b["basket_line"].pk, **change})
        assert response.status_code in (200, 302), change  # Oscar shows the basket again; nothing was done
        assert all_rows() == before, change
    response = client.post(reverse("basket:summary"), {**data, "form-0-quantity": "3"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.quantity == 3


def test_saved_basket_line_ids(world):
    # covers: M6 (Oscar's 「あとで買う」 list: another user's saved line is not moved or deleted)
    a, b = world["a"], world["b"]
    client = _client(a.user)
    _add_to_basket(client)
    data = _form_data(client.get(reverse("basket:summary")).content, "#basket_formset")
    assert client.post(reverse("basket:summary"), {**data, "form-0-save_for_later": "on"}).status_code == 302
    own = BasketLine.objects.get(basket__owner=a.user, basket__status=Basket.SAVED)
    data = _form_data(client.get(reverse("basket:summary")).content, "#saved_basket_formset")
    id_field = next(name for name in data if name.endswith("-0-id"))
    prefix = id_field[: -len("-0-id")]
    assert data[id_field] == str(own.pk)
    # an id that is not the requester's saved line is refused with a message (shop/checkout/saved_basket.py)
    for change in ({f"{prefix}-0-move_to_basket": "on"}, {f"{prefix}-0-DELETE": "on"}):
        before = all_rows()
        response = client.post(reverse("basket:saved"), {**data, id_field: b["saved_line"].pk, **change})
        assert response.status_code == 302, change
        assert all_rows() == before, change
    response = client.post(reverse("basket:saved"), {**data, f"{prefix}-0-move_to_basket": "on"})
    assert response.status_code == 302
    assert BasketLine.objects.filter(basket__owner=a.user, basket__status=Basket.OPEN).count() == 1
    assert not BasketLine.objects.filter(pk=own.pk, basket__status=Basket.SAVED).exists()


def test_inquiry_bound_to_an_order(world):
    # covers: M6, O6 (「この注文について問い合わせ」)
    a, b = world["a"], world["b"]
    own = make_order(member=a)
    client = _client(a.user)
    url = reverse("inquiries:inquiry-create")
    data = _form_data(client.get(f"{url}?order={own.number}").content, "form.inquiry-form")
    data.update(body="この注文について")
    assert data["subject"]
    without_order = {k: v for k, v in data.items() if k != "order"}
    before = all_rows()
    assert client.get(f"{url}?order={b['order'].number}").status_code == 404
    assert client.post(f"{url}?order={b['order'].number}", without_order).status_code == 404
    assert client.post(url, {**data, "order": b["order"].number}).status_code == 404
    assert all_rows() == before
    response = client.post(url, data)  # the page's form carries the order in the body
    inquiry = Inquiry.objects.get(company=a.company)
    assert response["Location"] == reverse("inquiries:inquiry-detail", args=[inquiry.number])
    assert inquiry.order == own


def test_inquiry_submission_key(world):
    # covers: M6, I2 (the key of another company's inquiry never answers with that inquiry)
    a, b = world["a"], world["b"]
    client = _client(a.user)
    url = reverse("inquiries:inquiry-create")
    data = _form_data(client.get(url).content, "form.inquiry-form")
    data.update(subject="ライセンスについて", body="質問です")
    before = all_rows()
    response = client.post(url, {**data, "submission_key": str(b["inquiry"].submission_key)})
    assert _refused(response), response.status_code
    assert b["inquiry"].number not in response.get("Location", "") + response.content.decode()
    assert all_rows() == before
    response = client.post(url, data)
    assert response.status_code == 302 and Inquiry.objects.filter(company=a.company).count() == 1


def test_approvers_are_members_of_the_company(world):
    # covers: M5, M6, M7
    a, b, members = world["a"], world["b"], world["members"]
    requester = members["K0000004"]
    client = _client(a.user)
    url = reverse("company:member-update", args=[requester.pk])
    data = _form_data(client.get(url).content, "form:has([name=first_approver])")
    assert data["route"] == "two"
    for field in ("first_approver", "second_approver"):
        before = all_rows()
        response = client.post(url, {**data, field: b["member"].pk})
        assert _refused(response, field), (field, response.status_code)
        assert all_rows() == before, field
    swapped = {"first_approver": members["K0000003"].pk, "second_approver": members["K0000002"].pk}
    assert client.post(url, {**data, **swapped}).status_code == 302
    requester.refresh_from_db()
    assert (requester.first_approver_id, requester.second_approver_id) == tuple(swapped.values())


def test_address_submission_key(world):
    # covers: M6, M8
    a, b = world["a"], world["b"]
    client = _client(a.user)
    url = reverse("addressbook:create")
    data = _form_data(client.get(url).content, "form.addressbook-form")
    data.update(
        site_name="A社 大阪支店",
        recipient_name="担当 次郎",
        postcode="530-0001",
        address="大阪府大阪市北区梅田1-1",
        phone="06-1234-5678",
    )
    before = all_rows()
    response = client.post(url, {**data, "submission_key": str(b["address"].submission_key)})
    assert _refused(response), response.status_code
    assert b["address"].site_name not in response.content.decode()
    assert all_rows() == before
    assert client.post(url, data).status_code == 302
    assert CompanyAddress.objects.filter(company=a.company, site_name="A社 大阪支店").exists()


def test_quote_submission_keys(world):
    # covers: M6, Q1, Q3 (the key of another company's quote never answers with that quote)
    a, b = world["a"], world["b"]
    client = _client(a.user)
    _add_to_basket(client)
    for_b = {"submission_key": str(b["quote"].submission_key)}
    before = all_rows()
    response = client.post(reverse("quotes:quote-create"), for_b)
    assert response.status_code == 404
    assert all_rows() == before
    response = client.post(reverse("quotes:quote-create"), {"submission_key": str(uuid.uuid4())})
    quote = Quote.objects.get(company=a.company)
    assert response["Location"] == reverse("quotes:quote-detail", args=[quote.number])

    requote = reverse("quotes:quote-requote", args=[quote.number])
    before = all_rows()
    response = client.post(requote, for_b)
    assert response.status_code == 404
    assert all_rows() == before
    response = client.post(requote, {"submission_key": str(uuid.uuid4())})
    assert response.status_code == 302 and Quote.objects.filter(company=a.company).count() == 2


# --- completeness, generated -------------------------------------------------------------------

_PARAM = re.compile(r"request\.(?:GET|POST)(?:\.(?:get|getlist)\(\s*|\[\s*)[\"'](?P<key>[\w-]+)[\"']")
_ID_LIKE = re.compile(r"(^|_)(id|ids|pk|pks|key|token|uuid)$")
STAFF_OR_TOOLING_FILES = ("dashboard", "simulator", "migrations", "management", "/demo/")


def _buyer_sources():
    for source in sorted(SHOP.rglob("*.py")):
        relative = source.relative_to(SHOP.parent).as_posix()
        if not any(part in relative for part in STAFF_OR_TOOLING_FILES):
            yield relative, source.read_text(encoding="utf-8")


def scanned_params() -> set[str]:
    """`module:key` for each request.GET/POST key a buyer-side module reads by name."""
    found = set()
    for relative, text in _buyer_sources():
        found |= {f"{relative}:{m['key']}" for m in _PARAM.finditer(text)}
    return found


def _is_id_field(name, field) -> bool:
    return isinstance(field, forms.ModelChoiceField) or bool(_ID_LIKE.search(name))


def _buyer_modules():
    for relative, text in _buyer_sources():
        if "forms" in text:  # defines or uses a form
            yield relative, importlib.import_module(relative[:-3].replace("/", ".").removesuffix(".__init__"))


def scanned_form_fields() -> set[str]:
    """`module:Form.field` for each model-choice or id-like field of the forms our buyer modules define."""
    found = set()
    for relative, module in _buyer_modules():
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found |= {
                    f"{relative}:{name}.{field}" for field, f in cls.base_fields.items() if _is_id_field(field, f)
                }
    return found


def _buyer_url_patterns():
    for route, name, pattern in _walk_patterns(get_resolver()):
        if not route.startswith(path_matrix.STAFF_OR_TOOLING) and name:
            yield route, name, pattern


def _walk_patterns(resolver, prefix="", ns=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver) and p.urlconf_module is oscar_customer_urls:
            continue  # Oscar's customer routes again, unnamed: decided in that module's table
        if isinstance(p, URLResolver):
            yield from _walk_patterns(p, prefix + str(p.pattern), ns + (f"{p.namespace}:" if p.namespace else ""))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), ns + (p.name or ""), p


def _resolved_view_class(pattern):
    """The class of the view that answers at this pattern's path (the first match, as a request would see)."""
    return getattr(pattern.callback, "view_class", None)


def scanned_oscar_forms() -> set[str]:
    """Id-like fields of Oscar's forms and formsets behind buyer URLs that Oscar still serves."""
    found = set()
    for _route, name, pattern in _buyer_url_patterns():
        view = _resolved_view_class(pattern)
        if view is None or not view.__module__.startswith("oscar."):
            continue
        if name.startswith("customer:") and not isinstance(
            oscar_customer_urls.DECISIONS.get(name.split(":", 1)[1]), oscar_customer_urls.Keep
        ):
            continue  # not served: our decision answers at that path (test_oscar_customer_urls)
        for attr in ("form_class", "formset_class"):
            cls = getattr(view, attr, None)
            if cls is None:
                continue
            label = f"{view.__module__}.{view.__name__}.{attr}"
            if hasattr(cls, "model") and hasattr(cls, "form"):  # a model formset: each form carries its row's id
                found.add(f"{label}.id")
                fields = cls.form.base_fields
            else:
                fields = cls.base_fields
            found |= {f"{label}.{field}" for field, f in fields.items() if _is_id_field(field, f)}
    return found


def test_every_id_in_a_query_or_body_has_an_entry():
    # covers: M6
    scanned = scanned_params() | scanned_form_fields() | scanned_oscar_forms()
    known = set(COVERED_SOURCES) | set(EXEMPT_SOURCES)
    assert not scanned - known, f"ids read from the query string or body without an entry: {sorted(scanned - known)}"
    stale = known - scanned
    assert not stale, f"entries for parameters no view reads any more: {sorted(stale)}"
    assert set(COVERED_SOURCES.values()) <= set(COVERED)
    assert _covered_test_names() <= {name for name in globals() if name.startswith("test_")}


def test_the_scans_find_what_they_should():
    # covers: M6 (the scans are not empty by mistake: the known ids are found)
    assert "shop/inquiries/views.py:order" in scanned_params()
    assert "shop/order/forms.py:CheckoutForm.delivery_address" in scanned_form_fields()
    assert "shop/order/forms.py:CheckoutForm.document_ids" in scanned_form_fields()
    assert "shop/companies/admin_forms.py:MemberForm.first_approver" in scanned_form_fields()
    assert "oscar.apps.basket.views.BasketView.formset_class.id" in scanned_oscar_forms()
