"""Order status as the buyer sees it (O7), and the moves staff may make.

Values are ASCII and stored on Oscar's order; every page, email and export
shows the Japanese label from `LABELS` (the `status_label` template filter).
"""

AWAITING_APPROVAL = "awaiting-approval"
ACCEPTED = "accepted"
ARRANGING = "arranging"
DELIVERED = "delivered"
CANCELLED = "cancelled"
SENT_BACK = "sent-back"

LABELS = {
    AWAITING_APPROVAL: "承認待ち",
    ACCEPTED: "受付済",
    ARRANGING: "手配中",
    DELIVERED: "納品済/契約開始",
    CANCELLED: "キャンセル",
    SENT_BACK: "差戻し",
}
ALL = tuple(LABELS)

PIPELINE = {
    AWAITING_APPROVAL: (ACCEPTED, SENT_BACK, CANCELLED),
    ACCEPTED: (ARRANGING, DELIVERED, CANCELLED),
    ARRANGING: (DELIVERED, CANCELLED),
    DELIVERED: (),
    CANCELLED: (),
    SENT_BACK: (),
}


def label(value: str) -> str:
    return LABELS.get(value, value)


def initial_for(member) -> str:
    """A member with an approval route waits for approval (M7); others are accepted at once."""
    return ACCEPTED if member.approval_route == member.Route.NONE else AWAITING_APPROVAL
