"""申請書類 (O3): storing checked uploads privately, binding them to an order, and who may download them (M6)."""

from __future__ import annotations

import hashlib
import io
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.core.loading import get_model

from shop.accounts.roles import grant
from shop.attachments import services
from shop.attachments.forms import ApplicationDocumentsField
from shop.attachments.models import Attachment
from tests import upload_corpus as corpus
from tests.factories import MemberFactory
from tests.functional.test_staff_two_factor import code_for

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
STORED = re.compile(r"^attachments/\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|xlsx)$")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def uploader():
    return MemberFactory(role="admin", has_ordering_authority=True)


@pytest.fixture
def colleague(uploader):
    return MemberFactory(company=uploader.company)


@pytest.fixture
def stranger():
    return MemberFactory()


def make_order(company, user, number="A-100001"):
    return Order.objects.create(
        number=number,
        user=user,
        company=company,
        currency="JPY",
        total_incl_tax=Decimal("1100"),
        total_excl_tax=Decimal("1000"),
        date_placed=timezone.now(),
    )


def store(member, name="申請書類.pdf", data=None) -> Attachment:
    data = corpus.reportlab_pdf() if data is None else data
    return services.store(uploaded_file=SimpleUploadedFile(name, data), company=member.company, user=member.user)


def private_files() -> set[Path]:
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    return {path for path in root.rglob("*") if path.is_file()}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- storing ------------------------------------------------------------------------------------------------


def test_store_keeps_the_checked_bytes_under_a_random_name_outside_media_root(uploader):
    # covers: O3
    data = corpus.reportlab_pdf()
    attachment = services.store(
        uploaded_file=File(io.BytesIO(data), name="../../etc/passwd.pdf"), company=uploader.company, user=uploader.user
    )
    attachment.refresh_from_db()
    assert STORED.match(attachment.file.name), attachment.file.name
    assert "passwd" not in attachment.file.name
    assert attachment.original_name == "passwd.pdf"
    assert (attachment.kind, attachment.size) == ("pdf", len(data))
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.company == uploader.company and attachment.uploaded_by == uploader.user
    assert attachment.order is None
    path = Path(attachment.file.path).resolve()
    assert path.read_bytes() == data
    assert path.is_relative_to(Path(settings.STORAGES["private"]["OPTIONS"]["location"]).resolve())
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())


def test_two_files_with_the_same_name_are_two_files(uploader):
    # covers: O3
    first, second = store(uploader), store(uploader, data=corpus.pypdf_pdf())
    assert first.file.name != second.file.name
    assert first.original_name == second.original_name == "申請書類.pdf"


def test_store_refuses_a_hostile_file_and_keeps_nothing(uploader):
    # covers: O3
    before = private_files()
    for name, data in [("見積.pdf", corpus.exe()), ("集計.xlsx", corpus.xlsm_renamed()), ("x.pdf", b"")]:
        with pytest.raises(ValidationError) as caught:
            store(uploader, name, data)
        assert name in caught.value.messages[0]
    assert not Attachment.objects.exists()
    assert private_files() == before


def test_our_own_quote_pdf_with_an_embedded_font_is_accepted(uploader):
    # covers: O3
    from shop.quotes.document import render_pdf
    from tests.functional.test_quote_documents import LINES, make_quote

    data = render_pdf(make_quote(uploader.company, LINES))
    assert store(uploader, "見積書.pdf", data).kind == "pdf"


def test_an_xlsx_is_stored_and_served_as_a_spreadsheet(uploader):
    # covers: O3
    attachment = store(uploader, "集計表.xlsx", corpus.openpyxl_xlsx())
    assert attachment.kind == "xlsx" and attachment.file.name.endswith(".xlsx")
    response = client_for(uploader.user).get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE


# --- binding to an order ------------------------------------------------------------------------------------


def test_unbound_for_finds_only_the_users_own_unbound_files(uploader, colleague, stranger):
    # covers: O3, M6
    mine, other = store(uploader), store(uploader)
    colleagues = store(colleague)
    strangers = store(stranger)
    services.attach(attachments=[other], order=make_order(uploader.company, uploader.user))
    ids = [str(mine.pk), other.pk, colleagues.pk, strangers.pk, "not-a-uuid", None, 42]
    found = services.unbound_for(company=uploader.company, user=uploader.user, ids=ids)
    assert found == [mine]
    assert services.unbound_for(company=stranger.company, user=uploader.user, ids=[mine.pk]) == []


def test_attach_binds_files_of_the_orders_company(uploader):
    # covers: O3
    order = make_order(uploader.company, uploader.user)
    files = [store(uploader), store(uploader, "集計.xlsx", corpus.xlsx())]
    services.attach(attachments=files, order=order)
    assert list(order.attachments.order_by("created_at")) == files
    assert all(attachment.order == order for attachment in files)


def test_attach_refuses_another_companys_or_a_bound_file_and_binds_none(uploader, stranger):
    # covers: O3, M6
    order = make_order(uploader.company, uploader.user)
    mine, theirs = store(uploader), store(stranger)
    with pytest.raises(services.AttachmentNotAttachable):
        services.attach(attachments=[mine, theirs], order=order)
    assert not Attachment.objects.filter(order__isnull=False).exists()

    services.attach(attachments=[mine], order=order)
    with pytest.raises(services.AttachmentNotAttachable):
        services.attach(attachments=[mine], order=make_order(uploader.company, uploader.user, "A-100002"))
    mine.refresh_from_db()
    assert mine.order == order


# --- downloading --------------------------------------------------------------------------------------------


