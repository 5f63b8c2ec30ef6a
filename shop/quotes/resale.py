"""Resale (再販売, Q6): the declaration and the products that may not be resold.

One rule for quotes and orders alike: a purchase declared for resale must
name its end user, and products flagged resale-restricted cannot be bought
for resale at all without asking the shop first (an inquiry), so the
refusal names them and points there.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.urls import reverse

END_USER_REQUIRED = "再販売の場合は、エンドユーザー（最終的にご利用になる会社）の名称を入力してください。"


def restricted(products: Iterable) -> list:
    return [p for p in products if p is not None and getattr(p, "resale_restricted", False)]


def check(*, for_resale: bool, end_user_name: str, products: Iterable) -> None:
    """Raise ValidationError (Japanese messages) unless the declaration is acceptable."""
    if not for_resale:
        return
    errors = []
    if not (end_user_name or "").strip():
        errors.append(ValidationError(END_USER_REQUIRED, code="end_user_required"))
    for product in restricted(products):
        errors.append(
            ValidationError(
                "「%(title)s」は再販売が制限されているため、再販売としてはお見積り・ご注文いただけません。"
                "お問い合わせください: %(link)s",
                code="resale_restricted",
                params={"title": product.get_title(), "link": inquiry_link(product)},
            )
        )
    if errors:
        raise ValidationError(errors)


def inquiry_link(product) -> str:
    return f"{reverse('inquiries:inquiry-create')}?product={product.pk}"
