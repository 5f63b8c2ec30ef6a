"""Hostile input on every public form never makes the server answer 500 (issue 9).

Each form is one test id; each gets the fixed inputs of `tests/fuzz_strategies.py` (NUL and 10,000
characters in every field and in each field alone, missing and repeated fields, full-width, emoji) and
200 generated ones. The rate limits (django-ratelimit) and the login throttle (django-axes) stay on with
limits no run reaches, so their code sees every input and none is answered 429 unread.

| id                     | URL                                               | fields                                   | who       |
|------------------------|---------------------------------------------------|------------------------------------------|-----------|
| login                  | POST /shop/accounts/login/                        | username password next                   | visitor   |
| membership-apply       | POST /shop/membership/apply/                      | 13 company/applicant/authority fields,   | visitor   |
|                        |                                                   | submission_key agree                     |           |
| visitor-inquiry        | POST /shop/inquiries/contact/                     | company_name name email phone category   | visitor   |
|                        |                                                   | subject body website submission_key      |           |
| password-reset         | POST /shop/password-reset/                        | email                                    | visitor   |
| password-reset-confirm | POST /shop/password-reset/confirm/<uid>/set-password/ | new_password1 new_password2          | visitor   |
| first-password         | POST /shop/membership/first-password/<uid>/<token>/ | new_password1 new_password2            | visitor   |
| search                 | GET /shop/search/                                 | q maker category sort page               | visitor   |
| faq-search             | GET /faq/                                         | q                                        | visitor   |
| dashboard-login        | POST /shop/dashboard/login/                       | username password next                   | visitor   |
| cms-admin-login        | POST /cms-admin/login/                            | username password next                   | visitor   |
| cms-admin-password-reset | POST /cms-admin/password_reset/                 | email                                    | visitor   |
| django-admin-login     | POST /django-admin/login/                         | username password next                   | visitor   |
| page-privacy-login     | POST /_util/login/                                | username password next                   | visitor   |
| language               | POST /i18n/setlang/                               | language next                            | visitor   |
"""

from urllib.parse import urlencode

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from shop.companies import activation
from shop.demo.users import DEMO_PASSWORD
from tests.factories import MemberFactory
from tests.fuzz_strategies import EXAMPLES, FormSpec, fields, fuzz, new_key

pytestmark = pytest.mark.django_db

PASSWORD = "Fuzz-Valid-Passphrase-2026"
STAFF_PASSWORD = "Fuzz-Staff-Passphrase-2026"
CATEGORIES = ("product", "order", "billing", "account", "other", "pre-application")

