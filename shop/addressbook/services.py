"""State changes of the address book (M8), each in one transaction.

Every function takes the company the address must belong to; callers look
addresses up through the company (M6). The company row is locked first so
two members of the same company changing the default at the same time are
serialised (on PostgreSQL; SQLite serialises writers anyway), and the partial
unique constraint on ``is_default`` stands behind it.

Rules:

* the first address of a company becomes its default;
* when the default address is deleted, the oldest remaining one takes over,
  so a company with addresses always has a default for physical goods.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shop.accounts.jp_validators import normalise_phone_number, normalise_postal_code
from shop.companies.models import Company, Member

from .models import CompanyAddress

ADDRESS_FIELDS = ("site_name", "department", "recipient_name", "postcode", "address", "phone")


class SubmissionKeyConflict(Exception):
    """The submission key is already used by another company's address."""


def _lock(company: Company) -> None:
    Company.objects.select_for_update().filter(pk=company.pk).first()


def _make_default(company: Company, address: CompanyAddress) -> None:
    CompanyAddress.objects.filter(company=company, is_default=True).exclude(pk=address.pk).update(is_default=False)
    if not address.is_default:
        address.is_default = True
        address.save(update_fields=["is_default", "updated_at"])


def create_address(
    *, company: Company, user, data: dict, submission_key: UUID, make_default: bool = False
) -> tuple[CompanyAddress, bool]:
    """Create the address once per submission key; returns (address, created)."""
    existing = CompanyAddress.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        if existing.company_id != company.pk:
            raise SubmissionKeyConflict
        return existing, False
    fields = {name: data[name] for name in ADDRESS_FIELDS if name in data}
    try:
        with transaction.atomic():
            _lock(company)
            first = not CompanyAddress.objects.filter(company=company).exists()
            address = CompanyAddress.objects.create(
                company=company, created_by=user, submission_key=submission_key, **fields
            )
            if first or make_default:
                _make_default(company, address)
    except IntegrityError:
        existing = CompanyAddress.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        if existing.company_id != company.pk:
            raise SubmissionKeyConflict from None
        return existing, False
    return address, True


def update_address(*, company: Company, pk: int, data: dict) -> CompanyAddress:
    """Change the address's fields; raises ``CompanyAddress.DoesNotExist`` for another company's address."""
    with transaction.atomic():
        address = CompanyAddress.objects.select_for_update().get(company=company, pk=pk)
        for name in ADDRESS_FIELDS:
            if name in data:
                setattr(address, name, data[name])
        address.save()
    return address


def delete_address(*, company: Company, pk: int) -> None:
    """Delete the address; if it was the default, the oldest remaining address becomes the default."""
    with transaction.atomic():
        _lock(company)
        address = CompanyAddress.objects.get(company=company, pk=pk)
        was_default = address.is_default
        address.delete()
        if was_default:
            successor = CompanyAddress.objects.filter(company=company).order_by("created_at", "pk").first()
            if successor is not None:
                _make_default(company, successor)


def set_default(*, company: Company, pk: int) -> CompanyAddress:
    """Make the address the company's only default."""
    with transaction.atomic():
        _lock(company)
        address = CompanyAddress.objects.get(company=company, pk=pk)
        _make_default(company, address)
    return address


def default_address(company: Company) -> CompanyAddress | None:
    """The company's default delivery address (for checkout), if any."""
    return CompanyAddress.objects.filter(company=company, is_default=True).first()


def recipient_name_for(member: Member) -> str:
    user = member.user
    return f"{user.last_name} {user.first_name}".strip() or user.get_username()


def create_from_company(*, member: Member) -> tuple[CompanyAddress, bool]:
    """「登録住所を配送先にする」: the company's registered address as its default delivery address.

    Only when the company has no address yet; a second click returns the address already there.
    Returns (address, created).
    """
    company = member.company
    with transaction.atomic():
        _lock(company)
        existing = CompanyAddress.objects.filter(company=company).order_by("-is_default", "created_at", "pk").first()
        if existing is not None:
            return existing, False
        try:
            postcode = normalise_postal_code(company.postcode)
        except ValidationError:
            postcode = company.postcode
        try:
            phone = normalise_phone_number(member.phone) if member.phone else ""
        except ValidationError:
            phone = ""
        address = CompanyAddress.objects.create(
            company=company,
            site_name=company.name,
            department=member.department,
            recipient_name=recipient_name_for(member),
            postcode=postcode,
            address=company.address,
            phone=phone,
            is_default=True,
            created_by=member.user,
        )
    return address, True
