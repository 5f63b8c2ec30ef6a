"""Document number counters (numbering.py)."""

from django.db import models


class DocumentCounter(models.Model):
    kind = models.CharField(max_length=32)
    period = models.CharField(max_length=8)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "period"], name="one_counter_per_kind_and_period")]

    def __str__(self) -> str:
        return f"{self.kind}-{self.period}: {self.last}"
