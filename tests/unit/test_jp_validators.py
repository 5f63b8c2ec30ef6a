"""Japanese postal codes and phone numbers: normalisation, validation and form fields (M1)."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from shop.accounts.jp_validators import (
    PHONE_NUMBER_MESSAGE,
    POSTAL_CODE_MESSAGE,
    PhoneNumberField,
    PostalCodeField,
    normalise_digits,
    normalise_phone_number,
    normalise_postal_code,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("１２３４５６７", "1234567"),
        ("  ０３－１２３４－５６７８\u3000", "03-1234-5678"),
        ("０３ー１２３４ー５６７８", "03-1234-5678"),  # katakana long sound mark as a hyphen
        ("03ｰ1234ｰ5678", "03-1234-5678"),  # half-width long sound mark
        ("03‐1234−5678", "03-1234-5678"),  # U+2010 hyphen, U+2212 minus sign
        ("03―1234–5678", "03-1234-5678"),  # U+2015 horizontal bar, U+2013 en dash
        ("123 ー 4567", "123-4567"),
        ("コーヒー", "コーヒー"),  # not between digits: left alone
        ("ー123", "ー123"),
    ],
)
def test_normalise_digits(raw, expected):
    # covers: M1
    assert normalise_digits(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "1234567",
        "123-4567",
        "１２３－４５６７",
        "１２３４５６７",
        "１２３ー４５６７",
        "〒123-4567",
        "〒 １２３－４５６７",
        " 123 4567 ",
        "\u3000123\u30004567\u3000",
        "123‐4567",
        "123−4567",
    ],
)
def test_valid_postal_codes(raw):
    # covers: M1
    assert normalise_postal_code(raw) == "123-4567"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "〒",
        "123456",  # too short
        "12345678",  # too long
        "123-45678",
        "12-34567",  # wrong split
        "123-45-67",
        "abc-defg",
        "123-456a",
        "１２３－４５６Ａ",
        "〒〒123-4567",
        "123_4567",
        "٣٤٥٦٧٨٩",  # Arabic-Indic digits are not normalised to ASCII by NFKC
    ],
)
def test_invalid_postal_codes(raw):
    # covers: M1
    with pytest.raises(ValidationError) as excinfo:
        normalise_postal_code(raw)
    assert excinfo.value.messages == [POSTAL_CODE_MESSAGE]
    assert excinfo.value.code == "invalid_postal_code"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Without separators: grouped by prefix.
        ("0312345678", "03-1234-5678"),
        ("0612345678", "06-1234-5678"),
        ("0451234567", "045-123-4567"),
        ("09012345678", "090-1234-5678"),
        ("08012345678", "080-1234-5678"),
        ("07012345678", "070-1234-5678"),
        ("05012345678", "050-1234-5678"),
        ("0120123456", "0120-123-456"),
        ("08001234567", "0800-123-4567"),
        ("0570012345", "0570-012-345"),
        ("0467123456", "046-712-3456"),  # default 3-3-4; the real area code is 0467
        # The user's own grouping is kept.
        ("03-1234-5678", "03-1234-5678"),
        ("06-1234-5678", "06-1234-5678"),
        ("045-123-4567", "045-123-4567"),
        ("0467-12-3456", "0467-12-3456"),
        ("01267-2-3456", "01267-2-3456"),
        ("090-1234-5678", "090-1234-5678"),
        ("0120-123-456", "0120-123-456"),
        ("0800-123-4567", "0800-123-4567"),
        ("0467 12 3456", "0467-12-3456"),
        ("03(1234)5678", "03-1234-5678"),
        ("(0467)12-3456", "0467-12-3456"),
        # Implausible grouping: the default grouping is used.
        ("090-12345678", "090-1234-5678"),
        ("0-312-345678", "03-1234-5678"),
        ("03-12-34-5678", "03-1234-5678"),
        # Full-width digits, full-width hyphen, long sound mark, other dashes, spaces.
        ("０３－１２３４－５６７８", "03-1234-5678"),
        ("０９０ー１２３４ー５６７８", "090-1234-5678"),
        ("０４６７ー１２ー３４５６", "0467-12-3456"),
        ("０３（１２３４）５６７８", "03-1234-5678"),
        ("０９０１２３４５６７８", "090-1234-5678"),
        ("090‐1234‐5678", "090-1234-5678"),
        ("090−1234−5678", "090-1234-5678"),
        ("  03 - 1234 - 5678  ", "03-1234-5678"),
        ("\u3000０３\u3000１２３４\u3000５６７８\u3000", "03-1234-5678"),
        # International prefix.
        ("+81 3-1234-5678", "03-1234-5678"),
        ("+81-90-1234-5678", "090-1234-5678"),
        ("+81312345678", "03-1234-5678"),
        ("+819012345678", "090-1234-5678"),
        ("+81 (0)3 1234 5678", "03-1234-5678"),
        ("+81 03-1234-5678", "03-1234-5678"),  # trunk 0 wrongly kept: dropped
        ("＋８１　４６７－１２－３４５６", "0467-12-3456"),
        ("+81 120-123-456", "0120-123-456"),
    ],
)
def test_valid_phone_numbers(raw, expected):
    # covers: M1
    assert normalise_phone_number(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "---",
        "031234567",  # too short (9 digits)
        "031234567890",  # too long (12 digits)
        "03123456789",  # 11 digits for a fixed line
        "0901234567",  # 10 digits for a mobile
        "0120-123-4567",  # 0120 free dial has 10 digits
        "0800-123-456",  # 0800 free dial has 11 digits
        "3-1234-5678",  # does not start with 0
        "9012345678",
        "81312345678",  # country code without '+'
        "0012345678",  # '00' is an international call prefix
        "+1 212 555 0100",  # not Japan
        "+81",
        "03-1234-567a",
        "ABC-DEFG-HIJK",
        "０３－１２３４－５６７Ｘ",
        "03-1234-5678 内線12",
        "03.1234.5678",
        "03/1234/5678",
        "tel:03-1234-5678",
        "〒03-1234-5678",
    ],
)
def test_invalid_phone_numbers(raw):
    # covers: M1
    with pytest.raises(ValidationError) as excinfo:
        normalise_phone_number(raw)
    assert excinfo.value.messages == [PHONE_NUMBER_MESSAGE]
    assert excinfo.value.code == "invalid_phone_number"


class AddressForm(forms.Form):
    postcode = PostalCodeField()
    phone = PhoneNumberField()
    fax = PhoneNumberField(required=False)


def test_form_fields_clean_to_normalised_values():
    # covers: M1
    form = AddressForm(data={"postcode": "〒１２３－４５６７", "phone": "０９０ー１２３４ー５６７８", "fax": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"postcode": "123-4567", "phone": "090-1234-5678", "fax": ""}


def test_form_fields_report_japanese_errors():
    # covers: M1
    form = AddressForm(data={"postcode": "12345", "phone": "1234", "fax": "abc"})
    assert not form.is_valid()
    assert form.errors == {
        "postcode": [POSTAL_CODE_MESSAGE],
        "phone": [PHONE_NUMBER_MESSAGE],
        "fax": [PHONE_NUMBER_MESSAGE],
    }


def test_form_fields_required_and_max_length():
    # covers: M1
    form = AddressForm(data={"postcode": "", "phone": "0" * 30})
    assert not form.is_valid()
    errors = form.errors.as_data()
    assert [error.code for error in errors["postcode"]] == ["required"]
    assert [error.code for error in errors["phone"]] == ["max_length"]


def test_form_field_widget_attributes():
    # covers: M1
    form = AddressForm()
    postcode_attrs = form.fields["postcode"].widget.attrs
    phone_attrs = form.fields["phone"].widget.attrs
    assert postcode_attrs["inputmode"] == "numeric"
    assert postcode_attrs["autocomplete"] == "postal-code"
    assert postcode_attrs["maxlength"] == "16"
    assert phone_attrs["inputmode"] == "tel"
    assert phone_attrs["autocomplete"] == "tel"
    assert phone_attrs["maxlength"] == "24"
    html = str(form["phone"])
    assert 'inputmode="tel"' in html and 'autocomplete="tel"' in html


def test_form_field_widget_attributes_can_be_overridden():
    # covers: M1
    field = PostalCodeField(widget=forms.TextInput(attrs={"autocomplete": "shipping postal-code"}), max_length=10)
    assert field.widget.attrs["autocomplete"] == "shipping postal-code"
    assert field.widget.attrs["inputmode"] == "numeric"
    assert field.widget.attrs["maxlength"] == "10"
    assert field.clean(" 〒1234567 ") == "123-4567"
