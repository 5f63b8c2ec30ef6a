"""A logging filter that masks anything shaped like a card number (P2: card numbers never reach our logs).

Our code never logs card details, and the gateway's token endpoint never logs
its request body; this filter is the second line: installed on the log
handlers in settings, it rewrites any run of 13–19 digits (spaces or hyphens
allowed between groups) in a record's message, and in its traceback, to its
last four digits.
Imported by the logging configuration, so it must not import Django models.
"""

from __future__ import annotations

import logging
import re

CARD_LIKE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])")


def redact(text: str) -> str:
    def mask(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return f"[card ****{digits[-4:]}]"

    return CARD_LIKE.sub(mask, text)


class CardNumberFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the handler's problem, not ours
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:  # the traceback's text, which formatters reuse as it is
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
