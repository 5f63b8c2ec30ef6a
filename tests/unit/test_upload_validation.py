"""申請書類 uploads are checked by content (O3): a generated corpus of hostile files, each refused with a message.

Every hostile file is refused with a ValidationError whose message names the
file and says what to upload instead, and whose code says why. Real PDFs and
workbooks (reportlab, pypdf, a hand-built minimal .xlsx, openpyxl) pass.
"""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile

from shop.attachments.validation import check_upload as check
from shop.attachments.validation import clean_name, inspect_upload
from tests import upload_corpus as corpus

ADVICE = "PDF（.pdf）またはExcel（.xlsx）のファイルをアップロードしてください。"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def refused(name: str, data: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check(upload(name, data))
    return caught.value


TEMPLATE = "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"

# (file name, how to build it, the codes that may refuse it)
HOSTILE = [
    ("見積依頼.pdf", corpus.exe, {"executable"}),
    ("見積依頼.xlsx", corpus.exe, {"executable"}),
    ("申請書類.pdf", corpus.html_page, {"html"}),
    ("ロゴ.pdf", corpus.svg_image, {"svg"}),
    ("ロゴ.xlsx", corpus.png_image, {"image"}),
    ("setup.pdf", corpus.shell_script, {"script"}),
    ("集計.xlsx", corpus.xlsm_renamed, {"xlsx_macro"}),
    ("集計_vba.xlsx", corpus.xlsx_with_vba_project_only, {"xlsx_macro"}),
    ("申請書.xlsx", corpus.docx_renamed, {"not_xlsx"}),
    ("旧形式.xlsx", corpus.ole2_xls, {"legacy_office"}),
    ("bomb.xlsx", corpus.zip_bomb, {"zip_bomb"}),
    ("huge.xlsx", corpus.zip_with_huge_declared_size, {"zip_bomb"}),
    ("lying.xlsx", corpus.zip_bomb_with_lying_directory, {"zip_bomb", "not_xlsx"}),
    ("many.xlsx", corpus.zip_with_many_members, {"zip_unsafe"}),
    ("traversal.xlsx", lambda: corpus.zip_with_member("../../evil"), {"zip_unsafe"}),
    ("backslash.xlsx", lambda: corpus.zip_with_member("xl\\..\\..\\evil.bat"), {"zip_unsafe"}),
    ("absolute.xlsx", lambda: corpus.zip_with_member("/etc/x"), {"zip_unsafe"}),
    ("drive.xlsx", lambda: corpus.zip_with_member("C:/Windows/evil.dll"), {"zip_unsafe"}),
    ("encrypted-member.xlsx", corpus.zip_with_encrypted_member, {"zip_unsafe"}),
    ("duplicate.xlsx", corpus.zip_with_duplicate_member, {"zip_unsafe"}),
    ("entities.xlsx", corpus.xlsx_with_doctype, {"not_xlsx"}),
    ("plain.xlsx", lambda: corpus.zip_of({"readme.txt": "hello"}), {"not_xlsx"}),
    ("no-workbook.xlsx", lambda: corpus.xlsx(**{"xl/workbook.xml": None}), {"not_xlsx"}),
    ("template.xlsx", lambda: corpus.xlsx(**{"[Content_Types].xml": corpus.content_types(TEMPLATE)}), {"not_xlsx"}),
    ("empty.xlsx", lambda: b"PK\x05\x06" + b"\x00" * 18, {"archive"}),
    ("js.pdf", corpus.pdf_with_document_javascript, {"pdf_active"}),
    ("open-action.pdf", corpus.pdf_with_open_action_javascript, {"pdf_active"}),
    ("escaped-js.pdf", corpus.pdf_with_escaped_javascript_name, {"pdf_active"}),
    ("objstm-js.pdf", corpus.pdf_with_javascript_in_object_stream, {"pdf_active"}),
    ("unlisted-js.pdf", corpus.pdf_with_unlisted_javascript, {"pdf_active"}),
    ("launch.pdf", corpus.pdf_with_launch_action, {"pdf_active"}),
    ("launch-escaped.pdf", lambda: corpus.pdf_with_launch_action(escaped=True), {"pdf_active"}),
    ("attachment.pdf", corpus.pdf_with_embedded_file, {"pdf_active"}),
    ("encrypted.pdf", corpus.encrypted_pdf, {"pdf_encrypted"}),
    ("truncated.pdf", lambda: corpus.reportlab_pdf()[:1200], {"not_pdf"}),
    ("header-only.pdf", lambda: b"%PDF-1.7\nThis is only text.\n%%EOF\n", {"not_pdf"}),
    ("no-eof.pdf", lambda: b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\n", {"not_pdf"}),
    ("no-pages.pdf", corpus.pdf_without_pages, {"not_pdf"}),
    ("polyglot.pdf", lambda: corpus.reportlab_pdf() + corpus.xlsx(), {"not_pdf"}),
    ("late-header.pdf", lambda: b"junk\n" + corpus.reportlab_pdf(), {"text", "unknown"}),
    ("empty.pdf", lambda: b"", {"empty"}),
    ("workbook.pdf", corpus.xlsx, {"mismatch"}),
    ("document.xlsx", corpus.reportlab_pdf, {"mismatch"}),
    ("申請書.docx", corpus.xlsx, {"extension"}),
    ("申請書.xlsm", corpus.xlsm_renamed, {"extension"}),
    ("申請書.xls", corpus.ole2_xls, {"extension"}),
    ("申請書.exe", corpus.exe, {"extension"}),
    ("申請書", corpus.reportlab_pdf, {"extension"}),
    (".pdf", corpus.reportlab_pdf, {"extension"}),
    ("請求書.pdf\x00.exe", corpus.exe, {"extension"}),  # the NUL-truncation trick: the name ends in .exe
    ("請求書\u202efdp.exe", corpus.exe, {"extension"}),  # right-to-left override: looks like 請求書exe.pdf
]


def test_the_corpus_is_large_enough():
    # covers: O3
    assert len(HOSTILE) >= 20


@pytest.mark.parametrize(("name", "build", "codes"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_file_is_refused_with_a_message_naming_it(name, build, codes):
    # covers: O3
    error = refused(name, build())
    assert error.code in codes, (error.code, error.messages)
    [message] = error.messages
    shown = clean_name(name)
    assert message.startswith(f"{shown} "), message
    assert "アップロードしてください" in message


@pytest.mark.parametrize(
    ("name", "build", "kind"),
    [
        ("申請書類.pdf", corpus.reportlab_pdf, "pdf"),
        ("BLANK.PDF", corpus.pypdf_pdf, "pdf"),
        ("申請書類.xlsx", corpus.xlsx, "xlsx"),
        ("集計表.XLSX", corpus.openpyxl_xlsx, "xlsx"),
    ],
)
def test_real_pdf_and_xlsx_are_accepted_whatever_the_case_of_the_extension(name, build, kind):
    # covers: O3
    data = build()
    assert check(upload(name, data)) == kind
    checked = inspect_upload(upload(name, data))
    assert checked.data == data and checked.name == name


def test_the_file_is_left_at_its_start_for_whoever_stores_it():
    # covers: O3
    uploaded = upload("申請書類.pdf", corpus.reportlab_pdf())
    check(uploaded)
    assert uploaded.read(5) == b"%PDF-"


def test_messages_say_what_was_wrong():
    # covers: O3
    assert refused("見積依頼.pdf", corpus.exe()).messages == [
        f"見積依頼.pdf は中身がPDFではありません（実行ファイル）。{ADVICE}"
    ]
    assert refused("申請書.docx", corpus.xlsx()).messages == [
        f"申請書.docx はアップロードできない種類のファイルです（拡張子 .docx）。{ADVICE}"
    ]
    assert "マクロ" in refused("集計.xlsx", corpus.xlsm_renamed()).messages[0]
    assert "Word文書" in refused("申請書.xlsx", corpus.docx_renamed()).messages[0]
    assert "JavaScript" in refused("js.pdf", corpus.pdf_with_document_javascript()).messages[0]
    assert "/OpenAction" in refused("oa.pdf", corpus.pdf_with_open_action_javascript()).messages[0]
    assert "/Launch" in refused("launch.pdf", corpus.pdf_with_launch_action()).messages[0]
    assert "埋め込みファイル" in refused("att.pdf", corpus.pdf_with_embedded_file()).messages[0]
    assert "パスワード" in refused("enc.pdf", corpus.encrypted_pdf()).messages[0]
    assert "%%EOF" in refused("cut.pdf", corpus.reportlab_pdf()[:1200]).messages[0]
    assert "拡張子と中身が一致する" in refused("book.pdf", corpus.xlsx()).messages[0]


def test_oversize_files_are_refused_by_the_setting(settings):
    # covers: O3
    data = corpus.reportlab_pdf()
    settings.KOBAI_UPLOAD_MAX_BYTES = len(data) - 1
    error = refused("大きい.pdf", data)
    assert error.code == "too_large"
    assert "上限" in error.messages[0] and "大きい.pdf" in error.messages[0]
    settings.KOBAI_UPLOAD_MAX_BYTES = len(data)
    assert check(upload("ちょうど.pdf", data)) == "pdf"


def test_a_file_that_understates_its_size_is_measured_by_reading_it(settings):
    # covers: O3
    data = corpus.reportlab_pdf()
    settings.KOBAI_UPLOAD_MAX_BYTES = 1000
    uploaded = upload("小さいふり.pdf", data)
    uploaded.size = 10
    with pytest.raises(ValidationError) as caught:
        check(uploaded)
    assert caught.value.code == "too_large"


def test_zip_limits_come_from_settings(settings):
    # covers: O3
    settings.KOBAI_XLSX_MAX_MEMBERS = 4
    assert refused("parts.xlsx", corpus.xlsx()).code == "zip_unsafe"
    settings.KOBAI_XLSX_MAX_MEMBERS = 1000
    settings.KOBAI_XLSX_MAX_UNPACKED_BYTES = 1000
    assert refused("unpacked.xlsx", corpus.xlsx()).code == "zip_bomb"


def test_a_pdf_with_too_many_objects_to_check_is_refused(settings):
    # covers: O3
    settings.KOBAI_PDF_MAX_OBJECTS = 3
    error = refused("細かい.pdf", corpus.reportlab_pdf())
    assert error.code == "not_pdf" and "多すぎて" in error.messages[0]


def test_a_path_in_the_name_is_dropped_and_the_content_decides():
    # covers: O3
    pdf = corpus.reportlab_pdf()
    # django.core.files.File keeps the name as given (an UploadedFile would already have cut the path)
    assert check(File(io.BytesIO(pdf), name="../../etc/passwd.pdf")) == "pdf"
    assert inspect_upload(File(io.BytesIO(pdf), name="../../etc/passwd.pdf")).name == "passwd.pdf"
    assert inspect_upload(File(io.BytesIO(pdf), name="..\\..\\Windows\\申請書.pdf")).name == "申請書.pdf"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\申請書.pdf", "申請書.pdf"),
        ("evil\x00.pdf", "evil.pdf"),
        ("a\r\nContent-Disposition: inline.pdf", "aContent-Disposition_ inline.pdf"),
        ("請求書\u202efdp.exe", "請求書fdp.exe"),
        ("申請書\u3000２０２６.pdf", "申請書 ２０２６.pdf"),
        ('  "quoted" <b>.pdf  ', "_quoted_ _b_.pdf"),
        ("..", "（名前のないファイル）"),
        ("", "（名前のないファイル）"),
        ("あ" * 300 + ".xlsx", "あ" * 195 + ".xlsx"),
    ],
)
def test_the_display_name_is_a_clean_basename(raw, shown):
    # covers: O3
    assert clean_name(raw) == shown
    assert len(clean_name(raw)) <= 200


def test_names_with_control_characters_are_cleaned_and_judged_by_content():
    # covers: O3
    pdf = corpus.reportlab_pdf()
    assert inspect_upload(File(io.BytesIO(pdf), name="evil\x00.pdf")).name == "evil.pdf"
    assert inspect_upload(File(io.BytesIO(pdf), name="tab\there\x1b[31m.pdf")).name == "tabhere[31m.pdf"
    error = refused("shell.php\x00.pdf", b"<?php system($_GET['c']); ?>")
    assert error.code in {"xml", "html"} and error.messages[0].startswith("shell.php.pdf ")
