"""Company administration by the company's administrators (M5, M7 settings, M11).

Rules:
- only administrators (role admin) of an active company manage its members;
- a new member gets an invitation with a 72-hour first-password link (as M3);
- an approval route names approvers among the company's active members; an
  approver is never on their own route, a two-step route needs two different
  approvers, and a route without approval names nobody;
- a member can be deactivated (they can no longer log in); an administrator
  cannot deactivate themselves, and the last active administrator stays.
"""

from __future__ import annotations

from django.db import transaction

from . import screening
from .models import Company, Member


class RuleViolation(Exception):
    """A change the rules above refuse; the message is for the user."""


def active_members(company: Company):
    return Member.objects.filter(company=company, user__is_active=True).select_related("user")


def check_route(*, member: Member | None, route: str, first: Member | None, second: Member | None) -> None:
    if route == Member.Route.NONE:
        if first or second:
            raise RuleViolation("承認不要の場合、承認者は指定できません。")
        return
    if first is None:
        raise RuleViolation("一次承認者を選んでください。")
    if route == Member.Route.TWO and second is None:
        raise RuleViolation("二次承認者を選んでください。")
    if route == Member.Route.ONE and second is not None:
        raise RuleViolation("一次承認のみの場合、二次承認者は指定できません。")
    chosen = [a for a in (first, second) if a is not None]
    if member is not None and any(a.pk == member.pk for a in chosen):
        raise RuleViolation("本人を自分の承認者にすることはできません。")
    if len(chosen) == 2 and first.pk == second.pk:
        raise RuleViolation("一次承認者と二次承認者には別の人を選んでください。")


@transaction.atomic
def invite(
    *,
    company: Company,
    by: Member,
    last_name: str,
    first_name: str,
    email: str,
    department: str,
    job_title: str,
    role: str,
    authority: bool,
) -> Member:
    member = screening._create_member(
        company=company,
        name=f"{last_name} {first_name}",
        email=email,
        department=department,
        job_title=job_title,
        phone="",
        role=role,
        authority=authority,
    )
    screening.send_first_password_email(member=member, template="member_invited")
    return member


@transaction.atomic
def update_member(
    *, member: Member, by: Member, role: str, authority: bool, route: str, first: Member | None, second: Member | None
) -> Member:
    member = Member.objects.select_for_update().get(pk=member.pk)
    check_route(member=member, route=route, first=first, second=second)
    if member.pk == by.pk and role != Member.Role.ADMIN:
        raise RuleViolation("自分自身の管理権限は外せません。別の管理者に依頼してください。")
    member.role = role
    member.has_ordering_authority = authority
    member.approval_route = route
    member.first_approver = first
    member.second_approver = second
    member.save(update_fields=["role", "has_ordering_authority", "approval_route", "first_approver", "second_approver"])
    return member


@transaction.atomic
def deactivate(*, member: Member, by: Member) -> None:
    member = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    if member.pk == by.pk:
        raise RuleViolation("自分自身は無効化できません。")
    if member.is_admin and active_members(member.company).filter(role=Member.Role.ADMIN).count() <= 1:
        raise RuleViolation("最後の管理者は無効化できません。")
    approver_of = Member.objects.filter(company=member.company, user__is_active=True).filter(models_q_approver(member))
    if approver_of.exists():
        names = "、".join(str(m.user) for m in approver_of[:5])
        raise RuleViolation(f"この会員は次の会員の承認者です。先に承認ルートを変更してください: {names}")
    member.user.is_active = False
    member.user.save(update_fields=["is_active"])


def models_q_approver(member: Member):
    from django.db.models import Q

    return Q(first_approver=member) | Q(second_approver=member)


@transaction.atomic
def set_two_factor_requirement(*, company: Company, required: bool) -> None:
    Company.objects.filter(pk=company.pk).update(require_two_factor=required)


@transaction.atomic
def change_address(*, company: Company, postcode: str, address: str) -> None:
    Company.objects.filter(pk=company.pk).update(postcode=postcode, address=" ".join(address.split()))
