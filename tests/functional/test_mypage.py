"""「マイページ」 account settings (M4): login ID, password, email address, profile, password reset."""

import re
import time
from types import SimpleNamespace

import pytest
from django.core import mail as django_mail
from django.core import signing
from django.urls import reverse

from shop.accounts import mypage_forms, mypage_views
from shop.companies.models import Member
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

LOGIN = "/shop/accounts/login/"
PASSWORD = "Right-Password-1"
NEW_PASSWORD = "Brand-New-Passw0rd"
WRONG_PASSWORD_MESSAGE = "現在のパスワードが正しくありません"


@pytest.fixture
def company():
    return CompanyFactory(name="株式会社マイページ商事")


@pytest.fixture
def buyer(django_user_model, company):
    user = django_user_model.objects.create_user(
        "K1234567", "taro@old.example.jp", PASSWORD, last_name="山田", first_name="太郎"
    )
    Member.objects.create(user=user, company=company, department="情報システム部", phone="03-1234-5678")
    return user


@pytest.fixture
def buyer_client(client, buyer):
    client.force_login(buyer)
    return client


def _login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="10.0.0.8")


def _path(link):
    return re.sub(r"^https?://[^/]+", "", link)


def _page(response):
    return response.content.decode()


# --- access ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["mypage:index", "mypage:change-login-id", "mypage:change-password", "mypage:change-email", "mypage:profile"],
)
def test_anonymous_visitors_go_to_login(client, name):
    # covers: M4
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


@pytest.mark.parametrize(
    "name",
    ["mypage:index", "mypage:change-login-id", "mypage:change-password", "mypage:change-email", "mypage:profile"],
)
def test_users_without_a_member_row_get_404(client, django_user_model, name):
    # covers: M4
    client.force_login(django_user_model.objects.create_user("nomember", "nomember@kobai.example", PASSWORD))
    assert client.get(reverse(name)).status_code == 404


def test_index_shows_the_account_and_links_to_each_setting(buyer_client):
    # covers: M4
    response = buyer_client.get("/shop/mypage/")
    assert response.status_code == 200
    html = _page(response)
    for text in ("株式会社マイページ商事", "K1234567", "山田 太郎", "taro@old.example.jp", "情報システム部"):
        assert text in html
    links = set(re.findall(r'href="(/shop/mypage/[^"]*)"', html))
    assert "/shop/mypage/addresses/" in links
    for label in ("IDの変更", "パスワードの変更", "メールアドレスの変更", "お客様情報変更", "アドレス帳"):
        assert label in html
    for link in links - {"/shop/mypage/addresses/"}:
        assert buyer_client.get(link).status_code == 200, link


# --- 「IDの変更」 ------------------------------------------------------------


