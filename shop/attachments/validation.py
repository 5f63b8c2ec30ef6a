"""Application documents (申請書類, O3): .pdf and .xlsx only, judged by what the file is, not by its name.

O3 asks for "upload of .xlsx and .pdf only, checked by content not by name,
with a size limit; anything else is refused with a clear message", and the
shop's standard is that uploads are checked by content. So:

- the kind comes from the bytes (a PDF header, or an OOXML zip package) and
  the file name's extension must agree with it: a renamed .exe, .xls, .xlsm,
  .docx, HTML page, SVG or PNG is refused whatever it is called;
- a PDF must start with ``%PDF-1.x``, end with ``%%EOF``, parse with pypdf and
  have pages; it may not be encrypted (we could not look inside) nor carry
  active content: JavaScript (also hidden behind ``#xx`` name escapes or in
  compressed object streams), launch actions, embedded files, rich media, XFA;
- an .xlsx must be a spreadsheetml package ([Content_Types].xml naming the
  workbook as a plain, not macro-enabled, spreadsheet; xl/workbook.xml present)
  without macros or ActiveX (an .xlsm renamed .xlsx fails), with safe member
  names, not too many members, and small enough once unpacked: the zip
  directory's declared sizes and ratios are checked first, then every member
  is really decompressed with a running cap (and zipfile's CRC check), so a
  directory that lies can't get a bomb through.

Limits come from settings (defaults in brackets): KOBAI_UPLOAD_MAX_BYTES
[10 MiB], KOBAI_XLSX_MAX_MEMBERS [1000], KOBAI_XLSX_MAX_UNPACKED_BYTES
[200 MiB], KOBAI_XLSX_MAX_RATIO [200, for members over 1 MiB unpacked], KOBAI_PDF_MAX_OBJECTS
[100,000: checking each object of a PDF costs time].

Every refusal is a ValidationError whose message names the file and says what
to upload instead; its ``code`` says why (tests and logs use it).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import ValidationError
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

PDF = "pdf"
XLSX = "xlsx"
EXTENSIONS = {".pdf": PDF, ".xlsx": XLSX}
CONTENT_TYPES = {
    PDF: "application/pdf",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
LABELS = {PDF: "PDF", XLSX: "Excel（.xlsx）"}
ACCEPT = ".pdf,.xlsx," + ",".join(CONTENT_TYPES.values())  # for <input type="file" accept=...>

NAME_MAX_LENGTH = 200
ADVICE = "PDF（.pdf）またはExcel（.xlsx）のファイルをアップロードしてください。"

MiB = 1024 * 1024
_CHUNK = 64 * 1024
_XML_PART_MAX_BYTES = 10 * MiB  # [Content_Types].xml and xl/workbook.xml are a few KB in real files
_PDF_MAX_VISITED = 2_000_000  # PDF objects and their entries walked before we give up

XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_SPREADSHEETML_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",  # transitional (what Excel writes)
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict
)

# Names in a PDF that mean active or hidden content (keys and values, after #xx decoding).
_PDF_ACTIVE = {
    "/JS": "JavaScript",
    "/JavaScript": "JavaScript",
    "/Launch": "外部プログラムを起動する命令（/Launch）",
    "/EmbeddedFile": "埋め込みファイル",
    "/EmbeddedFiles": "埋め込みファイル",
    "/EF": "埋め込みファイル",
    "/GoToE": "埋め込みファイルへのリンク（/GoToE）",
    "/RichMedia": "埋め込みメディア（/RichMedia）",
    "/XFA": "XFAフォーム（スクリプトを含むことがあります）",
    "/ImportData": "外部データを読み込む命令（/ImportData）",
}
_PDF_ADVICE = "JavaScript・埋め込みファイル・外部プログラムの起動を含まないPDF（「PDFとして印刷」で作り直したものなど）をアップロードしてください。"
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_STREAM_START = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_PDF_HEADER = re.compile(rb"%PDF-(?:1\.[0-7]|2\.0)[\r\n \t%]")


@dataclass(frozen=True)
class CheckedFile:
    """What a check found: the kind, the display name and the exact bytes that were checked."""

    kind: str
    name: str
    data: bytes


def check_upload(uploaded_file) -> str:
    """The kind of an uploaded application document ("pdf" or "xlsx"), or ValidationError naming the file."""
    return inspect_upload(uploaded_file).kind


def inspect_upload(uploaded_file) -> CheckedFile:
    """Check an upload and return the bytes that were checked, so exactly those can be stored."""
    name = clean_name(getattr(uploaded_file, "name", ""))
    extension = _extension(name)
    if extension not in EXTENSIONS:
        shown = f"拡張子 {extension}" if extension else "拡張子なし"
        _refuse(name, f"アップロードできない種類のファイルです（{shown}）", "extension")
    expected = EXTENSIONS[extension]

    limit = max_upload_bytes()
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > limit:
        _refuse_too_large(name, limit)
    data = _read(uploaded_file, limit + 1)
    if not data:
        _refuse(name, "空のファイルです", "empty", "内容のある" + ADVICE)
    if len(data) > limit:
        _refuse_too_large(name, limit)

    found = _signature(data)
    if found != _SIGNATURES[expected]:
        if found in (PDF, "zip"):
            what = LABELS[PDF] if found == PDF else "ZIP形式（Excel・Wordなど）"
            _refuse(
                name,
                f"拡張子は {extension} ですが、中身は{what}のファイルです",
                "mismatch",
                "拡張子と中身が一致するファイルをアップロードしてください。",
                particle="の",
            )
        if found == "ole2":
            _refuse(
                name,
                f"中身が{LABELS[expected]}ではありません（古い形式のOffice文書（.xls / .doc）"
                "またはパスワードで保護されたファイル）",
                "legacy_office",
                "パスワードを解除し、Excelの「Excel ブック（*.xlsx）」形式で保存し直してアップロードしてください。",
            )
        _refuse(
            name, f"中身が{LABELS[expected]}ではありません（{_DESCRIPTIONS.get(found, '別の種類のファイル')}）", found
        )

    if expected == PDF:
        _check_pdf(name, data)
    else:
        _check_xlsx(name, data)
    return CheckedFile(kind=expected, name=name, data=data)


def max_upload_bytes() -> int:
    return int(getattr(settings, "KOBAI_UPLOAD_MAX_BYTES", 10 * MiB))


def clean_name(raw: str | None) -> str:
    """The name shown to people: the last path segment, printable characters only, at most 200 characters.

    Never used as a storage path (files are stored under a random name); it is
    shown on pages and sent back in Content-Disposition.
    """
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = re.split(r"[/\\]", name)[-1]
    # every kind of space (the full-width one too) is a plain space; control and bidi-format characters go
    name = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in name)
    name = "".join(ch for ch in name if ch.isprintable())
    name = re.sub(r'[<>:"|?*]', "_", name)
    name = re.sub(r" +", " ", name).strip(" .")
    if len(name) > NAME_MAX_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            name = stem[: NAME_MAX_LENGTH - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:NAME_MAX_LENGTH]
    return name or "（名前のないファイル）"


# --- the refusal messages -------------------------------------------------------------------------------


def _refuse(name: str, problem: str, code: str, advice: str = ADVICE, *, particle: str = "は"):
    raise ValidationError(f"{name} {particle}{problem}。{advice}", code=code)


def _refuse_too_large(name: str, limit: int):
    _refuse(
        name,
        f"ファイルサイズが上限（{human_size(limit)}）を超えています",
        "too_large",
        f"{human_size(limit)}以下の" + ADVICE,
    )


def human_size(size: int) -> str:
    if size >= MiB:
        return f"{size / MiB:.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{size} バイト"


def _not_pdf(name: str, reason: str):
    _refuse(name, f"PDFとして読み取れません（{reason}）", "not_pdf")


def _not_xlsx(name: str, reason: str):
    _refuse(name, f"Excel（.xlsx）のファイルとして読み取れません（{reason}）", "not_xlsx")


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and stem else ""


def _read(uploaded_file, at_most: int) -> bytes:
    """Up to `at_most` bytes from the start of the file, leaving it at the start again."""
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    parts, total = [], 0
    while total < at_most:
        chunk = uploaded_file.read(min(_CHUNK * 16, at_most - total))
        if not chunk:
            break
        if isinstance(chunk, str):  # a text-mode file is never a document
            chunk = chunk.encode("utf-8", "surrogateescape")
        parts.append(chunk)
        total += len(chunk)
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    return b"".join(parts)


# --- what the bytes are -------------------------------------------------------------------------------------

_DESCRIPTIONS = {
    "zip": "ZIP形式のファイル",
    "executable": "実行ファイル",
    "html": "HTMLファイル",
    "svg": "SVG画像",
    "xml": "XMLファイル",
    "image": "画像ファイル",
    "script": "スクリプト",
    "rtf": "RTF文書",
    "archive": "圧縮ファイル",
    "text": "テキストファイル",
    "unknown": "PDFでもExcel（.xlsx）でもないファイル",
}

_MAGIC = (
    (b"%PDF-", PDF),
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
    (b"MZ", "executable"),
    (b"\x7fELF", "executable"),
    (b"\xcf\xfa\xed\xfe", "executable"),
    (b"\xca\xfe\xba\xbe", "executable"),
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF87a", "image"),
    (b"GIF89a", "image"),
    (b"BM", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"#!", "script"),
    (b"{\\rtf", "rtf"),
    (b"Rar!", "archive"),
    (b"7z\xbc\xaf\x27\x1c", "archive"),
    (b"\x1f\x8b", "archive"),
    (b"PK\x05\x06", "archive"),  # an empty zip
)


# what the first bytes of each accepted kind are; whether a zip is really an .xlsx is _check_xlsx's job
_SIGNATURES = {PDF: PDF, XLSX: "zip"}


def _signature(data: bytes) -> str:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image"
    head = data[:2048].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower().replace(b"\x00", b"")
    if head.startswith(b"<"):
        if b"<svg" in head:
            return "svg"
        if head.startswith((b"<!doctype html", b"<html")) or b"<script" in head or b"<body" in head:
            return "html"
        return "xml"
    try:
        data[:2048].decode("utf-8")
    except UnicodeDecodeError:
        return "unknown"
    return "text"


# --- PDF ----------------------------------------------------------------------------------------------------


def _check_pdf(name: str, data: bytes) -> None:
    if not _PDF_HEADER.match(data):
        _not_pdf(name, "PDFのヘッダーが正しくありません")
    if not data.rstrip(b"\r\n\t\x0c\x00 ").endswith(b"%%EOF"):
        # a cut-off download, or something appended after the end (a PDF/ZIP polyglot)
        _not_pdf(name, "ファイルの終わり（%%EOF）がありません。途中で切れているか、後ろに別のデータが付いています")

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception:  # pypdf raises many kinds of error on broken files
        _not_pdf(name, "構造が壊れています")
    if encrypted:
        _refuse(
            name,
            "パスワードで保護（暗号化）されたPDFのため、内容を確認できません",
            "pdf_encrypted",
            "パスワードと保護を解除したPDFをアップロードしてください。",
        )
    try:
        if _pdf_object_count(reader) > int(getattr(settings, "KOBAI_PDF_MAX_OBJECTS", 100_000)):
            raise _TooComplex  # real documents of 10 MB hold far fewer; parsing each one costs time
        pages = len(reader.pages)
        open_action = reader.trailer["/Root"].get_object().get("/OpenAction")
        if open_action is not None and _is_javascript_action(open_action.get_object()):
            _pdf_active(name, "開いたときに実行されるJavaScript（/OpenAction）")
        # every object the file holds, those inside compressed object streams too
        problem = _walk_pdf_objects(reader)
    except ValidationError:
        raise
    except _TooComplex:
        _not_pdf(name, "オブジェクトが多すぎて確認できません")
    except Exception:
        _not_pdf(name, "構造が壊れています")
    if problem:
        _pdf_active(name, problem)
    # Names in the object dictionaries as written (stream bodies left out), #xx escapes decoded:
    # also catches objects that no cross-reference table points at (a viewer repairing the file may find them).
    for found in sorted(_raw_pdf_names(data) & _PDF_ACTIVE.keys()):
        _pdf_active(name, _PDF_ACTIVE[found])
    if pages == 0:
        _not_pdf(name, "ページがありません")


class _TooComplex(Exception):
    pass


def _pdf_active(name: str, what: str):
    _refuse(name, f"受け付けられないPDFです（{what}を含んでいます）", "pdf_active", _PDF_ADVICE)


def _outside_streams(data: bytes) -> bytes:
    """The file without its stream bodies (binary data that may hold any bytes), in one linear pass."""
    parts, position = [], 0
    while match := _PDF_STREAM_START.search(data, position):
        parts.append(data[position : match.start() + 2])
        end = data.find(b"endstream", match.end())
        if end == -1:
            return b" ".join(parts)
        position = end + len(b"endstream")
    parts.append(data[position:])
    return b" ".join(parts)


def _raw_pdf_names(data: bytes) -> set[str]:
    names = set()
    for raw in set(_PDF_NAME.findall(_outside_streams(data))):
        decoded = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
        names.add("/" + decoded.decode("latin-1"))
    return names


def _is_javascript_action(action) -> bool:
    return isinstance(action, DictionaryObject) and (action.get("/S") == "/JavaScript" or "/JS" in action)


def _pdf_object_count(reader) -> int:
    return sum(len(table) for table in reader.xref.values()) + len(reader.xref_objStm)


def _walk_pdf_objects(reader) -> str | None:
    """The first kind of active content found in any object of the file, or None."""
    numbers = [(generation, idnum) for generation, table in reader.xref.items() for idnum in table]
    numbers += [(0, idnum) for idnum in reader.xref_objStm]
    pending = [reader.trailer]
    for generation, idnum in numbers:
        pending.append(reader.get_object(IndirectObject(idnum, generation, reader)))
    visited = 0
    while pending:
        obj = pending.pop()
        visited += 1
        if visited > _PDF_MAX_VISITED:
            raise _TooComplex
        if isinstance(obj, NameObject):
            if str(obj) in _PDF_ACTIVE:
                return _PDF_ACTIVE[str(obj)]
        elif isinstance(obj, DictionaryObject):  # streams are dictionaries too (their data is not read)
            for key, value in obj.items():
                if str(key) in _PDF_ACTIVE:
                    return _PDF_ACTIVE[str(key)]
                if not isinstance(value, IndirectObject):  # indirect objects are visited on their own
                    pending.append(value)
        elif isinstance(obj, ArrayObject):
            pending.extend(item for item in obj if not isinstance(item, IndirectObject))
    return None


# --- XLSX ---------------------------------------------------------------------------------------------------


def _xlsx_limits() -> tuple[int, int, int]:
    return (
        int(getattr(settings, "KOBAI_XLSX_MAX_MEMBERS", 1000)),
        int(getattr(settings, "KOBAI_XLSX_MAX_UNPACKED_BYTES", 200 * MiB)),
        int(getattr(settings, "KOBAI_XLSX_MAX_RATIO", 200)),
    )


def _unsafe_member_name(raw: str) -> bool:
    if not raw or any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        return True
    if raw.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", raw):
        return True
    return ".." in re.split(r"[/\\]", raw)


def _zip_bomb(name: str):
    _refuse(
        name,
        "展開すると非常に大きくなるファイルのため受け付けられません",
        "zip_bomb",
        "内容を確認し、通常のExcel（.xlsx）形式で保存し直してアップロードしてください。",
    )


def _zip_unsafe(name: str, reason: str):
    _refuse(name, f"安全でない構造のファイルのため受け付けられません（{reason}）", "zip_unsafe")


def _xlsx_macro(name: str, what: str = "マクロ"):
    _refuse(
        name,
        f"{what}を含むExcelファイルのため受け付けられません",
        "xlsx_macro",
        "マクロを含まない「Excel ブック（*.xlsx）」形式で保存し直してアップロードしてください。",
    )


def _check_xlsx(name: str, data: bytes) -> None:
    max_members, max_unpacked, max_ratio = _xlsx_limits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        _not_xlsx(name, "ZIPの構造が壊れています")

    # 1. the directory as declared
    if len(infos) > max_members:
        _zip_unsafe(name, f"含まれるファイルが多すぎます（{len(infos)}個、上限{max_members}個）")
    seen: set[str] = set()
    declared_total = 0
    for info in infos:
        if _unsafe_member_name(info.orig_filename):
            _zip_unsafe(name, "中に不正なパス名のファイルがあります")
        key = info.filename.lower()
        if key in seen:
            _zip_unsafe(name, "同じ名前のファイルが重複しています")
        seen.add(key)
        if info.flag_bits & 0x1:
            _refuse(
                name,
                "暗号化されたファイルのため、内容を確認できません",
                "zip_unsafe",
                "パスワードを解除したExcel（.xlsx）のファイルをアップロードしてください。",
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            _not_xlsx(name, "Excelが使わない圧縮方式です")
        declared_total += info.file_size
        if info.file_size > MiB and info.file_size > max_ratio * max(info.compress_size, 1):
            _zip_bomb(name)
    if declared_total > max_unpacked:
        _zip_bomb(name)

    # 2. what kind of package it says it is, by its parts
    if any(key.rsplit("/", 1)[-1].startswith("vbaproject") and key.endswith(".bin") for key in seen):
        _xlsx_macro(name)
    if any(key.startswith(("xl/macrosheets/", "xl/dialogsheets/")) for key in seen):
        _xlsx_macro(name, "マクロシート")
    if any(key.startswith("xl/activex/") for key in seen):
        _xlsx_macro(name, "ActiveXコントロール")
    if any(key.startswith("word/") for key in seen):
        _not_xlsx(name, "Word文書（.docx）です")
    if any(key.startswith("ppt/") for key in seen):
        _not_xlsx(name, "PowerPointのファイル（.pptx）です")
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names:
        _not_xlsx(name, "Officeのファイルではありません")
    if "xl/workbook.xml" not in names:
        _not_xlsx(name, "ブック（xl/workbook.xml）がありません")

    # 3. every member really unpacked, with a running cap: a directory that lies can't hide a bomb
    parts: dict[str, bytes] = {}
    unpacked_total = 0
    try:
        for info in infos:
            keep = info.filename in ("[Content_Types].xml", "xl/workbook.xml")
            kept = []
            unpacked = 0
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    unpacked += len(chunk)
                    unpacked_total += len(chunk)
                    if unpacked_total > max_unpacked or unpacked > max(info.file_size, 0):
                        _zip_bomb(name)
                    if unpacked > MiB and unpacked > max_ratio * max(info.compress_size, 1):
                        _zip_bomb(name)
                    if keep:
                        if unpacked > _XML_PART_MAX_BYTES:
                            _zip_bomb(name)
                        kept.append(chunk)
            if keep:
                parts[info.filename] = b"".join(kept)
    except ValidationError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError, NotImplementedError):
        _not_xlsx(name, "ZIPの中身が壊れています")

    # 4. [Content_Types].xml: the workbook is a plain spreadsheet, nothing is macro-enabled
    content_types: list[str] = []
    workbook_type = None

    def on_content_type(tag: str, attrs: dict) -> None:
        nonlocal workbook_type
        content_type = attrs.get("ContentType", "")
        content_types.append(content_type.lower())
        if tag.endswith(" Override") and attrs.get("PartName", "").lower() == "/xl/workbook.xml":
            workbook_type = content_type

    if not _parse_xml(parts["[Content_Types].xml"], on_content_type):
        _not_xlsx(name, "[Content_Types].xml が読み取れません")
    if any("macroenabled" in ct or "vbaproject" in ct or "macrosheet" in ct for ct in content_types):
        _xlsx_macro(name)
    if any("activex" in ct for ct in content_types):
        _xlsx_macro(name, "ActiveXコントロール")
    if any("wordprocessingml" in ct for ct in content_types):
        _not_xlsx(name, "Word文書（.docx）です")
    if workbook_type != XLSX_MAIN:
        if workbook_type and "template" in workbook_type:
            _not_xlsx(name, "Excelテンプレート（.xltx）です")
        _not_xlsx(name, "Excelブックの形式ではありません")

    # 5. xl/workbook.xml is a spreadsheetml workbook
    roots: list[str] = []
    if not _parse_xml(parts["xl/workbook.xml"], lambda tag, attrs: roots.append(tag), first_only=True):
        _not_xlsx(name, "ブック（xl/workbook.xml）が読み取れません")
    if not roots or roots[0] not in {f"{ns} workbook" for ns in _SPREADSHEETML_NS}:
        _not_xlsx(name, "ブック（xl/workbook.xml）の形式が正しくありません")


class _StopParsing(Exception):
    pass


def _parse_xml(data: bytes, on_element: Callable[[str, dict], None], *, first_only: bool = False) -> bool:
    """Feed the elements of an XML part to `on_element`; False if it is not well-formed or has a DTD.

    OOXML parts never carry a DOCTYPE, so any DTD or entity declaration is
    refused outright (no entity expansion, no external entities).
    """

    def refuse_dtd(*args) -> None:
        raise ValueError("DTD in an OOXML part")

    def start(tag: str, attrs: dict) -> None:
        on_element(tag, attrs)
        if first_only:
            raise _StopParsing

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_dtd
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except _StopParsing:
        return True
    except (expat.ExpatError, ValueError):
        return False
    return True
