"""Staff roles (S1): what each kind of staff member may do, as Django groups with named permissions.

Being staff is not enough to act: every staff screen and action asks for the
permission of its area, so a clerk who handles orders cannot set a credit line
or approve an application. A role is a `Group` named in Japanese (the names
the shop's staff know); code refers to a role by its stable ASCII key and to
an area by its permission string, never by the group's name.

`ensure_roles()` makes each group hold exactly the permissions listed here
(run after every `migrate` and by the demo loader), so the roles are reviewed
in code, not edited by hand. Superusers need no role: they hold every
permission, and only they enter Django's admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db import DEFAULT_DB_ALIAS
from django.urls import reverse_lazy

# --- the named permissions of the shop's own staff areas (Meta.permissions of each area's model) ---
SCREEN_APPLICATIONS = "companies.screen_application"  # 会員審査: applications, companies, members
MANAGE_ORDERS = "order.manage_orders"  # 受注管理: status, cancellation, contract periods
ISSUE_CUSTOM_QUOTES = "quotes.issue_custom_quote"  # 個別見積 (part of 受注管理)
VIEW_ATTACHMENTS = "attachments.view_attachment"  # 申請書類 downloads (part of 受注管理)
MANAGE_CREDIT = "payments.manage_credit"  # 与信管理: screening and credit lines
ANSWER_INQUIRIES = "inquiries.answer_inquiry"  # 問い合わせ対応
RESEND_EMAIL = "notifications.resend_email"  # the email outbox screen: dead letters, 再送 (part of 受注管理)
MANAGE_CATALOGUE = "catalogue.view_product"  # 商品・キャンペーン: the catalogue dashboard's own gate
ACCESS_CMS = "wagtailadmin.access_admin"  # コンテンツ編集: Wagtail's admin

_CRUD = ("view", "add", "change", "delete")


def _crud(app_label: str, *models: str) -> tuple[str, ...]:
    return tuple(f"{app_label}.{action}_{model}" for model in models for action in _CRUD)


@dataclass(frozen=True)
class Role:
    key: str  # stable, ASCII: what code and the demo refer to
    name: str  # the group's name, as staff know the role
    permissions: tuple[str, ...]  # "app_label.codename"
    shop_dashboard: bool = True  # False: no shop dashboard at all (content editors work in Wagtail only)

    @property
    def gate(self) -> str:
        """The permission that admits a member of this role to its area (the first one listed)."""
        return self.permissions[0]


SCREENING = Role(
    key="screening",
    name="会員審査",
    permissions=(
        SCREEN_APPLICATIONS,
        # Oscar's customer pages (users dashboard): look members up, send a password reset
        "accounts.view_user",
        "accounts.change_user",
    ),
)
ORDERS = Role(
    key="orders",
    name="受注管理",
    permissions=(
        MANAGE_ORDERS,
        ISSUE_CUSTOM_QUOTES,
        VIEW_ATTACHMENTS,
        RESEND_EMAIL,
        # Oscar's order statistics and reports
        "order.view_order",
        "analytics.view_userrecord",
    ),
)
CREDIT = Role(key="credit", name="与信管理", permissions=(MANAGE_CREDIT,))
CATALOGUE = Role(
    key="catalogue",
    name="商品・キャンペーン",
    permissions=(
        MANAGE_CATALOGUE,
        # products, categories, makers, prices (stock records), end of sale: Oscar's catalogue dashboard
        *_crud(
            "catalogue",
            "product",
            "productclass",
            "productattribute",
            "productattributevalue",
            "productcategory",
            "productimage",
            "productrecommendation",
            "category",
            "option",
            "attributeoption",
            "attributeoptiongroup",
            "maker",
        ),
        *_crud("partner", "stockrecord"),
        "partner.view_stockalert",
        # offers (campaigns), ranges, vouchers (coupons): P3
        *_crud("offer", "conditionaloffer", "range", "rangeproduct", "rangeproductfileupload", "condition", "benefit"),
        *_crud("voucher", "voucher", "voucherset"),
        "voucher.view_voucherapplication",
    ),
)
INQUIRIES = Role(key="inquiries", name="問い合わせ対応", permissions=(ANSWER_INQUIRIES,))
CONTENT = Role(
    key="content",
    name="コンテンツ編集",
    # and, on the root page and the root collection, the page/image/document permissions below
    permissions=(ACCESS_CMS,),
    shop_dashboard=False,
)

ROLES: tuple[Role, ...] = (SCREENING, ORDERS, CREDIT, CATALOGUE, INQUIRIES, CONTENT)
BY_KEY = {role.key: role for role in ROLES}

# Wagtail: what コンテンツ編集 may do with pages (from the root page down) and images/documents (root collection)
CONTENT_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
CONTENT_COLLECTION_PERMISSIONS = (
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
)


def has_any_shop_role(user) -> bool:
    """Whether `user` works in the shop dashboard at all (its home page and menu)."""
    return bool(user.is_active) and any(user.has_perm(role.gate) for role in ROLES if role.shop_dashboard)


class StaffPermissionRequiredMixin(PermissionRequiredMixin):
    """A staff screen of one area: anonymous visitors are sent to the staff login, others without
    `permission_required` get 403 (Django's PermissionRequiredMixin), for GET and POST alike."""

    login_url = reverse_lazy("dashboard:login")


def _permission(dotted: str):
    from django.contrib.auth.models import Permission

    app_label, codename = dotted.split(".", 1)
    try:
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)
    except Permission.DoesNotExist as missing:
        raise LookupError(
            f"role permission {dotted!r} does not exist (is its app installed and migrated?)"
        ) from missing


