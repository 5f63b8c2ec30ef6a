"""Document number counters (numbering.py) and the qualified documents issued with them (documents.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentCounter(models.Model):
    kind = models.CharField(max_length=32)
    period = models.CharField(max_length=8)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "period"], name="one_counter_per_kind_and_period")]

    def __str__(self) -> str:
        return f"{self.kind}-{self.period}: {self.last}"


class IssuedDocument(models.Model):
    """A qualified document issued for an order (P5): its number, once taken, is the document's for good."""

    class Kind(models.TextChoices):
        DELIVERY_NOTE = "delivery-note", "納品書 兼 注文請書"
        INVOICE = "invoice", "請求書"

    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="issued_documents")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    number = models.CharField(max_length=32, unique=True)
    issued_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="one_document_per_order_and_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class IssuedNumber(models.Model):
    """Every number a counter gave out, and what became of it (issue 10: never reused, every gap explained).

    A number is taken in its own committed transaction (`numbering.take`), so a
    rolled-back attempt cannot hand it to the next one. It is then either used
    by the document saved with it (`use`, in the document's transaction) or
    voided with the reason the attempt failed (`void`); a number left taken by
    a process that died is voided by the sweep (`numbering.sweep_abandoned`).
    """

    class State(models.TextChoices):
        TAKEN = "taken", _("Taken (not used yet)")
        USED = "used", _("Used")
        VOID = "void", _("Void (a gap)")

    kind = models.CharField(max_length=32)
    number = models.CharField(max_length=32, unique=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.TAKEN)
    reason = models.CharField(max_length=255, blank=True)
    taken_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "taken_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="void") | ~models.Q(reason=""), name="issued_number_gap_has_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.state}"
