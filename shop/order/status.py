"""Order status as the buyer sees it (O7), and the moves staff may make.

The values are the Japanese words shown on every page and email, so the
dashboard, the history and the CSV export all say the same thing.
"""

PENDING_APPROVAL = "承認待ち"
ACCEPTED = "受付済"
ARRANGING = "手配中"
DELIVERED = "納品済/契約開始"
CANCELLED = "キャンセル"

ALL = (PENDING_APPROVAL, ACCEPTED, ARRANGING, DELIVERED, CANCELLED)

PIPELINE = {
    PENDING_APPROVAL: (ACCEPTED, CANCELLED),
    ACCEPTED: (ARRANGING, DELIVERED, CANCELLED),
    ARRANGING: (DELIVERED, CANCELLED),
    DELIVERED: (),
    CANCELLED: (),
}


def initial_for(member) -> str:
    """A member with an approval route waits for approval (M7); others are accepted at once."""
    return ACCEPTED if member.approval_route == member.Route.NONE else PENDING_APPROVAL
