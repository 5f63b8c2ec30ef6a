"""Hostile input for the form fuzz tests (issue 9): hypothesis strategies, and the runner that posts them.

A form is described by a `FormSpec`: its URL, its fields (each with a kind: text, email, number, choice, ...),
who sends it, and optionally `base`, the values of a valid submission. Every example is a list of
(name, value) pairs built from the fields:

- each field is present once, missing, or repeated (sent two or three times, each time a value of its own);
- about half of the examples mutate only one or two fields of the valid submission, so the other fields
  pass and the hostile value reaches the code behind the form (services, models, the database); the other
  half make every field hostile;
- text mixes full-width (Ａ-Ｚ, ０-９), hiragana, katakana, kanji (and ones outside the BMP such as 𠮷),
  half-width kana (ｱ-ﾝ), emoji (ZWJ sequences, flags, skin tones, keycaps), the code points at the edges of
  the surrogate range and of Unicode that are valid in UTF-8 (U+D7FF, U+E000, U+FFFF, U+10FFFF), NUL and
  other C0/C1 control characters, CR/LF, bidi and invisible marks, ideographic and no-break spaces,
  NFKC-expanding characters (ﷺ, ㍻), combining marks, SQL/HTML/template-ish strings, and strings of exactly
  10,000 characters; leading and trailing spaces;
- numeric fields get numbers as text: negative, zero, huge (beyond 64 bits), decimals, exponents, NaN and
  infinities, full-width digits, grouping commas, yen signs, other scripts' digits;
- url-encoded bodies also carry raw bytes that are not UTF-8 (overlong forms, encoded surrogates, lone
  continuation bytes);
- file fields get random bytes, or PDF/zip-looking headers, named .pdf or .xlsx (or hostile names).

Every form also gets the same fixed inputs before the generated ones (`fixed_payloads`): NUL in every
field and in each field alone, 10,000 characters in every field and in each field alone, every field
missing, every field repeated, full-width only, emoji and bidi only, and the valid submission itself.

`fuzz()` sends each input with Django's test client (`raise_request_exception=False`, so an exception is a
500 response) inside a transaction that is rolled back, with the client's cookies put back afterwards:
every input meets the same database and session, whatever the previous one changed (an accepted
submission, a changed password, a withdrawn member). It fails on the first response >= 500 (or 429, as
the limits are off or out of reach in these tests), naming the input and the server's traceback, and
returns how often each status code was answered.

Hypothesis runs derandomized (`derandomize=True`, the same examples on every run, so CI is repeatable) and
without an example database (`database=None`). KOBAI_FUZZ_EXAMPLES=<n> raises the number of generated
examples and KOBAI_FUZZ_RANDOM=1 draws new ones, for a deeper search on a workstation.
"""

from __future__ import annotations

import os
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import own_savepoint

EXAMPLES = int(os.environ.get("KOBAI_FUZZ_EXAMPLES", "200"))
RANDOM = os.environ.get("KOBAI_FUZZ_RANDOM", "") == "1"
LONG = 10_000  # characters

# --- characters ---------------------------------------------------------------------------------------


def _chars(first: int, last: int):
    return st.characters(min_codepoint=first, max_codepoint=last)


FULLWIDTH = st.one_of(_chars(0xFF10, 0xFF19), _chars(0xFF21, 0xFF3A), _chars(0xFF41, 0xFF5A), _chars(0xFF01, 0xFF0F))
KANA = st.one_of(_chars(0x3041, 0x3096), _chars(0x30A1, 0x30FA), st.just("ー"))
KANJI = st.one_of(_chars(0x4E00, 0x9FFF), st.sampled_from("𠮷髙﨑々〆ヶ𩸽𪚲"))
HALFWIDTH_KANA = _chars(0xFF61, 0xFF9F)
ASCII = _chars(0x20, 0x7E)