def test_change_login_id_keeps_the_session_and_the_new_id_logs_in(client, buyer, django_capture_on_commit_callbacks):
    # covers: M4
    assert _login(client, "K1234567", PASSWORD).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/shop/mypage/login-id/", {"login_id": "ｙａｍａｄａ－ｔａｒｏ", "current_password": PASSWORD}, follow=True
        )
    buyer.refresh_from_db()
    assert buyer.username == "yamada-taro"  # full-width input normalised (NFKC)
    assert "お客様IDを「yamada-taro」に変更しました" in _page(response)
    assert client.get("/shop/mypage/").status_code == 200  # still signed in
    [notice] = django_mail.outbox
    assert notice.to == ["taro@old.example.jp"] and "お客様IDが変更されました" in notice.subject
    assert "K1234567" in notice.body and "yamada-taro" in notice.body

    client.post(reverse("customer:logout"))
    assert "_auth_user_id" not in client.session
    assert "お客様IDまたはパスワードが正しくありません" in _page(_login(client, "K1234567", PASSWORD))
    assert _login(client, "yamada-taro", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(buyer.pk)


def test_change_login_id_twice_to_the_same_value_is_fine(buyer_client, buyer, django_capture_on_commit_callbacks):
    # covers: M4
    data = {"login_id": "yamada.taro", "current_password": PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        first = buyer_client.post("/shop/mypage/login-id/", data)
        second = buyer_client.post("/shop/mypage/login-id/", data)
    assert first.status_code == second.status_code == 302
    buyer.refresh_from_db()
    assert buyer.username == "yamada.taro"
    assert len(django_mail.outbox) == 1  # nothing changed the second time, so no second notice


def test_change_login_id_refuses_another_users_id_whatever_the_case(buyer_client, buyer, django_user_model):
    # covers: M4
    django_user_model.objects.create_user("Suzuki_Ichiro", "ichiro@example.jp", PASSWORD)
    for taken in ("Suzuki_Ichiro", "suzuki_ichiro", "SUZUKI_ICHIRO", "ｓｕｚｕｋｉ＿ｉｃｈｉｒｏ"):
        response = buyer_client.post("/shop/mypage/login-id/", {"login_id": taken, "current_password": PASSWORD})
        assert response.status_code == 200
        assert "このお客様IDは既に使われています" in _page(response)
    buyer.refresh_from_db()
    assert buyer.username == "K1234567"


def test_change_login_id_race_on_save_gets_the_same_message(buyer_client, buyer, django_user_model, monkeypatch):
    # covers: M4
    django_user_model.objects.create_user("taken-id", "other@example.jp", PASSWORD)
    # the ID is free when checked but taken by the time it is saved
    monkeypatch.setattr(mypage_forms.LoginIdChangeForm, "clean_login_id", lambda form: form.cleaned_data["login_id"])
    response = buyer_client.post("/shop/mypage/login-id/", {"login_id": "taken-id", "current_password": PASSWORD})
    assert response.status_code == 200 and "このお客様IDは既に使われています" in _page(response)
    buyer.refresh_from_db()
    assert buyer.username == "K1234567"
    assert not django_mail.outbox


def test_change_login_id_may_change_only_the_case_of_ones_own_id(buyer_client, buyer):
    # covers: M4
    response = buyer_client.post("/shop/mypage/login-id/", {"login_id": "k1234567", "current_password": PASSWORD})
    assert response.status_code == 302
    buyer.refresh_from_db()
    assert buyer.username == "k1234567"


@pytest.mark.parametrize("login_id", ["abc", "a" * 31, "山田太郎", "taro@example", "taro yamada", "taro/1"])
def test_change_login_id_checks_the_format(buyer_client, buyer, login_id):
    # covers: M4
    response = buyer_client.post("/shop/mypage/login-id/", {"login_id": login_id, "current_password": PASSWORD})
    assert response.status_code == 200
    assert "4〜30文字の半角英数字" in _page(response)
    buyer.refresh_from_db()
    assert buyer.username == "K1234567"


def test_change_login_id_needs_the_current_password(buyer_client, buyer):
    # covers: M4
    response = buyer_client.post("/shop/mypage/login-id/", {"login_id": "yamada-taro", "current_password": "wrong"})
    assert response.status_code == 200
    assert WRONG_PASSWORD_MESSAGE in _page(response)
    missing = buyer_client.post("/shop/mypage/login-id/", {"login_id": "yamada-taro"})
    assert "現在のパスワードを入力してください" in _page(missing)
    buyer.refresh_from_db()
    assert buyer.username == "K1234567"


# --- 「パスワードの変更」 ----------------------------------------------------


def _password_data(old=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return {"old_password": old, "new_password1": new, "new_password2": confirm or new}


def test_change_password_keeps_the_session_and_notifies(client, buyer, django_capture_on_commit_callbacks):
    # covers: M4, E1
    assert _login(client, "K1234567", PASSWORD).status_code == 302
    page = _page(client.get("/shop/mypage/password/"))
    assert "現在のパスワード" in page and "新しいパスワード（確認）" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/shop/mypage/password/", _password_data(), follow=True)
    assert "パスワードを変更しました" in _page(response)
    buyer.refresh_from_db()
    assert buyer.check_password(NEW_PASSWORD)
    assert client.get("/shop/mypage/").status_code == 200  # the session survived (update_session_auth_hash)
    [notice] = django_mail.outbox
    assert notice.to == ["taro@old.example.jp"]
    assert notice.subject.startswith("【") and "パスワードが変更されました" in notice.subject
    assert "K1234567" in notice.body

    client.post(reverse("customer:logout"))
    assert _login(client, "K1234567", NEW_PASSWORD).status_code == 302


def test_change_password_refuses_a_wrong_current_password(buyer_client, buyer):
    # covers: M4
    response = buyer_client.post("/shop/mypage/password/", _password_data(old="Not-The-Password-9"))
    assert response.status_code == 200
    assert WRONG_PASSWORD_MESSAGE in _page(response)
    buyer.refresh_from_db()
    assert buyer.check_password(PASSWORD)
    assert not django_mail.outbox


def test_change_password_messages_are_japanese(buyer_client, buyer):
    # covers: M4
    mismatch = buyer_client.post("/shop/mypage/password/", _password_data(confirm="Something-Else-77"))
    assert "新しいパスワードと確認用のパスワードが一致しません" in _page(mismatch)
    short = buyer_client.post("/shop/mypage/password/", _password_data(new="short"))
    assert "このパスワードは短すぎます" in _page(short)
    buyer.refresh_from_db()
    assert buyer.check_password(PASSWORD)


def test_change_password_double_submit_is_fine(buyer_client, buyer, django_capture_on_commit_callbacks):
    # covers: M4
    with django_capture_on_commit_callbacks(execute=True):
        first = buyer_client.post("/shop/mypage/password/", _password_data())
        second = buyer_client.post("/shop/mypage/password/", _password_data())
    assert first.status_code == second.status_code == 302
    buyer.refresh_from_db()
    assert buyer.check_password(NEW_PASSWORD)
    assert len(django_mail.outbox) == 1
    assert buyer_client.get("/shop/mypage/").status_code == 200


# --- 「メールアドレスの変更」 ------------------------------------------------


def _request_email_change(client, new_email, capture):
    with capture(execute=True):
        response = client.post("/shop/mypage/email/", {"email": new_email, "current_password": PASSWORD})
    assert response.status_code == 302, _page(response)
    message = django_mail.outbox[-1]
    link = re.search(r"https?://\S+/shop/mypage/email/confirm/\S+/", message.body).group(0)
    return message, _path(link)


def test_email_change_is_confirmed_from_the_new_address_and_the_old_one_is_told(
    buyer_client, buyer, django_capture_on_commit_callbacks
):
    # covers: M4, E1
    confirm, link = _request_email_change(buyer_client, "taro@new.example.jp", django_capture_on_commit_callbacks)
    assert confirm.to == ["taro@new.example.jp"]
    assert confirm.subject.startswith("【") and "メールアドレス変更の確認" in confirm.subject
    assert "24時間" in confirm.body
    buyer.refresh_from_db()
    assert buyer.email == "taro@old.example.jp"  # nothing changes before the link is opened

    with django_capture_on_commit_callbacks(execute=True):
        response = buyer_client.get(link, follow=True)
    assert "メールアドレスを taro@new.example.jp に変更しました" in _page(response)
    buyer.refresh_from_db()
    assert buyer.email == "taro@new.example.jp"
    notice = django_mail.outbox[-1]
    assert notice.to == ["taro@old.example.jp"] and "メールアドレスが変更されました" in notice.subject
    assert "taro@new.example.jp" in notice.body
    assert len(django_mail.outbox) == 2

    # applies once: opening it again changes and sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        again = buyer_client.get(link, follow=True)
    assert again.status_code == 200 and "変更済み" in _page(again)
    assert len(django_mail.outbox) == 2


def test_email_change_link_expires_after_24_hours(buyer_client, buyer, monkeypatch, django_capture_on_commit_callbacks):
    # covers: M4
    _, link = _request_email_change(buyer_client, "taro@new.example.jp", django_capture_on_commit_callbacks)
    real_time = time.time
    # the signing clock only: the session's idle timer must not see the jump
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: real_time() + 25 * 60 * 60))
    response = buyer_client.get(link)
    assert response.status_code == 410
    assert "有効期限（24時間）が切れています" in _page(response)
    buyer.refresh_from_db()
    assert buyer.email == "taro@old.example.jp"

    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: real_time() + 23 * 60 * 60))
    assert buyer_client.get(link).status_code == 302
    buyer.refresh_from_db()
    assert buyer.email == "taro@new.example.jp"


