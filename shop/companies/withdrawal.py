"""「退会」 (M9): export first, then withdraw; the shop keeps its records.

An administrator can withdraw the whole company (every member is
deactivated); a member can withdraw their own account. Withdrawn accounts
cannot log in. Orders and other records stay for the shop. The page offers
the purchase/contract history as CSV first, since nothing is reachable after.
"""

from __future__ import annotations

import io

from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from shop.billing import csv_safety
from shop.order import status as order_status

from .models import Company, Member

Order = get_model("order", "Order")
Line = get_model("order", "Line")

CSV_HEADER = ["注文番号", "注文日", "注文者", "状態", "商品コード", "商品名", "数量", "単価(税抜)", "金額(税抜)"]


def history_rows(*, company: Company) -> list[list[str]]:
    lines = (
        Line.objects.filter(order__user__member__company=company)
        .select_related("order", "order__user")
        .order_by("-order__date_placed", "order__number", "pk")
    )
    rows = []
    for line in lines:
        order = line.order
        rows.append(
            [
                order.number,
                timezone.localtime(order.date_placed).strftime("%Y/%m/%d"),
                order.user.username if order.user else "",
                order_status.label(order.status),
                line.upc or line.partner_sku,
                line.title,
                str(line.quantity),
                f"{line.unit_price_excl_tax or 0:.0f}",
                f"{line.line_price_excl_tax or 0:.0f}",
            ]
        )
    return rows


def history_csv(*, company: Company) -> bytes:
    """UTF-8 with a BOM, so Excel in Japan opens it correctly; no cell can start a formula (csv_safety)."""
    buffer = io.StringIO()
    writer = csv_safety.writer(buffer)
    writer.writerow(CSV_HEADER)
    writer.writerows(history_rows(company=company))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@transaction.atomic
def withdraw_member(*, member: Member) -> None:
    member.user.is_active = False
    member.user.save(update_fields=["is_active"])


@transaction.atomic
def withdraw_company(*, company: Company) -> None:
    company = Company.objects.select_for_update().get(pk=company.pk)
    company.status = Company.Status.WITHDRAWN
    company.withdrawn_at = timezone.now()
    company.save(update_fields=["status", "withdrawn_at"])
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(member__company=company).update(is_active=False)