FORMS = [
    # covers: M3, M12
    FormSpec(
        "login",
        "/shop/accounts/login/",
        fields("username password next"),
        who="public",
        covers="M3, M12",
        base={"username": "K0000001", "password": DEMO_PASSWORD, "next": "/shop/mypage/"},
    ),
    # covers: M1
    FormSpec(
        "membership-apply",
        "/shop/membership/apply/",
        fields(
            "company_name company_postcode company_address representative_name applicant_name applicant_department "
            "applicant_email applicant_phone authority_name authority_department authority_title authority_email "
            "authority_phone submission_key agree",
            company_postcode="postcode",
            applicant_email="email",
            authority_email="email",
            applicant_phone="phone",
            authority_phone="phone",
            submission_key="uuid",
            agree="bool",
        ),
        who="public",
        covers="M1",
        base={
            "company_name": "株式会社ファズ商事",
            "company_postcode": "１００－０００５",
            "company_address": "東京都千代田区丸の内1-1-1",
            "representative_name": "代表 太郎",
            "applicant_name": "申込 花子",
            "applicant_department": "総務部",
            "applicant_email": "hanako@fuzz.example.jp",
            "applicant_phone": "03-1234-5678",
            "authority_name": "権限 次郎",
            "authority_department": "情報システム部",
            "authority_title": "部長",
            "authority_email": "jiro@fuzz.example.jp",
            "authority_phone": "０９０－１２３４－５６７８",
            "submission_key": new_key(),
            "agree": "on",
        },
    ),
    # covers: I1
    FormSpec(
        "visitor-inquiry",
        "/shop/inquiries/contact/",
        fields(
            "company_name name email phone category subject body website submission_key",
            email="email",
            phone="phone",
            category=CATEGORIES,
            submission_key="uuid",
        ),
        who="public",
        covers="I1",
        base={
            "company_name": "株式会社ファズ",
            "name": "問合 太郎",
            "email": "taro@fuzz.example.jp",
            "phone": "03-1234-5678",
            "category": "product",
            "subject": "ライセンスについて",
            "body": "50ライセンスの見積をお願いします。",
            "website": "",
            "submission_key": new_key(),
        },
    ),
    # covers: M4
    FormSpec(
        "password-reset",
        "/shop/password-reset/",
        fields("email", email="email"),
        who="public",
        covers="M4",
        base={"email": "k0000001@demo-shoji.example.jp"},
    ),
    # covers: M4
    FormSpec(
        "password-reset-confirm",
        "{set_password_url}",
        fields("new_password1 new_password2"),
        who="public",
        covers="M4",
        base={"new_password1": PASSWORD, "new_password2": PASSWORD},
        setup="reset_link",
    ),
    # covers: M3
    FormSpec(
        "first-password",
        "/shop/membership/first-password/{uidb64}/{token}/",
        fields("new_password1 new_password2"),
        who="public",
        covers="M3",
        base={"new_password1": PASSWORD, "new_password2": PASSWORD},
        setup="first_password_link",
    ),
    # covers: C3
    FormSpec(
        "search",
        "/shop/search/",
        fields(
            "q maker category sort page",
            maker=("microsoft", "adobe"),
            category=("security", "productivity"),
            sort=("relevance", "price-asc", "price-desc", "name"),
            page="number",
        ),
        who="public",
        covers="C3",
        method="GET",
        base={"q": "Microsoft 365", "sort": "price-asc", "page": "1"},
    ),
    # covers: W2
    FormSpec("faq-search", "/faq/", fields("q"), who="public", covers="W2", method="GET", base={"q": "見積"}),
    # covers: M11, S1 (the staff areas' own sign-in pages; django-axes throttles them too)
    FormSpec(
        "dashboard-login",
        "/shop/dashboard/login/",
        fields("username password next"),
        who="public",
        covers="M11, S1",
        base={"username": "fuzzclerk", "password": STAFF_PASSWORD, "next": "/shop/dashboard/"},
        setup="staff_user",
    ),
    # covers: W3
    FormSpec(
        "cms-admin-login",
        "/cms-admin/login/",
        fields("username password next"),
        who="public",
        covers="W3",
        base={"username": "fuzzclerk", "password": STAFF_PASSWORD, "next": "/cms-admin/"},
        setup="staff_user",
    ),
    # covers: W3
    FormSpec(
        "cms-admin-password-reset",
        "/cms-admin/password_reset/",
        fields("email", email="email"),
        who="public",
        covers="W3",
        base={"email": "fuzzclerk@kobai.example"},
        setup="staff_user",
    ),
    # covers: S1
    FormSpec(
        "django-admin-login",
        "/django-admin/login/",
        fields("username password next"),
        who="public",
        covers="S1",
        base={"username": "fuzzclerk", "password": STAFF_PASSWORD, "next": "/django-admin/"},
        setup="staff_user",
    ),
    # covers: W2 (Wagtail's sign-in for pages restricted to logged-in users)
    FormSpec(
        "page-privacy-login",
        "/_util/login/",
        fields("username password next"),
        who="public",
        covers="W2",
        base={"username": "K0000001", "password": DEMO_PASSWORD, "next": "/faq/"},
    ),
    # covers: W4
    FormSpec(
        "language",
        "/i18n/setlang/",
        fields("language next", language=("ja", "en")),
        who="public",
        covers="W4",
        base={"language": "en", "next": "/shop/search/?q=%E8%A6%8B%E7%A9%8D"},
    ),
]


def reset_link(client, members) -> dict:
    """The emailed reset link, opened: Django keeps the token in the session and shows the set-password page."""
    user = members["K0000001"].user
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    opened = client.get(f"/shop/password-reset/confirm/{uidb64}/{default_token_generator.make_token(user)}/")
    assert opened.status_code == 302, opened.status_code
    return {"set_password_url": opened["Location"]}