def test_tampered_email_change_link_is_refused(buyer_client, buyer, django_capture_on_commit_callbacks):
    # covers: M4
    _, link = _request_email_change(buyer_client, "taro@new.example.jp", django_capture_on_commit_callbacks)
    token = link.rstrip("/").rsplit("/", 1)[1]
    payload = token.split(":", 1)[0]
    forged = mypage_views.email_change_token(buyer, "attacker@evil.example").split(":", 1)[0]
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token.replace(payload, forged), "garbage"):
        response = buyer_client.get(reverse("mypage:confirm-email", kwargs={"token": bad}))
        assert response.status_code == 400
        assert "確認用リンクが正しくありません" in _page(response)
    # a token signed for another purpose (wrong salt) is refused too
    other = signing.dumps({"u": buyer.pk, "new": "attacker@evil.example", "old": buyer.email}, salt="something-else")
    assert buyer_client.get(reverse("mypage:confirm-email", kwargs={"token": other})).status_code == 400
    buyer.refresh_from_db()
    assert buyer.email == "taro@old.example.jp"


def test_an_older_link_dies_after_the_address_changes(buyer_client, buyer, django_capture_on_commit_callbacks):
    # covers: M4
    _, first = _request_email_change(buyer_client, "first@new.example.jp", django_capture_on_commit_callbacks)
    _, second = _request_email_change(buyer_client, "second@new.example.jp", django_capture_on_commit_callbacks)
    assert buyer_client.get(second).status_code == 302
    response = buyer_client.get(first)
    assert response.status_code == 400 and "無効になっています" in _page(response)
    buyer.refresh_from_db()
    assert buyer.email == "second@new.example.jp"


