"""Approval steps of an order (M7): one per approver of the requester's route, in order."""

from django.db import models


class ApprovalStep(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", "順番待ち"
        PENDING = "pending", "承認待ち"
        APPROVED = "approved", "承認済"
        SENT_BACK = "sent-back", "差戻し"
        CLOSED = "closed", "対象外"

    order = models.ForeignKey("order.Order", on_delete=models.CASCADE, related_name="approval_steps")
    position = models.PositiveSmallIntegerField("順番")
    approver = models.ForeignKey("companies.Member", on_delete=models.PROTECT, related_name="approval_steps")
    state = models.CharField("状態", max_length=16, choices=State.choices, default=State.WAITING)
    comment = models.TextField("コメント", blank=True)
    decided_at = models.DateTimeField("判断日時", null=True, blank=True)

    class Meta:
        ordering = ["order", "position"]
        constraints = [models.UniqueConstraint(fields=["order", "position"], name="approval_step_once_per_position")]
        verbose_name = verbose_name_plural = "承認ステップ"

    def __str__(self) -> str:
        return f"{self.order_id} #{self.position} {self.state}"

    @property
    def label(self) -> str:
        return "一次承認" if self.position == 1 else "二次承認"
