"""「アドレス帳」: the company's shared delivery addresses (M8), isolated per company (M6)."""

import uuid

import pytest
from django.test import Client

from shop.addressbook.models import CompanyAddress
from shop.companies.models import Member
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

BASE = "/shop/mypage/addresses/"
LOGIN = "/shop/accounts/login/"


def _member(django_user_model, login_id, company, **member_fields):
    user = django_user_model.objects.create_user(
        login_id, f"{login_id.lower()}@example.jp", "Right-Password-1", last_name="佐藤", first_name="花子"
    )
    Member.objects.create(user=user, company=company, **member_fields)
    return user


@pytest.fixture
def company():
    return CompanyFactory(
        name="株式会社サンプル商事",
        address="東京都千代田区丸の内2-3-4 サンプルビル5階",
        representative_name="山田 太郎",
    )


@pytest.fixture
def other_company():
    return CompanyFactory(
        name="他社工業株式会社",
        postcode="530-0001",
        address="大阪府大阪市北区梅田1-1-1",
        representative_name="他社 代表",
    )


@pytest.fixture
def buyer(django_user_model, company):
    return _member(django_user_model, "K1000001", company, department="情報システム部", phone="03-1234-5678")


@pytest.fixture
def colleague(django_user_model, company):
    return _member(django_user_model, "K1000002", company)


@pytest.fixture
def outsider(django_user_model, other_company):
    return _member(django_user_model, "K2000001", other_company)


def _address(company, site_name="大阪支店", is_default=False):
    return CompanyAddress.objects.create(
        company=company,
        site_name=site_name,
        recipient_name="鈴木 一郎",
        postcode="530-0001",
        address="大阪府大阪市北区梅田1-1-1",
        phone="06-1234-5678",
        is_default=is_default,
    )


def valid_data(**overrides):
    data = {
        "submission_key": str(uuid.uuid4()),
        "site_name": "株式会社サンプル商事　名古屋営業所",
        "department": "総務部",
        "recipient_name": "高橋 次郎",
        "postcode": "〒４６０－０００８",
        "address": "愛知県名古屋市中区栄３－１－１　栄ビル８階",
        "phone": "０５２（１２３）４５６７",
    }
    data.update(overrides)
    return data


def test_create_normalises_full_width_postcode_and_phone(client, buyer):
    # covers: M8
    client.force_login(buyer)
    assert "新しい配送先を登録する" in client.get(BASE + "new/").content.decode()
    response = client.post(BASE + "new/", valid_data())
    assert response.status_code == 302 and response["Location"] == BASE
    address = CompanyAddress.objects.get()
    assert address.company == buyer.member.company and address.created_by == buyer
    assert address.postcode == "460-0008"
    assert address.phone == "052-123-4567"
    assert address.site_name == "株式会社サンプル商事 名古屋営業所"
    assert address.is_default  # the company's first address is its default
    page = client.get(BASE).content.decode()
    assert "を登録しました" in page and "〒460-0008" in page and "既定の配送先" in page


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("site_name", "", "会社名・事業所名を入力してください。配送先は会社・事業所に限ります。"),
        ("recipient_name", "  ", "ご担当者名を入力してください。"),
        ("postcode", "12-345", "郵便番号は7桁"),
        ("phone", "12345", "電話番号は0から始まる"),
        ("address", "千代田区丸の内1-1", "住所は都道府県名から入力してください"),
    ],
)
def test_bad_input_is_refused_with_a_japanese_message(client, buyer, field, value, message):
    # covers: M8
    client.force_login(buyer)
    response = client.post(BASE + "new/", valid_data(**{field: value}))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "入力内容をご確認ください" in html
    assert CompanyAddress.objects.count() == 0


def test_list_shows_only_the_own_companys_addresses_to_every_member(client, buyer, colleague, other_company):
    # covers: M8, M6
    _address(buyer.member.company, site_name="自社大阪支店", is_default=True)
    _address(other_company, site_name="他社の倉庫", is_default=True)
    client.force_login(colleague)  # shared by all members of the company
    html = client.get(BASE).content.decode()
    assert "アドレス帳" in html and "新しい配送先を登録する" in html and f'href="{BASE}new/"' in html
    assert "自社大阪支店" in html
    assert "他社の倉庫" not in html


@pytest.mark.parametrize(
    "method,suffix",
    [("get", "edit/"), ("post", "edit/"), ("get", "delete/"), ("post", "delete/"), ("post", "default/")],
)
def test_another_companys_address_answers_404_and_stays_unchanged(client, outsider, company, method, suffix):
    # covers: M6, M8
    _address(company, site_name="本社", is_default=True)
    target = _address(company, site_name="大阪支店")
    client.force_login(outsider)
    url = f"{BASE}{target.pk}/{suffix}"
    data = valid_data(site_name="乗っ取り") if suffix == "edit/" else {}
    response = getattr(client, method)(url, data)
    assert response.status_code == 404
    target.refresh_from_db()
    assert target.site_name == "大阪支店" and not target.is_default
    assert CompanyAddress.objects.filter(company=company).count() == 2
    assert CompanyAddress.objects.get(company=company, is_default=True).site_name == "本社"
    assert not CompanyAddress.objects.filter(company=outsider.member.company).exists()