EMOJI = (
    "😀",
    "👍🏽",
    "🇯🇵",
    "1️⃣",
    "❤️",
    "👨‍👩‍👧‍👦",  # family: ZWJ sequence
    "🧑‍💻",
    "🏳️‍🌈",
    "👩🏻‍❤️‍💋‍👨🏿",
    "🫠",
)
EDGE_CODE_POINTS = (
    "\ud7ff",  # last before the surrogates
    "\ue000",  # first after them (private use)
    "\uf8ff",
    "\ufeff",  # BOM / zero-width no-break space
    "\ufffd",
    "\ufffe",
    "\uffff",
    "\U00010000",
    "\U0010ffff",
    "\U000e0001",  # language tag
)
CONTROL = tuple(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x80, 0x85, 0x9F))
NEWLINES = ("\r", "\n", "\r\n", "\u2028", "\u2029", "\x0b\x0c")
BIDI_AND_INVISIBLE = (
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u061c",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\u00ad",
)
SPACES = (" ", "  ", "\u3000", "\t", "\u00a0", "\u2003", " \u3000 ")
NFKC_SURPRISES = ("ﷺ", "㍻", "㌀", "ｶﾞ", "か\u3099", "e\u0301", "\u0301", "Å", "ﬁ", "①", "㈱", "Ⅻ", "ẞ", "ß", "İ")
INJECTIONS = (
    "' OR '1'='1",
    "'; DROP TABLE auth_user; --",
    '" OR ""="',
    "1; SELECT pg_sleep(0)",
    "%",
    "_",
    "\\",
    "\\x00",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }}",
    "{% debug %}",
    "${7*7}",
    "%s%s%s%n",
    "{0}{1}",
    "../../../../etc/passwd",
    "//evil.example/",
    "/\\evil.example",
    "http://evil.example/",
    "\r\nSet-Cookie: x=1",
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "null",
    "None",
    "undefined",
    "[]",
    "{}",
    "NaN",
    "AND 1=1 /*",
    "*)(uid=*))(|(uid=*",
)

_SEGMENT = st.one_of(
    st.text(FULLWIDTH, min_size=1, max_size=12),
    st.text(KANA, min_size=1, max_size=12),
    st.text(KANJI, min_size=1, max_size=8),
    st.text(HALFWIDTH_KANA, min_size=1, max_size=12),
    st.text(ASCII, min_size=1, max_size=12),
    st.sampled_from(EMOJI),
    st.sampled_from(EDGE_CODE_POINTS),
    st.sampled_from(CONTROL),
    st.sampled_from(NEWLINES),
    st.sampled_from(BIDI_AND_INVISIBLE),
    st.sampled_from(SPACES),
    st.sampled_from(NFKC_SURPRISES),
    st.sampled_from(INJECTIONS),
    st.text(max_size=8),  # anything Unicode can encode in UTF-8 (no lone surrogates)
)
SHORT_TEXT = st.lists(_SEGMENT, max_size=8).map("".join)


