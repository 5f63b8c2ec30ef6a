"""Where we are with respect to database transactions (issue 10).

Two rules of money depend on it: a document number is taken in a transaction
of its own, before the transaction that uses it (`shop.billing.numbering`), and
no payment partner is called while one of our transactions (and its row locks)
is open (`shop.payments.card`, `shop.payments.invoice`). A test case's own
wrapping transaction (pytest-django's `db`) does not count: inside it the code
under test behaves as it would at the top of a request.
"""

from __future__ import annotations

from django.db import transaction


class InsideTransaction(RuntimeError):
    """Raised when a step that must run outside any transaction is called inside one."""


def outside_transaction(using: str | None = None) -> bool:
    connection = transaction.get_connection(using)
    return not connection.in_atomic_block or all(
        getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    )


def require_outside_transaction(what: str) -> None:
    if not outside_transaction():
        raise InsideTransaction(f"{what} must not run inside a database transaction (row locks would be held)")
