"""Document numbers: sequential per kind and month, never reused (Q1, P5, issue 10).

A number is taken in a transaction of its own that commits at once (`take`):
the counter row is locked while the next value is read, so two requests never
get the same number, and nothing that happens afterwards can roll the counter
back. Each number taken is written to the `IssuedNumber` ledger. The document
saved with it marks it used in the document's own transaction (`use`); an
attempt that fails voids it with its reason (`void`), and a number left taken
by a process that died is voided by `sweep_abandoned`. So a gap is allowed, is
always explained, and a number never reaches two documents.

`numbered(kind=..., prefix=...)` wraps the usual pattern: take, do the work
(which calls `use` inside its transaction), void on any exception.

Format: prefix + YYYYMM + '-' + 5 digits, e.g. Q202611-00042.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.transactions import require_outside_transaction

from .models import DocumentCounter, IssuedNumber

ABANDONED_AFTER = timedelta(hours=1)


class NumberingError(RuntimeError):
    pass


def take(*, kind: str, prefix: str) -> str:
    """The next number of `kind`, committed at once (call it before the document's transaction)."""
    require_outside_transaction(f"taking a {kind} number (a rollback would free it for reuse)")
    with transaction.atomic():
        number = _bump(kind=kind, prefix=prefix)
        IssuedNumber.objects.create(kind=kind, number=number, taken_at=timezone.now())
    return number


def _bump(*, kind: str, prefix: str) -> str:
    """Lock the kind's counter for this month, move it on and format the number (inside a transaction)."""
    period = timezone.localdate().strftime("%Y%m")
    try:
        with transaction.atomic():
            DocumentCounter.objects.get_or_create(kind=kind, period=period)
    except IntegrityError:  # created by a concurrent request: fine
        pass
    counter = DocumentCounter.objects.select_for_update().get(kind=kind, period=period)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}{period}-{counter.last:05d}"


def use(number: str) -> None:
    """Mark `number` used by the document being saved (inside that document's transaction)."""
    updated = IssuedNumber.objects.filter(number=number, state=IssuedNumber.State.TAKEN).update(
        state=IssuedNumber.State.USED, settled_at=timezone.now()
    )
    if updated != 1:
        raise NumberingError(f"number {number} is not free to use")


def void(number: str, *, reason: str) -> bool:
    """Record why `number` will never be used (a gap); a number already used stays used."""
    updated = IssuedNumber.objects.filter(number=number, state=IssuedNumber.State.TAKEN).update(
        state=IssuedNumber.State.VOID, reason=(reason.strip() or "unknown")[:255], settled_at=timezone.now()
    )
    return bool(updated)


def describe(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextmanager
def numbered(*, kind: str, prefix: str):
    """Take a number, yield it to the work that uses it, and void it (with the error) if the work fails."""
    number = take(kind=kind, prefix=prefix)
    try:
        yield number
    except BaseException as exc:
        void(number, reason=describe(exc))
        raise


def sweep_abandoned(*, older_than: timedelta = ABANDONED_AFTER) -> int:
    """Void numbers still merely taken long after they were taken (the process died between take and use)."""
    cutoff = timezone.now() - older_than
    return IssuedNumber.objects.filter(state=IssuedNumber.State.TAKEN, taken_at__lt=cutoff).update(
        state=IssuedNumber.State.VOID,
        reason="abandoned: the attempt ended before the number was used",
        settled_at=timezone.now(),
    )


def next_number(*, kind: str, prefix: str) -> str:
    """A number taken inside the caller's transaction (inquiry threads only: not a money document)."""
    with transaction.atomic():
        return _bump(kind=kind, prefix=prefix)