def _create_all_permissions() -> None:
    """Every installed model's permissions exist before the groups are filled (post_migrate runs app by app)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        if app_config.models_module is not None:
            create_permissions(app_config, verbosity=0)


def _ensure_wagtail_permissions(group) -> None:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

    root_page = Page.get_first_root_node()
    if root_page is not None:
        page_type = ContentType.objects.get_for_model(Page)
        wanted = set(Permission.objects.filter(content_type=page_type, codename__in=CONTENT_PAGE_PERMISSIONS))
        current = GroupPagePermission.objects.filter(group=group)
        current.exclude(page=root_page, permission__in=wanted).delete()
        for permission in wanted:
            GroupPagePermission.objects.get_or_create(group=group, page=root_page, permission=permission)
    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        wanted = {_permission(dotted) for dotted in CONTENT_COLLECTION_PERMISSIONS}
        current = GroupCollectionPermission.objects.filter(group=group)
        current.exclude(collection=root_collection, permission__in=wanted).delete()
        for permission in wanted:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=permission
            )


def ensure_roles() -> dict[str, object]:
    """Create or update every role's group so it holds exactly its permissions; idempotent. Returns groups by key."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    _create_all_permissions()
    groups = {}
    with transaction.atomic():
        for role in ROLES:
            group, _ = Group.objects.get_or_create(name=role.name)
            group.permissions.set([_permission(dotted) for dotted in role.permissions])
            if role is CONTENT:
                _ensure_wagtail_permissions(group)
            groups[role.key] = group
    return groups


def grant(user, *keys: str) -> None:
    """Put `user` in the groups of the roles `keys`."""
    from django.contrib.auth.models import Group

    names = [BY_KEY[key].name for key in keys]
    groups = list(Group.objects.filter(name__in=names))
    if len(groups) != len(names):
        by_key = ensure_roles()
        groups = [by_key[key] for key in keys]
    user.groups.add(*groups)


def ensure_roles_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate receiver (connected in AccountsConfig.ready): the roles follow the code after every migrate."""
    if using == DEFAULT_DB_ALIAS:
        ensure_roles()
