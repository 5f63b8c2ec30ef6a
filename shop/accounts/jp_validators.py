"""Normalise and validate Japanese postal codes and phone numbers.

The rules:

* **Digits** (``normalise_digits``): the input is NFKC-normalised, so full-width digits (``１２３``),
  the full-width hyphen (``－``), full-width parentheses, ``＋`` and the ideographic space become
  their ASCII forms. Dash-like characters that NFKC leaves alone -- the katakana long sound mark
  ``ー`` (and half-width ``ｰ``), ``‐`` ``‑`` ``‒`` ``–`` ``—`` ``―`` ``−`` ``─`` -- become ``-`` only where
  they separate two digit groups (whitespace around them is dropped), so ``０３ー１２３４`` becomes
  ``03-1234`` while ``コーヒー`` is left alone. Surrounding whitespace is stripped.
* **Postal codes** (``normalise_postal_code``): seven digits, optionally preceded by ``〒`` and split
  3+4 by one hyphen or by spaces. The result is always ``123-4567``.
* **Phone numbers** (``normalise_phone_number``): separators are hyphens, spaces and parentheses
  (full-width forms included). An international ``+81`` prefix is dropped and the trunk ``0`` is
  added back (``+81 3-1234-5678``, ``+81 (0)3 1234 5678`` and ``+81312345678`` are all
  ``03-1234-5678``). The national number must start with ``0`` (but not ``00``) and have

  - 11 digits for mobile/IP numbers (``050``, ``070``, ``080``, ``090``) and ``0800`` free dial,
  - 10 digits for everything else: fixed lines, ``0120`` free dial and ``0570`` navi dial.

  If the user split the number into three groups (by any of the separators) whose sizes are
  plausible -- area code of 2-5 digits, middle group of 1-4, last group of 3-4 -- that grouping is
  kept, because Japanese area codes vary in length (``03-1234-5678``, ``045-123-4567``,
  ``0467-12-3456``, ``01267-2-3456``). Otherwise the digits are grouped by prefix: 11-digit
  mobile/IP 3-4-4, ``0800`` 4-3-4, ``0120``/``0570`` 4-3-3, 10-digit ``03``/``06`` 2-4-4, any other
  10-digit number 3-3-4. That last rule is only a reasonable default: grouping every area code
  exactly would need the national numbering table (総務省の市外局番の一覧).

Invalid input raises ``django.core.exceptions.ValidationError`` with a Japanese message (the
shop's customers are Japanese; the messages are deliberately not gettext msgids).

``PostalCodeField`` and ``PhoneNumberField`` are ``forms.CharField`` subclasses whose ``clean``
returns the normalised value. Note that django-phonenumber-field (an Oscar dependency) also ships
a ``PhoneNumberField``; import this one from here.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

__all__ = [
    "PHONE_NUMBER_MESSAGE",
    "POSTAL_CODE_MESSAGE",
    "PhoneNumberField",
    "PostalCodeField",
    "normalise_digits",
    "normalise_phone_number",
    "normalise_postal_code",
]

POSTAL_CODE_MESSAGE = "郵便番号は7桁の数字で入力してください（例: 123-4567）。"
PHONE_NUMBER_MESSAGE = "電話番号は0から始まる10桁または11桁の数字で入力してください（例: 03-1234-5678）。"

# Dash-like characters still present after NFKC (ASCII '-' included so spaces around it collapse).
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2500\u30fc"
_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=[0-9])\s*[{_DASHES}]+\s*(?=[0-9])")

_POSTAL_CODE = re.compile(r"〒?\s*([0-9]{3})(?:-|\s+)?([0-9]{4})")

_INTERNATIONAL_PREFIX = re.compile(r"\+\s*81[\s\-]*(?:\(\s*0\s*\)|0)?[\s\-]*")
_PHONE_CHARACTERS = re.compile(r"[0-9\s()\-]+")
_PHONE_SEPARATORS = re.compile(r"[\s()\-]+")

_ELEVEN_DIGIT_PREFIXES = ("0800", "050", "070", "080", "090")


def normalise_digits(value: str) -> str:
    """NFKC-normalise ``value``, turn dashes between digit groups into ``-`` and strip it."""
    value = unicodedata.normalize("NFKC", value)
    return _DASH_BETWEEN_DIGITS.sub("-", value).strip()


def normalise_postal_code(value: str) -> str:
    """Return ``value`` as ``123-4567`` or raise ``ValidationError``."""
    match = _POSTAL_CODE.fullmatch(normalise_digits(value))
    if match is None:
        raise ValidationError(POSTAL_CODE_MESSAGE, code="invalid_postal_code")
    return f"{match[1]}-{match[2]}"


def normalise_phone_number(value: str) -> str:
    """Return a Japanese phone number in hyphenated national form or raise ``ValidationError``."""
    value = normalise_digits(value)
    prefix = _INTERNATIONAL_PREFIX.match(value)
    if prefix is not None:
        value = "0" + value[prefix.end() :]
    if not _PHONE_CHARACTERS.fullmatch(value):
        raise ValidationError(PHONE_NUMBER_MESSAGE, code="invalid_phone_number")
    groups = [group for group in _PHONE_SEPARATORS.split(value) if group]
    digits = "".join(groups)
    if not _is_valid_national_number(digits):
        raise ValidationError(PHONE_NUMBER_MESSAGE, code="invalid_phone_number")
    if _is_plausible_grouping(groups):
        return "-".join(groups)
    return _default_grouping(digits)


def _is_valid_national_number(digits: str) -> bool:
    if not digits.startswith("0") or digits.startswith("00"):
        return False
    expected = 11 if digits.startswith(_ELEVEN_DIGIT_PREFIXES) else 10
    return len(digits) == expected


def _is_plausible_grouping(groups: list[str]) -> bool:
    if len(groups) != 3:
        return False
    area, middle, last = groups
    return 2 <= len(area) <= 5 and 1 <= len(middle) <= 4 and 3 <= len(last) <= 4


def _default_grouping(digits: str) -> str:
    if digits.startswith("0800"):
        sizes = (4, 3, 4)
    elif len(digits) == 11:
        sizes = (3, 4, 4)
    elif digits.startswith(("0120", "0570")):
        sizes = (4, 3, 3)
    elif digits.startswith(("03", "06")):
        sizes = (2, 4, 4)
    else:
        sizes = (3, 3, 4)
    parts, start = [], 0
    for size in sizes:
        parts.append(digits[start : start + size])
        start += size
    return "-".join(parts)


class _NormalisingCharField(forms.CharField):
    """A text field that normalises its non-empty cleaned value with ``normaliser``."""

    default_max_length: int = 0
    default_widget_attrs: dict[str, str] = {}
    normaliser = staticmethod(normalise_digits)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", self.default_max_length)
        super().__init__(**kwargs)
        if not self.widget.is_hidden:
            for name, attr in self.default_widget_attrs.items():
                self.widget.attrs.setdefault(name, attr)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value in self.empty_values:
            return value
        return self.normaliser(value)


class PostalCodeField(_NormalisingCharField):
    """A postal code; cleans to ``123-4567``."""

    # Room for '〒', spaces and a hyphen around the seven digits.
    default_max_length = 16
    default_widget_attrs = {"inputmode": "numeric", "autocomplete": "postal-code"}
    normaliser = staticmethod(normalise_postal_code)


class PhoneNumberField(_NormalisingCharField):
    """A Japanese phone number; cleans to the hyphenated national form (``03-1234-5678``)."""

    # Room for '+81 (0)90-1234-5678' and a few extra spaces.
    default_max_length = 24
    default_widget_attrs = {"inputmode": "tel", "autocomplete": "tel"}
    normaliser = staticmethod(normalise_phone_number)