def test_a_member_downloads_the_companys_document_with_its_name(uploader, colleague):
    # covers: O3, M6
    data = corpus.reportlab_pdf()
    attachment = store(uploader, "申請書類 2026.pdf", data)
    services.attach(attachments=[attachment], order=make_order(uploader.company, uploader.user))
    response = client_for(colleague.user).get(f"/shop/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"document.pdf\"; filename*=UTF-8''{quote('申請書類 2026.pdf', safe='')}"
    )
    assert "no-store" in response["Cache-Control"]


def test_an_ascii_name_is_also_given_plainly(uploader):
    # covers: O3
    attachment = store(uploader, "form-2026.pdf")
    response = client_for(uploader.user).get(attachment.get_absolute_url())
    assert response["Content-Disposition"] == "attachment; filename=\"form-2026.pdf\"; filename*=UTF-8''form-2026.pdf"


def test_an_unbound_document_is_seen_by_its_uploader_only(uploader, colleague):
    # covers: O3, M6
    attachment = store(uploader)
    assert client_for(uploader.user).get(attachment.get_absolute_url()).status_code == 200
    assert client_for(colleague.user).get(attachment.get_absolute_url()).status_code == 404


def test_another_company_staff_without_company_and_visitors_cannot_download(uploader, stranger, django_user_model):
    # covers: O3, M6
    attachment = store(uploader)
    services.attach(attachments=[attachment], order=make_order(uploader.company, uploader.user))
    url = attachment.get_absolute_url()
    assert client_for(stranger.user).get(url).status_code == 404
    staff = django_user_model.objects.create_user("staff-dl", "s@kobai.example", "pw", is_staff=True)
    assert client_for(staff).get(url).status_code == 404  # staff use the dashboard URL
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/shop/accounts/login/")
    assert client_for(uploader.user).get("/shop/attachments/not-a-uuid/").status_code == 404


def test_staff_download_from_the_dashboard_behind_the_second_factor(uploader, django_user_model):
    # covers: O3, M11
    attachment = store(uploader, "申請書類.pdf")
    url = attachment.get_staff_url()
    assert url == f"/shop/dashboard/attachments/{attachment.pk}/"
    staff = django_user_model.objects.create_user("staff-dl2", "s2@kobai.example", "pw", is_staff=True)
    grant(staff, "orders")  # 申請書類 are 受注管理's (S1)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client = client_for(staff)
    unverified = client.get(url)
    assert unverified.status_code == 302 and unverified["Location"].startswith("/two-factor/verify/")
    client.post("/two-factor/verify/", {"token": code_for(device), "next": "/"})
    response = client.get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")

    buyer = client_for(uploader.user).get(url)  # refused, or first sent to a second factor they do not have
    assert buyer.status_code == 403 or buyer["Location"].startswith("/two-factor/")


# --- the checkout form field --------------------------------------------------------------------------------


class DocumentsForm(forms.Form):
    documents = ApplicationDocumentsField()


def test_the_field_returns_every_checked_file(rf):
    # covers: O3
    pdf = SimpleUploadedFile("申請書類.pdf", corpus.reportlab_pdf())
    book = SimpleUploadedFile("集計.xlsx", corpus.xlsx())
    request = rf.post("/", {"documents": [pdf, book]})
    form = DocumentsForm(request.POST, request.FILES)
    assert form.is_valid(), form.errors
    assert [f.name for f in form.cleaned_data["documents"]] == ["申請書類.pdf", "集計.xlsx"]
    widget = str(form["documents"])
    assert 'accept=".pdf,.xlsx,application/pdf,' in widget and " multiple " in widget


def test_the_field_reports_each_refused_file_by_name(rf):
    # covers: O3
    files = [
        SimpleUploadedFile("申請書類.pdf", corpus.reportlab_pdf()),
        SimpleUploadedFile("見積.pdf", corpus.exe()),
        SimpleUploadedFile("集計.xlsx", corpus.xlsm_renamed()),
    ]
    request = rf.post("/", {"documents": files})
    form = DocumentsForm(request.POST, request.FILES)
    assert not form.is_valid()
    errors = form.errors["documents"]
    assert len(errors) == 2
    assert errors[0].startswith("見積.pdf ") and errors[1].startswith("集計.xlsx ")


def test_the_field_is_optional_and_limits_the_number_of_files(rf, settings):
    # covers: O3
    form = DocumentsForm({}, {})
    assert form.is_valid() and form.cleaned_data["documents"] == []

    class RequiredForm(forms.Form):
        documents = ApplicationDocumentsField(required=True, max_files=2)

    assert not RequiredForm({}, {}).is_valid()
    files = [SimpleUploadedFile(f"{n}.pdf", corpus.pypdf_pdf()) for n in range(3)]
    request = rf.post("/", {"documents": files})
    form = RequiredForm(request.POST, request.FILES)
    assert not form.is_valid()
    assert "2ファイルまで" in form.errors["documents"][0]


def test_documents_of_an_abandoned_checkout_are_purged_after_48_hours(members):
    # covers: O3
    from datetime import timedelta
    from io import StringIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from shop.attachments import services as attachment_services
    from shop.attachments.models import Attachment
    from tests import upload_corpus

    admin = members["K0000001"]
    abandoned = attachment_services.store(
        uploaded_file=SimpleUploadedFile("途中.pdf", upload_corpus.reportlab_pdf()),
        company=admin.company,
        user=admin.user,
    )
    fresh = attachment_services.store(
        uploaded_file=SimpleUploadedFile("今.pdf", upload_corpus.reportlab_pdf()),
        company=admin.company,
        user=admin.user,
    )
    path = abandoned.file.name
    Attachment.objects.filter(pk=abandoned.pk).update(created_at=abandoned.created_at - timedelta(hours=49))
    out = StringIO()
    call_command("purge_unbound_attachments", stdout=out)
    assert "1件" in out.getvalue()
    assert list(Attachment.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not abandoned.file.storage.exists(path)
