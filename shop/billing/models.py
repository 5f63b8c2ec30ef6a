"""Document number counters (numbering.py) and the qualified documents issued with them (documents.py)."""

from django.db import models


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
