"""Document numbers: sequential per kind and month, never reused (Q1, P5).

The counter row is locked while the next number is taken, so two requests
never get the same number (row locks on PostgreSQL; SQLite serialises writes).
Format: prefix + YYYYMM + '-' + 5 digits, e.g. Q202611-00042.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import DocumentCounter


def next_number(*, kind: str, prefix: str) -> str:
    period = timezone.localdate().strftime("%Y%m")
    with transaction.atomic():
        try:
            with transaction.atomic():
                DocumentCounter.objects.get_or_create(kind=kind, period=period)
        except IntegrityError:  # created by a concurrent request: fine
            pass
        counter = DocumentCounter.objects.select_for_update().get(kind=kind, period=period)
        counter.last += 1
        counter.save(update_fields=["last"])
        return f"{prefix}{period}-{counter.last:05d}"
