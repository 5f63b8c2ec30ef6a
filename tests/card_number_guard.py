"""After the whole suite: no card number was ever written to the database, a log or an email (P2).

Installed by tests/conftest.py for the session. Every SQL statement's
parameters (emails are outbox rows, so they pass here too) and every log
record, with its exception's message, are scanned for 13–19-digit runs that
pass the Luhn check and start like a card brand (Visa 4, Mastercard 2/5, JCB
35, American Express 34/37, Diners Club 30/36/38). Log records are scanned
as they are created, before the production masking filter rewrites them.
Digits separated by spaces or hyphens count as one run; a run inside a
longer word (a hash, a token) does not. A hit is remembered with where it
was seen and fails the session.
"""

from __future__ import annotations

import logging
import re
import traceback

# a run of 13–19 digits, or the way cards are printed: groups of 4 (Amex 4-6-5) split by a space or hyphen
CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9_-])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?|\d{4}[ -]\d{6}[ -]\d{4,5})(?![A-Za-z0-9_-])"
)
BRAND_PREFIX = re.compile(r"^(4|5[1-5]|2[2-7]|35|3[47]|30[0-5]|36|38)")

hits: list[str] = []


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_numbers_in(text: str) -> list[str]:
    found = []
    for match in CANDIDATE.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and BRAND_PREFIX.match(digits) and _luhn(digits):
            found.append(digits)
    return found


def _scan(value, where: str) -> None:
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).decode("utf-8", "ignore")
    if isinstance(value, str) and len(value) >= 13:
        for number in card_numbers_in(value):
            hits.append(f"{where}: …{number[-4:]} ({len(number)} digits)")


def sql_wrapper(execute, sql, params, many, context):
    rows = params if many else [params]
    for row in rows or []:
        for value in row.values() if isinstance(row, dict) else (row or []):
            _scan(value, f"SQL {sql[:60]}")
    return execute(sql, params, many, context)


def install(sender, connection, **kwargs) -> None:
    if sql_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(sql_wrapper)


def scan_record(record: logging.LogRecord) -> None:
    try:
        _scan(record.getMessage(), f"log {record.name}")
    except Exception:  # a log record that cannot be formatted is not our concern here
        pass
    error, seen = (record.exc_info or (None, None, None))[1], set()
    while error is not None and id(error) not in seen:  # the logged exception and the ones it was raised from
        seen.add(id(error))
        try:
            _scan("".join(traceback.format_exception_only(error)), f"log {record.name} (exception)")
        except Exception:
            pass
        error = error.__cause__ or error.__context__


def install_log_scanner() -> None:
    """Scan every log record as it is created, before any filter or handler can see or change it.

    The production logging config masks card numbers with a handler filter
    (shop/payments/redaction.py) that rewrites the record in place, so a
    handler of ours would only see the masked text. Wrapping the record
    factory sees the message as the code wrote it, on every logger,
    including those that do not propagate to the root.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "card_number_guard", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        scan_record(record)
        return record

    factory.card_number_guard = True
    logging.setLogRecordFactory(factory)