@pytest.mark.parametrize("suffix", ["", "new/", "1/edit/", "1/delete/"])
def test_anonymous_users_are_sent_to_login(client, suffix):
    # covers: M8
    response = client.get(BASE + suffix)
    assert response.status_code == 302 and response["Location"].startswith(f"{LOGIN}?next=")


def test_anonymous_posts_change_nothing(client, company):
    # covers: M8
    address = _address(company)
    for url in (f"{BASE}{address.pk}/default/", f"{BASE}{address.pk}/delete/", f"{BASE}from-company/"):
        response = client.post(url)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    address.refresh_from_db()
    assert not address.is_default and CompanyAddress.objects.count() == 1


def test_a_user_without_a_company_gets_404(client, django_user_model):
    # covers: M8, M6
    staff = django_user_model.objects.create_user("staff", "staff@kobai.example.jp", "pw", is_staff=True)
    client.force_login(staff)
    assert client.get(BASE).status_code == 404
    assert client.post(BASE + "new/", valid_data()).status_code == 404
    assert CompanyAddress.objects.count() == 0


def test_double_submit_makes_one_address(client, buyer):
    # covers: M8
    client.force_login(buyer)
    data = valid_data()
    first = client.post(BASE + "new/", data)
    second = client.post(BASE + "new/", data)
    assert first.status_code == second.status_code == 302
    assert CompanyAddress.objects.count() == 1
    assert "登録済みです" in client.get(BASE).content.decode()


def test_another_companys_submission_key_is_refused(client, buyer, outsider):
    # covers: M6, M8
    client.force_login(buyer)
    data = valid_data()
    client.post(BASE + "new/", data)
    other = Client()
    other.force_login(outsider)
    response = other.post(BASE + "new/", data | {"site_name": "他社工業 本社"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "もう一度入力して登録してください" in html and "名古屋営業所" not in html
    assert CompanyAddress.objects.get().company == buyer.member.company


def test_default_switching_keeps_exactly_one_default(client, buyer, company):
    # covers: M8
    first = _address(company, site_name="本社", is_default=True)
    second = _address(company, site_name="大阪支店")
    client.force_login(buyer)
    html = client.get(BASE).content.decode()
    assert f'action="{BASE}{second.pk}/default/"' in html and f'action="{BASE}{first.pk}/default/"' not in html
    assert client.get(f"{BASE}{second.pk}/default/").status_code == 405
    response = client.post(f"{BASE}{second.pk}/default/")
    assert response.status_code == 302 and response["Location"] == BASE
    assert list(CompanyAddress.objects.filter(company=company, is_default=True)) == [second]
    client.post(f"{BASE}{first.pk}/default/")
    client.post(f"{BASE}{first.pk}/default/")
    assert list(CompanyAddress.objects.filter(company=company, is_default=True)) == [first]
    # a new address ticked as default takes over
    client.post(BASE + "new/", valid_data(make_default="on"))
    defaults = CompanyAddress.objects.filter(company=company, is_default=True)
    assert defaults.count() == 1 and defaults.get().site_name == "株式会社サンプル商事 名古屋営業所"


def test_register_company_address_as_delivery_address(client, buyer, company):
    # covers: M8
    client.force_login(buyer)
    html = client.get(BASE).content.decode()
    assert "登録住所を配送先にする" in html and f'action="{BASE}from-company/"' in html
    response = client.post(BASE + "from-company/")
    assert response.status_code == 302 and response["Location"] == BASE
    client.post(BASE + "from-company/")  # a double click makes no second row
    address = CompanyAddress.objects.get()
    assert address.company == company and address.is_default
    assert address.site_name == "株式会社サンプル商事"
    assert address.postcode == "100-0005"
    assert address.address == "東京都千代田区丸の内2-3-4 サンプルビル5階"
    assert address.recipient_name == "佐藤 花子"
    assert address.department == "情報システム部" and address.phone == "03-1234-5678"
    html = client.get(BASE).content.decode()
    assert "登録住所を配送先にする" not in html and "佐藤 花子 様" in html


def test_edit_changes_the_address(client, buyer, company):
    # covers: M8
    address = _address(company, is_default=True)
    client.force_login(buyer)
    form = client.get(f"{BASE}{address.pk}/edit/").content.decode()
    assert "配送先を編集する" in form and "大阪支店" in form
    response = client.post(
        f"{BASE}{address.pk}/edit/", valid_data(site_name="大阪支店 第二倉庫", phone="０６－９８７６－５４３２")
    )
    assert response.status_code == 302 and response["Location"] == BASE
    address.refresh_from_db()
    assert address.site_name == "大阪支店 第二倉庫" and address.phone == "06-9876-5432" and address.is_default
    assert CompanyAddress.objects.count() == 1


def test_delete_asks_first_and_the_next_address_becomes_default(client, buyer, company):
    # covers: M8
    first = _address(company, site_name="本社", is_default=True)
    second = _address(company, site_name="大阪支店")
    client.force_login(buyer)
    confirm = client.get(f"{BASE}{first.pk}/delete/")
    assert confirm.status_code == 200
    assert "削除します。よろしいですか" in confirm.content.decode()
    assert CompanyAddress.objects.count() == 2
    response = client.post(f"{BASE}{first.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == BASE
    assert list(CompanyAddress.objects.all()) == [second]
    second.refresh_from_db()
    assert second.is_default