def first_password_link(client, members) -> dict:
    """A new member who has not set a first password yet, and the link of their completion email."""
    member = MemberFactory()
    member.user.set_unusable_password()
    member.user.save(update_fields=["password"])
    member.password_deadline = activation.new_deadline()
    member.save(update_fields=["password_deadline"])
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(member.user.pk)),
        "token": activation.first_password_tokens.make_token(member.user),
    }


def staff_user(client, members) -> dict:
    """A clerk with a password, for the staff areas' sign-in pages (their second factor comes after them)."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user(
        "fuzzclerk", "fuzzclerk@kobai.example", STAFF_PASSWORD, is_staff=True, is_superuser=True
    )
    return {}


SETUPS = {"reset_link": reset_link, "first_password_link": first_password_link, "staff_user": staff_user}


@pytest.fixture(autouse=True)
def _limits_that_never_bite(settings):
    """The login throttle (django-axes) and the rate limits (django-ratelimit) stay switched on, so their code
    sees every hostile input too, but with limits no run can reach: a 429 would mean the input was never
    looked at (fuzz() fails on it). Axes counts in the database, which every input rolls back."""
    settings.RATELIMIT_ENABLE = True
    settings.KOBAI_RATELIMIT_PER_ADDRESS = settings.KOBAI_RATELIMIT_PER_EMAIL = "1000000/s"
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 10**9


@pytest.mark.parametrize("spec", FORMS, ids=str)
def test_hostile_input_on_a_public_form_never_answers_500(spec, members):
    # covers: M1, M3, M4, M11, M12, I1, C3, W2, W3, W4, S1 (each form's own ids are in FORMS)
    client = Client(raise_request_exception=False)
    ctx = SETUPS[spec.setup](client, members) if spec.setup else {}
    statuses = fuzz(client, spec, ctx)
    print(spec.id, sum(statuses.values()), dict(sorted(statuses.items())))
    assert sum(statuses.values()) >= EXAMPLES


@pytest.mark.parametrize(
    "method, url, data",
    [
        ("get", "/shop/search/?q=Microsoft%00365", None),
        ("get", "/faq/?q=%E8%A6%8B%00", None),
        ("get", "/shop/quotes/Q%00/", None),
        ("post", "/shop/inquiries/contact/", {"subject": "見積\x00", "body": "50ライセンス"}),
        ("post", "/shop/membership/apply/", {"company_name\x00": "株式会社"}),
        ("multipart", "/shop/membership/apply/", {"company_name": "株式会社\x00"}),
    ],
)
def test_nul_in_the_url_or_a_field_is_refused_with_400_before_any_view(client, method, url, data):
    # covers: C3, I1, M1, Q2 (PostgreSQL refuses NUL in text: shop/input_guard.py answers 400 instead of a 500)
    if method == "post":
        response = client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")
    elif method == "multipart":
        response = client.post(url, data)
    else:
        response = client.get(url)
    assert response.status_code == 400


def test_nul_bytes_inside_an_uploaded_file_are_left_to_the_upload_checks(client):
    # covers: M1, O3 (a PDF or an .xlsx holds NUL bytes: only text fields are refused)
    upload = SimpleUploadedFile("申請書.pdf", b"%PDF-1.7\n\x00\x00\n%%EOF")
    response = client.post("/shop/membership/apply/", {"company_name": "株式会社ファズ", "document": upload})
    assert response.status_code == 200  # the form again, with its own errors


def test_a_failed_sign_in_with_a_very_long_name_is_counted_under_its_first_255_characters(client, settings):
    # covers: M12, S1 (Django's sign-in forms do not limit the name; axes' columns hold 255: PostgreSQL answered 500)
    from axes.models import AccessAttempt

    settings.AXES_ENABLED = True
    name = "全角ＡＢＣ" * 2000
    response = client.post("/django-admin/login/", {"username": name, "password": "wrong", "next": "/django-admin/"})
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == name[:255]