def test_email_change_link_needs_its_own_user_logged_in(
    client, buyer, company, django_user_model, django_capture_on_commit_callbacks
):
    # covers: M4
    client.force_login(buyer)
    _, link = _request_email_change(client, "taro@new.example.jp", django_capture_on_commit_callbacks)
    client.logout()

    anonymous = client.get(link)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(f"{LOGIN}?next=")
    assert "ログインしてください" in _page(client.get(anonymous["Location"]))

    colleague = django_user_model.objects.create_user("K7654321", "hanako@old.example.jp", PASSWORD)
    Member.objects.create(user=colleague, company=company)
    client.force_login(colleague)
    response = client.get(link)
    assert response.status_code == 403 and "現在ログインしているお客様IDのものではありません" in _page(response)
    buyer.refresh_from_db()
    colleague.refresh_from_db()
    assert buyer.email == "taro@old.example.jp" and colleague.email == "hanako@old.example.jp"

    # logging in as the owner through the login page continues to the link and applies it
    client.logout()
    next_url = anonymous["Location"]
    response = client.post(next_url, {"username": "K1234567", "password": PASSWORD}, REMOTE_ADDR="10.0.0.8")
    assert response.status_code == 302 and response["Location"] == link
    client.get(link)
    buyer.refresh_from_db()
    assert buyer.email == "taro@new.example.jp"


def test_email_change_needs_the_current_password_and_a_valid_new_address(buyer_client, buyer):
    # covers: M4
    wrong = buyer_client.post("/shop/mypage/email/", {"email": "taro@new.example.jp", "current_password": "nope"})
    assert wrong.status_code == 200 and WRONG_PASSWORD_MESSAGE in _page(wrong)
    invalid = buyer_client.post("/shop/mypage/email/", {"email": "not-an-address", "current_password": PASSWORD})
    assert "メールアドレスの形式が正しくありません" in _page(invalid)
    same = buyer_client.post("/shop/mypage/email/", {"email": "TARO@OLD.example.jp", "current_password": PASSWORD})
    assert "現在ご登録のメールアドレスと同じです" in _page(same)
    assert not django_mail.outbox


def test_full_width_email_input_is_normalised(buyer_client, django_capture_on_commit_callbacks):
    # covers: M4
    confirm, _ = _request_email_change(buyer_client, "ｔａｒｏ＠ＮＥＷ.example.jp", django_capture_on_commit_callbacks)
    assert confirm.to == ["taro@new.example.jp"]


# --- 「お客様情報変更」 ------------------------------------------------------


def test_profile_change_is_stored_on_user_and_member(buyer_client, buyer):
    # covers: M4
    page = _page(buyer_client.get("/shop/mypage/profile/"))
    assert 'value="情報システム部"' in page and 'value="03-1234-5678"' in page
    data = {
        "last_name": "佐藤",
        "first_name": "花子",
        "department": "総務部",
        "job_title": "課長",
        "phone": "０４５－１２３－４５６７",
    }
    for _ in range(2):  # a double submit is harmless
        response = buyer_client.post("/shop/mypage/profile/", data)
        assert response.status_code == 302
    buyer.refresh_from_db()
    member = buyer.member
    assert (buyer.last_name, buyer.first_name) == ("佐藤", "花子")
    assert (member.department, member.job_title, member.phone) == ("総務部", "課長", "045-123-4567")
    assert "お客様情報を変更しました" in _page(buyer_client.get("/shop/mypage/"))


def test_profile_errors_are_japanese(buyer_client, buyer):
    # covers: M4
    response = buyer_client.post(
        "/shop/mypage/profile/", {"last_name": "", "first_name": "", "department": "", "phone": "12345"}
    )
    assert response.status_code == 200
    html = _page(response)
    for message in ("氏名（姓）を入力してください", "部署名を入力してください", "電話番号は0から始まる10桁または11桁"):
        assert message in html
    buyer.refresh_from_db()
    assert buyer.last_name == "山田" and buyer.member.phone == "03-1234-5678"


# --- 「パスワードをお忘れの方はこちら」 -------------------------------------


def test_password_reset_by_email_end_to_end(client, buyer, django_capture_on_commit_callbacks):
    # covers: M4, E1
    login_page = _page(client.get(LOGIN))
    assert "パスワードをお忘れの方はこちら" in login_page and reverse("password-reset") in login_page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password-reset"), {"email": "taro@old.example.jp"})
    assert response.status_code == 302
    [message] = django_mail.outbox  # Oscar's email, through our outbox like every other
    assert message.to == ["taro@old.example.jp"]
    link = re.search(r"https?://\S+/password-reset/confirm/\S+/", message.body).group(0)

    form = client.get(_path(link), follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    set_password_url = form.redirect_chain[-1][0] if form.redirect_chain else _path(link)
    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("password-reset-complete")

    # the link works once
    assert not client.get(_path(link), follow=True).context["validlink"]

    assert "お客様IDまたはパスワードが正しくありません" in _page(_login(client, "K1234567", PASSWORD))
    assert _login(client, "K1234567", NEW_PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(buyer.pk)