def stretch(seed: str, length: int = LONG) -> str:
    """`seed` repeated to exactly `length` characters."""
    seed = seed or "Ａ"
    return (seed * (length // len(seed) + 1))[:length]


LONG_TEXT = st.builds(stretch, SHORT_TEXT)
PADDED_TEXT = st.builds(lambda a, s, b: a + s + b, st.sampled_from(SPACES), SHORT_TEXT, st.sampled_from(SPACES))
TEXT = st.one_of(SHORT_TEXT, SHORT_TEXT, PADDED_TEXT, LONG_TEXT, st.just(""))

# raw bytes that are not UTF-8: only in url-encoded bodies and query strings
NOT_UTF8 = (
    b"\xff",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xed\xbf\xbf",
    b"\xf4\x90\x80\x80",
    b"\xe3\x81",
    b"caf\xe9",
    b"\x80",
)

# --- values by kind ------------------------------------------------------------------------------------

_TO_FULLWIDTH = str.maketrans("0123456789-.,+:/", "０１２３４５６７８９－．，＋：／")


def fullwidth(text: str) -> str:
    return text.translate(_TO_FULLWIDTH)


NUMBER_EDGES = (
    "0",
    "-0",
    "-1",
    "+1",
    "--1",
    "1.5",
    "0.0000001",
    "1e3",
    "1e309",
    "1E+400",
    "-1e-400",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "9" * 30,
    "9" * LONG,
    "1,000",
    "1 000",
    "1_000",
    "¥1,200",
    "1200円",
    "0x1F",
    "١٢٣",
    "๓",
    "½",
    "Ⅻ",
    "𝟗",
    "１２３",
    "１．５",
    "－１",
    "NaN",
    "sNaN",
    "inf",
    "-Infinity",
    " 12 ",
)
NUMBER = st.one_of(
    st.integers(-10, 1000).map(str),
    st.integers(-(10**40), 10**40).map(str),
    st.decimals().map(str),
    st.floats().map(repr),
    st.integers(0, 10**12).map(str).map(fullwidth),
    st.sampled_from(NUMBER_EDGES),
    TEXT,
)
BOOL = st.one_of(st.sampled_from(("on", "1", "true", "True", "yes", "0", "false", "False", "off", "")), TEXT)
EMAIL = st.one_of(
    st.emails().map(str),
    st.builds(lambda local, domain: f"{local}@{domain}", SHORT_TEXT, SHORT_TEXT),
    st.builds(lambda local: f"{local}@example.jp", TEXT),
    st.sampled_from(
        (
            "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ",
            "taro@例え.jp",
            "山田@example.jp",
            "a@b",
            "@example.jp",
            "taro@",
            "taro@@example.jp",
            "taro+tag@EXAMPLE.JP",
            '"a b"@example.jp',
            "taro@[127.0.0.1]",
            "taro@example.jp\nBcc: x@evil.example",
            "a" * 64 + "@" + "b" * 250 + ".jp",
        )
    ),
    TEXT,
)
_DIGITISH = st.text(alphabet="0123456789０１２３４５６７８９-－ー‐―−() +＋〒\u3000", max_size=30)
POSTCODE = st.one_of(
    _DIGITISH, st.sampled_from(("100-0005", "１００－０００５", "〒100 0005", "1000005", "100ー0005")), TEXT
)
PHONE = st.one_of(
    _DIGITISH,
    st.sampled_from(
        ("03-1234-5678", "０３ー１２３４ー５６７８", "+81 (0)3 1234 5678", "+81" + "0" * 30, "090-1234-5678")
    ),
    TEXT,
)
UUID = st.one_of(
    st.uuids().map(str),
    st.uuids().map(lambda u: u.hex.upper()),
    st.uuids().map(lambda u: f"{{{u}}}"),
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    st.uuids().map(lambda u: fullwidth(str(u))),
    st.just("00000000-0000-0000-0000-000000000000"),
    TEXT,
)
DATE_EDGES = (
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026-02-29",
    "2028-02-29",
    "2026-02-30",
    "2026-13-01",
    "2026-4-1",
    "2026/04/01",
    "２０２６－０４－０１",
    "令和8年4月1日",
    "-2026-01-01",
    "99999999999999999999-01-01",
)
DATE = st.one_of(st.dates().map(lambda d: d.isoformat()), st.sampled_from(DATE_EDGES), TEXT)
DATETIME_EDGES = (
    "0001-01-01T00:00",
    "0001-01-01 00:00",
    "9999-12-31T23:59",
    "9999-12-31 23:59:59",
    "2026-03-08T02:30",
    "2026-02-30T10:00",
    "2026-04-01T24:00",
    "2026-04-01T23:60",
    "2026/04/01 10:00",
    "２０２６－０４－０１Ｔ１０：００",
    "2026-04-01T10:00:00+25:00",
    "2026-04-01T10:00Z",
)
DATETIME = st.one_of(
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
    st.sampled_from(DATETIME_EDGES),
    TEXT,
)
PK = st.one_of(NUMBER, st.integers(-(2**63) - 1, 2**64).map(str))

FILE_NAMES = st.one_of(
    st.sampled_from(("申請書.pdf", "注文書.xlsx", "a.pdf", "b.xlsx", ".pdf", "x.PDF", "x.pdf.exe", "x.xlsx.pdf")),
    st.builds(lambda stem, ext: (stem or "f") + ext, SHORT_TEXT, st.sampled_from((".pdf", ".xlsx"))),
)
FILE_CONTENT = st.one_of(
    st.binary(max_size=2048),
    st.builds(lambda body: b"%PDF-1.7\n" + body + b"\n%%EOF", st.binary(max_size=512)),
    st.builds(lambda body: b"PK\x03\x04" + body, st.binary(max_size=512)),
    st.just(b""),
)
FILE = st.builds(lambda name, content: SimpleUploadedFile(name, content), FILE_NAMES, FILE_CONTENT)

KINDS = {
    "text": TEXT,
    "email": EMAIL,
    "number": NUMBER,
    "bool": BOOL,
    "uuid": UUID,
    "date": DATE,
    "datetime": DATETIME,
    "postcode": POSTCODE,
    "phone": PHONE,
    "pk": PK,
    "choice": TEXT,
    "file": FILE,
}

# --- forms ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One input of a form. `choices` are valid values (an option's value, a pk, a code) to mix in."""

    name: str
    kind: str = "text"
    choices: tuple[str, ...] = ()


def fields(spec: str, **kinds) -> tuple[Field, ...]:
    """`fields("a b c", b="number")`: text fields unless a kind is given.

    A tuple is a choice field's options; "pk:{x}|{y}" is a kind with valid values to mix in. A `-` in a
    field's name is `_` in the keyword.
    """
    result = []
    for name in spec.split():
        kind = kinds.get(name.replace("-", "_"), "text")
        if isinstance(kind, tuple):
            result.append(Field(name, "choice", kind))
        else:
            kind, _, choices = kind.partition(":")
            result.append(Field(name, kind, tuple(choices.split("|")) if choices else ()))
    return tuple(result)


@dataclass(frozen=True)
class FormSpec:
    """A form to fuzz: one row of a module's table (and one test id).

    `url`, the `base` values and the fields' `choices` may hold {placeholders}, filled from the
    context the module's `setup` returns for this form (a pk, a quote number, a line id...).
    """

    id: str
    url: str
    fields: tuple[Field, ...]
    who: str  # "public", a member's お客様ID, or "staff"
    covers: str
    method: str = "POST"
    base: dict = field(default_factory=dict)
    multipart: bool = False
    setup: str = ""  # name of the module's setup function, if the form needs objects first

    def __str__(self) -> str:
        return self.id


def _fill(value, ctx: dict):
    if isinstance(value, str):
        return value.format(**ctx)
    if isinstance(value, list | tuple):
        return [_fill(v, ctx) for v in value]
    return value


def resolve(spec: FormSpec, ctx: dict) -> tuple[str, tuple[Field, ...], dict]:
    """The spec's URL, fields and base with the context's values in place of the placeholders."""
    url = spec.url.format(**ctx)
    resolved = tuple(Field(f.name.format(**ctx), f.kind, tuple(_fill(list(f.choices), ctx))) for f in spec.fields)
    base = {k.format(**ctx): _fill(v, ctx) for k, v in spec.base.items()}
    base.update(ctx.get("base", {}))  # read from the rendered page: used as it is
    return url, resolved, base


def value_strategy(f: Field, base: dict, *, raw_bytes: bool):
    options = [KINDS[f.kind]]
    if f.choices:
        options += [st.sampled_from(f.choices)] * 2  # valid values more often than hostile ones
    if f.name in base and f.kind != "file":
        options.append(st.just(_first(base[f.name])))
    if raw_bytes and f.kind != "file":
        options.append(st.sampled_from(NOT_UTF8))
    return st.one_of(*options)


def _first(value):
    return value[0] if isinstance(value, list) else value


def _base_pairs(base: dict, skip: set[str]) -> list[tuple[str, object]]:
    pairs = []
    for name, value in base.items():
        if name in skip:
            continue
        for v in value if isinstance(value, list) else [value]:
            pairs.append((name, v))
    return pairs


PRESENCE = ("once", "once", "once", "once", "missing", "repeated")


@st.composite
def payloads(draw, form_fields: tuple[Field, ...], base: dict, raw_bytes: bool = True):
    """A list of (name, value) pairs: some fields of the valid submission, or all of them, made hostile."""
    names = [f.name for f in form_fields]
    if base and draw(st.booleans()):
        mutated = set(draw(st.lists(st.sampled_from(names), min_size=1, max_size=2)))
    else:
        mutated = set(names)
    pairs = _base_pairs(base, skip=mutated)
    for f in form_fields:
        if f.name not in mutated:
            continue
        presence = draw(st.sampled_from(PRESENCE))
        if presence == "missing":
            continue
        count = 1 if presence == "once" else draw(st.integers(2, 3))
        strategy = value_strategy(f, base, raw_bytes=raw_bytes)
        pairs.extend((f.name, draw(strategy)) for _ in range(count))
    if draw(st.integers(0, 9)) == 0:  # fields nobody asked for
        pairs.extend(draw(st.lists(st.tuples(SHORT_TEXT, SHORT_TEXT), min_size=1, max_size=3)))
    return pairs


def _nul(f: Field) -> object:
    if f.kind == "file":
        return SimpleUploadedFile("a\x00b.pdf", b"%PDF-1.7\n\x00\n%%EOF")
    if f.choices:
        return f.choices[0] + "\x00"
    return "ａ\x00b"


def _long(f: Field) -> object:
    if f.kind == "file":
        return SimpleUploadedFile(stretch("長い名前") + ".pdf", b"%PDF-1.7\n" + b"0" * LONG + b"\n%%EOF")
    if f.kind in ("number", "pk"):
        return "9" * LONG
    return stretch("全角ＡＢＣ１２３ｱｲｳ😀👨‍👩‍👧\u202e")


def _fixed_value(f: Field, template: str) -> object:
    if f.kind == "file":
        return SimpleUploadedFile("申請書.pdf", template.encode())
    if f.kind in ("number", "pk"):
        return fullwidth("1234") if "Ａ" in template else "-1"
    return template


def fixed_payloads(form_fields: tuple[Field, ...], base: dict) -> list[tuple[str, list]]:
    """The inputs every form gets, named: NUL, 10,000 characters, missing and repeated fields and so on."""
    names = {f.name for f in form_fields}
    rest = _base_pairs(base, skip=names)
    everything = [
        ("the valid submission", _base_pairs(base, skip=set())),
        ("NUL in every field", rest + [(f.name, _nul(f)) for f in form_fields]),
        ("10,000 characters in every field", rest + [(f.name, _long(f)) for f in form_fields]),
        ("every field missing", rest),
        (
            "every field repeated",
            rest
            + [(f.name, _first(base.get(f.name, "1"))) for f in form_fields if f.kind != "file"]
            + [(f.name, _fixed_value(f, "２回目\x00")) for f in form_fields],
        ),
        ("full-width only", rest + [(f.name, _fixed_value(f, "ＡＢＣ　１２３－４５６７")) for f in form_fields]),
        (
            "emoji, bidi and CR/LF",
            rest + [(f.name, _fixed_value(f, "👨‍👩‍👧‍👦\u202e\r\n\u200d🇯🇵\ufeff")) for f in form_fields],
        ),
    ]
    for f in form_fields:
        others = _base_pairs(base, skip={f.name})
        everything.append((f"NUL in {f.name}", others + [(f.name, _nul(f))]))
        everything.append((f"10,000 characters in {f.name}", others + [(f.name, _long(f))]))
    return everything


# --- sending -------------------------------------------------------------------------------------------


class _Undo(Exception):
    def __init__(self, response):
        self.response = response


def _short(value) -> str:
    if isinstance(value, SimpleUploadedFile):
        return f"<file {_short(value.name)} {value.size} bytes>"
    text = repr(value)
    return text if len(text) <= 120 else f"{text[:100]}…({len(value)} chars)"


def describe(pairs) -> str:
    return ", ".join(f"{_short(name)}={_short(value)}" for name, value in pairs) or "(nothing)"


def send(client, method: str, url: str, pairs, *, multipart: bool = False):
    """The response to one input and the server's traceback if it failed; nothing it did is kept."""
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    tracebacks: list[str] = []

    def record(sender, **kwargs):
        tracebacks.append(traceback.format_exc())

    got_request_exception.connect(record)
    try:
        with own_savepoint():  # the test's own: the code under test runs as at the top of a request
            if method == "GET":
                response = client.get(f"{url}?{urlencode(pairs)}")
            elif multipart:
                data: dict[str, list] = {}
                for name, value in pairs:
                    if isinstance(value, SimpleUploadedFile):
                        value.seek(0)
                    data.setdefault(name, []).append(value)
                response = client.post(url, data)
            else:
                response = client.post(url, urlencode(pairs), content_type="application/x-www-form-urlencoded")
            raise _Undo(response)
    except _Undo as undo:
        response = undo.response
    finally:
        got_request_exception.disconnect(record)
        client.cookies = SimpleCookie()
        for name, value in cookies.items():
            client.cookies[name] = value
    return response, "\n".join(tracebacks)


def fuzz(client, spec: FormSpec, ctx: dict | None = None, *, examples: int = EXAMPLES) -> Counter:
    """Send the fixed inputs and `examples` generated ones; fail on any 500. Returns the count of each status code.

    The valid submission must be answered as a page or a redirect that is not to a login page: otherwise the
    form was never reached (a wrong URL, a missing object, a signed-out client) and the run would prove nothing.
    """
    url, form_fields, base = resolve(spec, ctx or {})
    statuses: Counter = Counter()

    def check(pairs, label: str = ""):
        response, trace = send(client, spec.method, url, pairs, multipart=spec.multipart)
        statuses[response.status_code] += 1
        # 429 is no server error, but the limits are off in these tests: a 429 means the input was never looked at
        assert response.status_code < 500 and response.status_code != 429, (
            f"{spec.method} {url} answered {response.status_code} to {label or 'a generated input'}: "
            f"{describe(pairs)}\n{trace}"
        )
        return response

    for label, pairs in fixed_payloads(form_fields, base):
        response = check(pairs, label)
        if label == "the valid submission":
            location = response.get("Location", "")
            sent_away = "next=" in location and ("login" in location or "two-factor" in location)
            assert response.status_code < 400 and not sent_away, (
                f"{spec.method} {url}: the valid submission got {response.status_code} {location}: the form was not reached"
            )

    strategy = payloads(form_fields, base, raw_bytes=not spec.multipart)

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.function_scoped_fixture,
        ],
    )
    @given(strategy)
    def generated(pairs):
        calls.append(1)
        check(pairs)

    calls: list[int] = []
    generated()
    assert len(calls) >= examples, f"hypothesis generated {len(calls)} inputs, not {examples}"
    return statuses


def new_key() -> str:
    return str(uuid.uuid4())


def page_form(client, url: str, selector: str = "form[method=post]") -> dict:
    """What a browser would send from the form on the page, untouched (the valid `base` of a form with many fields)."""
    from bs4 import BeautifulSoup

    response = client.get(url)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    form = BeautifulSoup(response.content, "html.parser").select_one(selector)
    assert form is not None, f"no {selector} on {url}"
    data: dict[str, list] = {}
    for element in form.select("input[name], textarea[name], select[name]"):
        name = element["name"]
        if element.name == "textarea":
            value = element.get_text()
        elif element.name == "select":
            chosen = element.select("option[selected]")
            if not chosen and not element.has_attr("multiple"):
                chosen = element.select("option")[:1]  # a browser sends the first option of a single select
            for option in chosen:
                data.setdefault(name, []).append(option.get("value", option.get_text()))
            continue
        else:
            kind = element.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                continue
            if kind in ("checkbox", "radio") and not element.has_attr("checked"):
                continue
            value = element.get("value", "on" if kind in ("checkbox", "radio") else "")
        data.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in data.items()}


Setup = Callable[..., dict]
