"""The card-number guard sees what the code logged, not what the masking filter left of it (P2).

Production logging masks card numbers with a handler filter that rewrites the
record in place (shop/payments/redaction.py), so a guard that only looked at
handled records saw the masked text and passed. Each case runs a one-test
session in a fresh process with this project's pytest set-up (setup.cfg and
tests/conftest.py): logging a card number must fail that session, a harmless
number must not, and the console must still show the number masked.
"""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
CARD = "4111 1111 1111 1111"  # a Visa test number: passes the Luhn check
NOT_A_CARD = "4111 1111 1111 1112"  # fails the Luhn check

PROBE = """
import io
import logging

from shop.payments.redaction import CardNumberFilter


def test_logs_a_number():
    [console] = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, CardNumberFilter) for f in handler.filters)
    ]
    written = io.StringIO()
    previous = console.setStream(written)
    try:
        logger = logging.getLogger({logger!r})
        if {quiet!r}:
            logger.propagate = False
            logger.addHandler(logging.NullHandler())
        logger.warning("card %s", {number!r})
        try:
            raise ValueError({error!r})
        except ValueError:
            logger.exception("payment failed")
    finally:
        console.setStream(previous)
    # the production filter still masks what reaches the console, in the message and in the traceback
    assert {number!r} not in written.getvalue() and {card!r} not in written.getvalue()
    if not {quiet!r}:
        assert "card [card ****" in written.getvalue() and "ValueError" in written.getvalue()
"""


def _run(pytester, monkeypatch, **probe):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    probe = {"logger": "shop", "quiet": False, "error": "gateway said no", "card": CARD, **probe}
    pytester.makepyfile(test_probe=PROBE.format(**probe))
    return pytester.runpytest_subprocess(
        "-c", str(ROOT / "setup.cfg"), "--rootdir", str(pytester.path), "-p", "tests.conftest", "test_probe.py"
    )


def test_a_card_number_in_a_log_message_fails_the_session(pytester, monkeypatch):
    # covers: P2
    result = _run(pytester, monkeypatch, number=CARD)
    result.stdout.fnmatch_lines(["*1 passed*"])  # the test itself passed: the guard failed the session
    result.stdout.fnmatch_lines(["Card numbers were written to the database or logs:", "  log shop: …1111 (16 digits)"])
    assert result.ret != 0


@pytest.mark.parametrize(
    "probe, where",
    [
        ({"logger": "shop.quiet", "quiet": True}, "log shop.quiet: …1111"),  # a logger that does not propagate
        ({"number": NOT_A_CARD, "error": f"declined: {CARD}"}, "log shop (exception): …1111"),  # in an exception
    ],
)
def test_a_card_number_anywhere_in_a_record_fails_the_session(pytester, monkeypatch, probe, where):
    # covers: P2
    result = _run(pytester, monkeypatch, **{"number": CARD, **probe})
    result.stdout.fnmatch_lines(["Card numbers were written to the database or logs:", f"  {where}*"])
    assert result.ret != 0


def test_a_number_that_is_not_a_card_passes(pytester, monkeypatch):
    # covers: P2
    result = _run(pytester, monkeypatch, number=NOT_A_CARD)
    result.assert_outcomes(passed=1)
    assert "Card numbers were written" not in result.stdout.str()
    assert result.ret == 0
