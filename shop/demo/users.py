"""Demo accounts (S2). Credentials are documented in the README."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

DEMO_ADMIN = {"username": "admin", "email": "admin@kobai.example", "password": "kobai-admin-2026"}
# One staff member per role (S1, shop/accounts/roles.py): login id, role key, family name. Each has a
# confirmed TOTP device (`manage.py show_totp <login>`). The content editor works in Wagtail only.
DEMO_STAFF_PASSWORD = "kobai-staff-2026"
DEMO_STAFF = [
    ("staff-screening", "screening", "審査"),
    ("staff-orders", "orders", "受注"),
    ("staff-credit", "credit", "与信"),
    ("staff-catalogue", "catalogue", "商品"),
    ("staff-inquiries", "inquiries", "窓口"),
    ("editor", "content", "編集"),
]

DEMO_COMPANY = {
    "name": "株式会社デモ商事",
    "postcode": "105-0011",
    "address": "東京都港区芝公園4-2-8 デモビル3階",
    "representative_name": "見本 太郎",
}
DEMO_PASSWORD = "demo-buyer-2026"
# お客様ID, family, given, role, ordering authority, department, job title
DEMO_MEMBERS = [
    ("K0000001", "見本", "一郎", "admin", True, "情報システム部", "部長"),
    ("K0000002", "検証", "二美", "member", False, "情報システム部", "課長"),
    ("K0000003", "試験", "三郎", "member", False, "管理本部", "本部長"),
    ("K0000004", "依頼", "四葉", "member", False, "営業部", ""),
]


def ensure_superuser():
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=DEMO_ADMIN["username"],
        defaults={"email": DEMO_ADMIN["email"], "is_staff": True, "is_superuser": True, "last_name": "管理者"},
    )
    if created:
        user.set_password(DEMO_ADMIN["password"])
        user.save()
    # A confirmed TOTP device so staff areas can be entered; `manage.py show_totp admin` prints it.
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
    return user


def ensure_staff_users():
    """The demo staff, one per role, in their role's group (the groups are made or updated first)."""
    from shop.accounts import roles

    groups = roles.ensure_roles()
    User = get_user_model()
    users = []
    for username, key, family in DEMO_STAFF:
        role = roles.BY_KEY[key]
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@kobai.example",
                "is_staff": role.shop_dashboard,  # the editor needs Wagtail's permission only
                "last_name": family,
                "first_name": "担当",
            },
        )
        if created:
            user.set_password(DEMO_STAFF_PASSWORD)
            user.save()
        user.groups.add(groups[key])
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
        users.append(user)
    return users


def ensure_demo_company():
    """A demo company: administrator, first and second approver, and a requester whose route uses both."""
    from shop.companies.models import Company, Member

    User = get_user_model()
    company, _ = Company.objects.get_or_create(name=DEMO_COMPANY["name"], defaults=DEMO_COMPANY)
    members = {}
    for login_id, family, given, role, authority, department, title in DEMO_MEMBERS:
        user, created = User.objects.get_or_create(
            username=login_id,
            defaults={"email": f"{login_id.lower()}@demo-shoji.example.jp", "last_name": family, "first_name": given},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        member, _ = Member.objects.get_or_create(
            user=user,
            defaults={
                "company": company,
                "role": role,
                "has_ordering_authority": authority,
                "department": department,
                "job_title": title,
            },
        )
        members[login_id] = member
    requester = members["K0000004"]
    if requester.approval_route != Member.Route.TWO:
        requester.approval_route = Member.Route.TWO
        requester.first_approver = members["K0000002"]
        requester.second_approver = members["K0000003"]
        requester.save()
    ensure_demo_credit_line(company)
    if not company.addresses.exists():  # M8: the registered address as the default delivery address
        from shop.addressbook.services import create_from_company

        create_from_company(member=members["K0000001"])
    return company


def ensure_demo_credit_line(company):
    """P2: the payment partner screens the demo company once (the simulator grants ¥3,000,000)."""
    from shop.payments import invoice, screening

    if not company.invoice_buyer_id:
        try:
            screening.screen(company=company)
        except invoice.InvoicePartnerError:  # a real partner that cannot be reached: the demo goes on without a line
            pass
    return company
