"""Every CSV we export is safe to open in a spreadsheet (issue 9: CSV formula injection).

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
read by Excel, LibreOffice and Google Sheets as a formula: a product name or
a customer's name such as `=HYPERLINK("http://…","…")` would run when staff
or a buyer open the file. Such a cell is written with a leading `'`, which
spreadsheets show as text (OWASP's advice for CSV injection). Numbers the
code itself puts in a cell (a negative amount) stay numbers.

Every CSV writer of ours goes through `writer(...)` (or wraps an existing
one with `SafeWriter`): the buyer's history export (M9) and Oscar's
dashboard reports (`shop/dashboard/reports/reports.py`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """`value` as a cell that cannot start a formula; numbers and dates are left as they are."""
    if value is None or isinstance(value, bool | int | float | Decimal | date | datetime):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def row(values: Iterable) -> list:
    return [cell(value) for value in values]


class SafeWriter:
    """A csv writer (anything with `writerow`) whose every cell goes through `cell()`."""

    def __init__(self, writer):
        self._writer = writer

    def writerow(self, values: Iterable):
        return self._writer.writerow(row(values))

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for values in rows:
            self.writerow(values)


def writer(file, **kwargs) -> SafeWriter:
    """`csv.writer(file, **kwargs)` with every cell neutralised."""
    return SafeWriter(csv.writer(file, **kwargs))
