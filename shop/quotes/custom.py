"""Custom quotes (個別見積, Q5): staff issue a quote to one company from the dashboard.

A custom quote mixes catalogue lines (priced at today's tax-exclusive price
unless staff set a price) and free-text lines for what the catalogue does not
hold (additional licences, renewals of products bought elsewhere, services).
Like a basket quote (`services.create_from_basket`) its number is taken
first in a transaction of its own (`numbering.numbered`: never reused, voided
with the reason if the quote is not made); then it is made in one
transaction, issued to the minute and totalled by the one tax module (tax
once per rate, rounded down). Staff choose its validity, and its prices are
the ones staff agreed: no campaign or coupon is applied to it. The same submission key never makes a second quote. The
company's administrators are emailed through the outbox, so a rolled-back
quote sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from shop.billing import numbering, tax
from shop.companies.models import Company, Member
from shop.notifications import mail

from .models import Quote, QuoteLine
from .services import catalogue_line, issue, today_price

MAX_UNIT_PRICE = Decimal("9999999999")  # QuoteLine.unit_price: 12 digits, none after the point; leave room for totals


@dataclass(frozen=True)
class CatalogueLine:
    """A catalogue product; `unit_price=None` means today's tax-exclusive price."""

    product: Any
    quantity: int
    unit_price: Decimal | None = None
    note: str = ""


@dataclass(frozen=True)
class FreeTextLine:
    """Something not in the catalogue, described and priced by staff."""

    name: str
    unit_price: Decimal
    quantity: int
    maker_name: str = ""
    note: str = ""


LineSpec = CatalogueLine | FreeTextLine | Mapping[str, Any]


def _spec(line: LineSpec) -> CatalogueLine | FreeTextLine:
    if isinstance(line, CatalogueLine | FreeTextLine):
        return line
    data = dict(line)
    if data.get("product") is not None:
        return CatalogueLine(
            product=data["product"],
            quantity=data.get("quantity"),
            unit_price=data.get("unit_price"),
            note=data.get("note") or "",
        )
    return FreeTextLine(
        name=data.get("name") or "",
        unit_price=data.get("unit_price"),
        quantity=data.get("quantity"),
        maker_name=data.get("maker_name") or "",
        note=data.get("note") or "",
    )


def _line_error(message: str, *, code: str, index: int, **params: Any) -> ValidationError:
    """An error about one line; `params["line"]` is its 1-based position in `lines`."""
    return ValidationError("%(line)s行目: " + message, code=code, params={"line": index + 1, **params})


def _yen(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _draft(spec: CatalogueLine | FreeTextLine, index: int, errors: list[ValidationError]) -> QuoteLine | None:
    count = len(errors)
    quantity = spec.quantity
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        errors.append(_line_error("数量は1以上の整数で入力してください。", code="quantity", index=index))
    unit_price = spec.unit_price
    if isinstance(spec, CatalogueLine):
        product = spec.product
        code = product.upc or ""
        if product.is_parent:
            errors.append(
                _line_error(
                    "「%(upc)s」はバリエーションの親商品のため見積できません。", code="parent", index=index, upc=code
                )
            )
        if product.is_sale_ended:
            errors.append(_line_error("「%(upc)s」は販売を終了しています。", code="sale_ended", index=index, upc=code))
        if product.is_parent:
            unit_price = Decimal("0")  # reported above; a parent has no price of its own
        elif unit_price is None or unit_price == "":
            unit_price = today_price(product)
            if unit_price is None:
                errors.append(
                    _line_error(
                        "「%(upc)s」には価格が登録されていません。単価を入力してください。",
                        code="no_price",
                        index=index,
                        upc=code,
                    )
                )
                unit_price = Decimal("0")
    elif not spec.name.strip():
        errors.append(_line_error("カタログ外の品目には名称を入力してください。", code="name", index=index))
    price = _yen(unit_price) if unit_price is not None else None
    if price is None or price < 0 or price > MAX_UNIT_PRICE or price != price.to_integral_value():
        errors.append(_line_error("単価(税抜)は0円以上の円単位で入力してください。", code="unit_price", index=index))
    if len(errors) > count:
        return None
    price = price.quantize(tax.YEN)
    if isinstance(spec, CatalogueLine):
        return catalogue_line(spec.product, quantity=quantity, unit_price=price, note=spec.note.strip())
    return QuoteLine(
        product=None,
        code="",
        name=spec.name.strip(),
        maker_name=spec.maker_name.strip(),
        unit_price=price,
        quantity=quantity,
        tax_rate=tax.STANDARD_RATE,
        free_text=True,
        note=spec.note.strip(),
    )


def create_custom_quote(
    *,
    company: Company,
    staff_user,
    lines: Iterable[LineSpec],
    valid_until: datetime,
    note: str = "",
    submission_key: UUID | None = None,
) -> Quote:
    """Issue a custom quote to `company`; raises ValidationError (Japanese messages, with codes) on bad input."""
    if submission_key is not None:
        existing = Quote.objects.filter(submission_key=submission_key, kind=Quote.Kind.CUSTOM).first()
        if existing is not None:
            return existing
    issued = timezone.now().replace(second=0, microsecond=0)
    valid_until = valid_until.replace(second=0, microsecond=0)
    errors: list[ValidationError] = []
    if company.status != Company.Status.ACTIVE:
        errors.append(ValidationError("退会済みの法人には見積を発行できません。", code="company_inactive"))
    if valid_until <= issued:
        errors.append(ValidationError("有効期限は現在より後の日時を指定してください。", code="valid_until"))
    specs = [_spec(line) for line in lines]
    if not specs:
        errors.append(ValidationError("明細を1行以上入力してください。", code="no_lines"))
    drafts = [_draft(spec, index, errors) for index, spec in enumerate(specs)]
    if errors:
        raise ValidationError(errors)

    try:
        with numbering.numbered(kind="quote", prefix="Q") as number, transaction.atomic():
            quote = issue(
                number=number,
                drafts=drafts,
                company=company,
                created_by=staff_user,
                submission_key=submission_key,
                valid_until=valid_until,
                kind=Quote.Kind.CUSTOM,
                note=note.strip(),
            )
            _notify_administrators(quote)
    except IntegrityError:
        # the same form sent twice at once: the other request made the quote
        if submission_key is None:
            raise
        existing = Quote.objects.filter(submission_key=submission_key, kind=Quote.Kind.CUSTOM).first()
        if existing is None:
            raise
        return existing
    return quote


def _notify_administrators(quote: Quote) -> None:
    """「個別見積を発行しました」 to each administrator of the company (sent once the quote commits)."""
    link = mail.site_url(reverse("quotes:quote-detail", kwargs={"number": quote.number}))
    administrators = (
        Member.objects.filter(company=quote.company, role=Member.Role.ADMIN, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
    )
    for member in administrators:
        mail.queue(
            template="custom_quote_issued",
            to=member.user.email,
            context={"quote": quote, "company": quote.company, "user": member.user, "link": link},
        )
