"""Staff access matrix (S1, M11), generated from the URLconf.

Every named URL of the shop dashboard (`/shop/dashboard/`: our screens and
Oscar's) and of Django's admin (`/django-admin/`), and representative pages
of Wagtail's admin (`/cms-admin/`), are opened by each kind of user: a
superuser, one staff member per role (shop/accounts/roles.py), a staff member
with no role, an Oscar partner user, a buyer (all from sessions verified
with a TOTP device, so the second factor is not what stops them) and an
anonymous visitor.

- Allowed: the page answers 2xx/3xx, never towards a login or second-factor
  page (405 for a POST-only action).
- Refused: 403 in the shop dashboard; Django's and Wagtail's admins refuse
  the way they always do, by sending the user to their login page. A POST
  of a valid-looking form (the page's own form as the superuser sees it, or
  the real form of our B2B actions) changes no row: every table but the
  sessions is serialized before and after.
- Anonymous: sent to the area's login page, GET and POST.

Allowed requests run inside a savepoint that is rolled back, so every
request meets the same data. The superuser's POST of the same form (also
rolled back) shows which probes would have changed rows had the check been
missing; our B2B actions must be among them.

A dashboard URL name missing from EXPECTED fails
`test_every_staff_url_name_has_an_expectation`; Django's admin is one rule
(superusers only) for every name it has.
"""

# covers: S1, M11

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.core.loading import get_model
from oscar.test.factories import create_offer

from shop.accounts import roles
from shop.alerts.services import raise_alert
from shop.companies.models import Member, MembershipApplication
from shop.demo.users import DEMO_STAFF, DEMO_STAFF_PASSWORD, ensure_staff_users
from shop.inquiries import services as inquiries
from shop.notifications.models import OutboundEmail
from shop.order import cancellation
from shop.order import status as order_status
from shop.quotes import custom
from tests.factories import MemberFactory
from tests.functional.test_attachments import store
from tests.functional.test_membership_screening import _application
from tests.helpers import own_savepoint
from tests.order_factories import make_order

pytestmark = [
    pytest.mark.django_db,
    # Oscar's offer list paginates an unordered queryset, and its review admin form has a URLField without
    # assume_scheme: warnings in production, errors under our test settings
    pytest.mark.filterwarnings("ignore::django.core.paginator.UnorderedObjectListWarning"),
    pytest.mark.filterwarnings(
        "ignore:The default scheme will be changed:django.utils.deprecation.RemovedInDjango60Warning"
    ),
]

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
Category = get_model("catalogue", "Category")
AttributeOptionGroup = get_model("catalogue", "AttributeOptionGroup")
Option = get_model("catalogue", "Option")
ProductAlert = get_model("customer", "ProductAlert")
Partner = get_model("partner", "Partner")
Range = get_model("offer", "Range")
ProductReview = get_model("reviews", "ProductReview")
Voucher = get_model("voucher", "Voucher")
VoucherSet = get_model("voucher", "VoucherSet")
CommunicationEventType = get_model("communication", "CommunicationEventType")
WeightBased = get_model("shipping", "WeightBased")
WeightBand = get_model("shipping", "WeightBand")

# --- who ---------------------------------------------------------------------------------------------------

SUPERUSER, NO_ROLE, PARTNER, BUYER, ANONYMOUS = "superuser", "no-role", "partner", "buyer", "anonymous"
ROLE_KEYS = tuple(role.key for role in roles.ROLES)  # screening, orders, credit, catalogue, inquiries, content
SIGNED_IN = (SUPERUSER, *ROLE_KEYS, NO_ROLE, PARTNER, BUYER)
SHOP_ROLES = tuple(role.key for role in roles.ROLES if role.shop_dashboard)


def allowed(*keys: str) -> frozenset[str]:
    """The superuser and the roles `keys`."""
    assert set(keys) <= set(ROLE_KEYS), keys
    return frozenset({SUPERUSER, *keys})


SUPERUSER_ONLY = allowed()
SCREENING = allowed("screening")
ORDERS = allowed("orders")
CREDIT = allowed("credit")
CATALOGUE = allowed("catalogue")
INQUIRIES = allowed("inquiries")
ANY_SHOP_ROLE = allowed(*SHOP_ROLES)
CONTENT = allowed("content")

# --- what: every URL name of the shop dashboard, and who may open it ----------------------------------------

EXPECTED: dict[str, frozenset[str]] = {
    # our screens
    "membership-dashboard:application-list": SCREENING,
    "membership-dashboard:application-detail": SCREENING,
    "quote-dashboard:quote-list": ORDERS,
    "quote-dashboard:custom-quote-create": ORDERS,
    "quote-dashboard:quote-detail": ORDERS,
    "order-dashboard:order-list": ORDERS,
    "order-dashboard:order-detail": ORDERS,
    "attachments-dashboard:attachment-download": ORDERS,
    "credit-dashboard:company-list": CREDIT,
    "credit-dashboard:company-screen": CREDIT,
    "credit-dashboard:company-limit": CREDIT,
    "inquiries-dashboard:inquiry-list": INQUIRIES,
    "inquiries-dashboard:inquiry-detail": INQUIRIES,
    # staff alerts and the email outbox (issue 10): 受注管理
    "alerts-dashboard:alert-list": ORDERS,
    "alerts-dashboard:alert-resolve": ORDERS,
    "outbox-dashboard:email-list": ORDERS,
    "outbox-dashboard:email-resend": ORDERS,
    "outbox-dashboard:email-resend-all": ORDERS,
    # Oscar: the home page
    "dashboard:index": ANY_SHOP_ROLE,
    # Oscar: catalogue, stock alerts (商品・キャンペーン)
    **{
        f"dashboard:{name}": CATALOGUE
        for name in (
            "catalogue-product-list",
            "catalogue-product",
            "catalogue-product-create",
            "catalogue-product-create-child",
            "catalogue-product-delete",
            "catalogue-product-bulk-action",
            "catalogue-product-lookup",
            "stock-alert-list",
            "catalogue-category-list",
            "catalogue-category-detail-list",
            "catalogue-category-create",
            "catalogue-category-create-child",
            "catalogue-category-update",
            "catalogue-category-delete",
            "catalogue-class-list",
            "catalogue-class-create",
            "catalogue-class-update",
            "catalogue-class-delete",
            "catalogue-attribute-option-group-list",
            "catalogue-attribute-option-group-create",
            "catalogue-attribute-option-group-update",
            "catalogue-attribute-option-group-delete",
            "catalogue-option-list",
            "catalogue-option-create",
            "catalogue-option-update",
            "catalogue-option-delete",
        )
    },
    # Oscar: offers, ranges, vouchers (商品・キャンペーン, P3)
    **{
        f"dashboard:{name}": CATALOGUE
        for name in (
            "offer-list",
            "offer-metadata",
            "offer-condition",
            "offer-benefit",
            "offer-restrictions",
            "offer-delete",
            "offer-detail",
            "range-list",
            "range-create",
            "range-update",
            "range-delete",
            "range-products",
            "range-reorder",
            "voucher-list",
            "voucher-create",
            "voucher-update",
            "voucher-delete",
            "voucher-stats",
            "voucher-set-list",
            "voucher-set-create",
            "voucher-set-update",
            "voucher-set-detail",
            "voucher-set-download",
            "voucher-set-delete",
        )
    },
    # Oscar: orders (its list and detail lead to ours), statistics, reports (受注管理)
    "dashboard:order-list": ORDERS,
    "dashboard:order-detail": ORDERS,
    "dashboard:order-stats": ORDERS,
    "dashboard:reports-index": ORDERS,
    # Oscar: customers (会員審査); deleting a stock alert also wants accounts.delete_user, which no role holds
    "dashboard:users-index": SCREENING,
    "dashboard:user-detail": SCREENING,
    "dashboard:user-password-reset": SCREENING,
    "dashboard:user-alert-list": SCREENING,
    "dashboard:user-alert-update": SCREENING,
    "dashboard:user-alert-delete": SUPERUSER_ONLY,
    # Oscar: reviews are a hidden feature (OSCAR_HIDDEN_FEATURES): refused to everyone, superusers too
    **{f"dashboard:reviews-{view}": frozenset() for view in ("list", "update", "delete")},
    # Oscar: no role needs these (shop/dashboard/access.py says why)
    **{
        f"dashboard:{name}": SUPERUSER_ONLY
        for name in (
            "page-list",
            "page-create",
            "page-update",
            "page-delete",
            "comms-list",
            "comms-update",
            "shipping-method-list",
            "shipping-method-create",
            "shipping-method-detail",
            "shipping-method-edit",
            "shipping-method-delete",
            "shipping-method-band-edit",
            "shipping-method-band-delete",
            "partner-list",
            "partner-create",
            "partner-manage",
            "partner-delete",
            "partner-user-create",
            "partner-user-select",
            "partner-user-link",
            "partner-user-unlink",
            "partner-user-update",
        )
    },
}
EXEMPT = {
    "dashboard:login": "the staff login page: open to everyone by design",
    "dashboard:logout": "logging out: open to everyone by design (a POST would end the test's own session)",
    "admin:login": "Django admin's login page: open to everyone by design",
    "admin:logout": "logging out: open to everyone by design",
    "admin:": "Django admin's unnamed patterns: a redirect to the named change page, and the catch-all",
    "admin:javascript-catalog": "django-treebeard's JavaScript translation catalogue (static strings, no data): open",
}
# views that only take POST: an allowed GET answers 405 (the permission check came first)
POST_ONLY = {
    "credit-dashboard:company-screen",
    "credit-dashboard:company-limit",
    "alerts-dashboard:alert-resolve",
    "outbox-dashboard:email-resend",
    "outbox-dashboard:email-resend-all",
    "dashboard:range-reorder",
    "dashboard:user-password-reset",
    "dashboard:partner-user-link",
    "dashboard:partner-user-unlink",
}
# Wagtail's admin: representative pages (its own permission system is Wagtail's, tested there)
WAGTAIL_PAGES = (
    "wagtailadmin_home",
    "wagtailadmin_explore",
    "wagtailadmin_pages:edit",
    "wagtailadmin_pages:add_subpage",
    "wagtailimages:index",
    "wagtaildocs:index",
)

STAFF_PREFIXES = ("shop/dashboard/", "django-admin/")
DASHBOARD_LOGIN = "/shop/dashboard/login/"
ADMIN_LOGIN = "/django-admin/login/"
WAGTAIL_LOGIN = "/cms-admin/login/"
NOT_BUSINESS_ROWS = {"django_session"}  # the idle-timeout middleware (M10) touches the session on every request


# --- the URLconf --------------------------------------------------------------------------------------------


def _walk(resolver, prefix="", namespace=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p, prefix + str(p.pattern), namespace + (f"{p.namespace}:" if p.namespace else ""))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), namespace + (p.name or "")


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def staff_routes() -> dict[str, list[tuple[str, ...]]]:
    """URL name -> the parameter names of each of its patterns, for every URL under the staff prefixes."""
    names: dict[str, list[tuple[str, ...]]] = {}
    for route, name in _walk(get_resolver()):
        route = route.replace("^", "").replace("$", "")
        if route.startswith(STAFF_PREFIXES):
            params = tuple(a or b for a, b in _PARAM.findall(route))
            names.setdefault(name, []).append(params)
    return names


# --- the data each URL needs -------------------------------------------------------------------------------


@dataclass
class World:
    clients: dict[str, Client]
    users: dict[str, object]
    values: dict[str, dict[str, object]]  # URL name -> its URL parameters
    post_data: dict[str, dict]  # URL name -> the real form of our B2B actions
    must_change: set[str] = field(default_factory=set)  # URL names whose allowed POST must change rows


def _verified_client(user) -> Client:
    """A browser signed in as `user` from a session verified with a confirmed TOTP device (M11)."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _people(django_user_model):
    users = {
        SUPERUSER: django_user_model.objects.create_user(
            "matrix-root", "root@kobai.example", "pw", is_staff=True, is_superuser=True
        )
    }
    for role in roles.ROLES:
        user = django_user_model.objects.create_user(
            f"matrix-{role.key}", f"{role.key}@kobai.example", "pw", is_staff=role.shop_dashboard
        )
        roles.grant(user, role.key)
        users[role.key] = user
    users[NO_ROLE] = django_user_model.objects.create_user("matrix-staff", "staff@kobai.example", "pw", is_staff=True)
    # an Oscar partner user: not staff, linked to a partner, with Oscar's partner dashboard permission
    users[PARTNER] = django_user_model.objects.create_user("matrix-partner", "partner@kobai.example", "pw")
    users[PARTNER].user_permissions.add(
        Permission.objects.get(content_type__app_label="partner", codename="dashboard_access")
    )
    return users


@pytest.fixture
def world(django_user_model) -> World:
    users = _people(django_user_model)
    buyer = MemberFactory(role="admin", has_ordering_authority=True)
    users[BUYER] = buyer.user
    company = buyer.company
    clients = {key: _verified_client(user) for key, user in users.items()}
    for client in clients.values():
        client.get("/")  # a first visit opens the user's basket (Oscar): not a row any staff page may touch

    partner = Partner.objects.create(name="マトリクス商会")
    partner.users.add(users[PARTNER])
    product = Product.objects.get(upc="MS-M365BS-1Y")
    product_class = product.get_product_class()
    spare_class = ProductClass.objects.create(name="マトリクス用商品タイプ")
    spare = Product.objects.create(title="マトリクス用の商品", product_class=product_class, upc="MATRIX-SPARE-1")
    parent = Product.objects.create(
        title="マトリクス用の親商品", product_class=product_class, structure=Product.PARENT, upc="MATRIX-PARENT-1"
    )
    category = Category.add_root(name="マトリクス用カテゴリ")
    option_group = AttributeOptionGroup.objects.create(name="マトリクス用の選択肢")
    option = Option.objects.create(name="マトリクス用オプション")
    alert = ProductAlert.objects.create(user=buyer.user, product=product)
    flatpage = FlatPage.objects.create(url="/matrix/", title="マトリクス", content="本文")
    flatpage.sites.add(Site.objects.get_current())
    product_range = Range.objects.create(name="マトリクス用レンジ")
    offer = create_offer(name="マトリクス用キャンペーン")
    review = ProductReview.objects.create(product=product, title="良い", score=5, body="良い製品", user=buyer.user)
    voucher = Voucher.objects.create(
        name="マトリクス用クーポン",
        code="MATRIX10",
        start_datetime=timezone.now() - timedelta(days=1),
        end_datetime=timezone.now() + timedelta(days=10),
    )
    voucher.offers.add(create_offer(name="マトリクス用クーポン特典", offer_type="Voucher"))
    voucher_set = VoucherSet.objects.create(
        name="マトリクス用クーポン束",
        count=2,
        code_length=12,
        start_datetime=timezone.now() - timedelta(days=1),
        end_datetime=timezone.now() + timedelta(days=10),
    )
    event_type, _ = CommunicationEventType.objects.get_or_create(
        code="MATRIX", defaults={"name": "マトリクス", "category": CommunicationEventType.USER_RELATED}
    )
    method = WeightBased.objects.create(name="マトリクス配送", default_weight=Decimal("1"))
    band = WeightBand.objects.create(method=method, upper_limit=Decimal("10"), charge=Decimal("500"))

    application = _application(company_name="マトリクス商事株式会社")
    quote = custom.create_custom_quote(
        company=company,
        staff_user=users[SUPERUSER],
        lines=[custom.FreeTextLine(name="導入支援", unit_price=Decimal("10000"), quantity=1)],
        valid_until=timezone.now() + timedelta(days=14),
    )
    inquiry, _ = inquiries.open_inquiry(member=buyer, subject="納期について", body="納期を教えてください。")
    order = make_order(member=buyer, status=order_status.ACCEPTED)
    attachment = store(buyer)
    staff_alert = raise_alert(kind="matrix", title="マトリクス用の通知", body="", dedupe_key="matrix")
    dead_email = OutboundEmail.objects.create(
        template="matrix", to=["dead@example.jp"], subject="届かなかったメール", body="本文", status="dead", attempts=15
    )

    values = {
        "membership-dashboard:application-detail": {"pk": application.pk},
        "quote-dashboard:quote-detail": {"number": quote.number},
        "order-dashboard:order-detail": {"number": order.number},
        "attachments-dashboard:attachment-download": {"pk": attachment.pk},
        "credit-dashboard:company-screen": {"pk": company.pk},
        "credit-dashboard:company-limit": {"pk": company.pk},
        "inquiries-dashboard:inquiry-detail": {"number": inquiry.number},
        "alerts-dashboard:alert-resolve": {"pk": staff_alert.pk},
        "outbox-dashboard:email-resend": {"pk": dead_email.pk},
        "dashboard:catalogue-product": {"pk": product.pk},
        "dashboard:catalogue-product-create": {"product_class_slug": product_class.slug},
        "dashboard:catalogue-product-create-child": {"parent_pk": parent.pk},
        "dashboard:catalogue-product-delete": {"pk": spare.pk},
        "dashboard:catalogue-category-detail-list": {"pk": category.pk},
        "dashboard:catalogue-category-create-child": {"parent": category.pk},
        "dashboard:catalogue-category-update": {"pk": category.pk},
        "dashboard:catalogue-category-delete": {"pk": category.pk},
        "dashboard:catalogue-class-update": {"pk": spare_class.pk},
        "dashboard:catalogue-class-delete": {"pk": spare_class.pk},
        "dashboard:catalogue-attribute-option-group-update": {"pk": option_group.pk},
        "dashboard:catalogue-attribute-option-group-delete": {"pk": option_group.pk},
        "dashboard:catalogue-option-update": {"pk": option.pk},
        "dashboard:catalogue-option-delete": {"pk": option.pk},
        "dashboard:order-detail": {"number": order.number},
        "dashboard:user-detail": {"pk": buyer.user.pk},
        "dashboard:user-password-reset": {"pk": buyer.user.pk},
        "dashboard:user-alert-update": {"pk": alert.pk},
        "dashboard:user-alert-delete": {"pk": alert.pk},
        "dashboard:page-update": {"pk": flatpage.pk},
        "dashboard:page-delete": {"pk": flatpage.pk},
        "dashboard:partner-manage": {"pk": partner.pk},
        "dashboard:partner-delete": {"pk": partner.pk},
        "dashboard:partner-user-create": {"partner_pk": partner.pk},
        "dashboard:partner-user-select": {"partner_pk": partner.pk},
        "dashboard:partner-user-link": {"partner_pk": partner.pk, "user_pk": buyer.user.pk},
        "dashboard:partner-user-unlink": {"partner_pk": partner.pk, "user_pk": users[PARTNER].pk},
        "dashboard:partner-user-update": {"partner_pk": partner.pk, "user_pk": users[PARTNER].pk},
        **{
            f"dashboard:offer-{step}": {"pk": offer.pk}
            for step in ("metadata", "condition", "benefit", "restrictions", "delete", "detail")
        },
        **{f"dashboard:range-{view}": {"pk": product_range.pk} for view in ("update", "delete", "products", "reorder")},
        "dashboard:reviews-update": {"pk": review.pk},
        "dashboard:reviews-delete": {"pk": review.pk},
        **{f"dashboard:voucher-{view}": {"pk": voucher.pk} for view in ("update", "delete", "stats")},
        **{
            f"dashboard:voucher-set-{view}": {"pk": voucher_set.pk}
            for view in ("update", "detail", "download", "delete")
        },
        "dashboard:comms-update": {"slug": event_type.code},
        "dashboard:shipping-method-detail": {"pk": method.pk},
        "dashboard:shipping-method-edit": {"pk": method.pk},
        "dashboard:shipping-method-delete": {"pk": method.pk},
        "dashboard:shipping-method-band-edit": {"method_pk": method.pk, "pk": band.pk},
        "dashboard:shipping-method-band-delete": {"method_pk": method.pk, "pk": band.pk},
    }
    # our B2B actions with the forms staff really send; each of them changes rows when allowed
    post_data = {
        "membership-dashboard:application-detail": {"action": "approve"},
        "order-dashboard:order-detail": {"action": "cancel", "reason": "お客様のご依頼によりキャンセル"},
        "credit-dashboard:company-limit": {"credit_limit": "12345", "reason": "増枠の依頼"},
        "credit-dashboard:company-screen": {},
        "inquiries-dashboard:inquiry-detail": {"body": "来週お届けできます。"},
        "alerts-dashboard:alert-resolve": {"note": "確認済み"},
        "outbox-dashboard:email-resend": {},
        "outbox-dashboard:email-resend-all": {},
        "quote-dashboard:custom-quote-create": {
            "company": company.pk,
            "valid_until": (timezone.localdate() + timedelta(days=10)).isoformat(),
            "note": "",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000",
            "lines-0-code": "",
            "lines-0-name": "導入支援サービス",
            "lines-0-maker_name": "",
            "lines-0-quantity": "1",
            "lines-0-unit_price": "30000",
            "lines-0-note": "",
        },
    }
    return World(clients=clients, users=users, values=values, post_data=post_data, must_change=set(post_data))


# --- checking ----------------------------------------------------------------------------------------------


def snapshot() -> dict[str, str]:
    """Every table's rows, serialized and hashed (the sessions aside)."""
    out = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in NOT_BUSINESS_ROWS:
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(row) for row in cursor.fetchall())
            out[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return out


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(table for table in before.keys() | after.keys() if before.get(table) != after.get(table))


def harvest_form(html: bytes, path: str) -> dict:
    """The page's own POST form as a browser would send it unchanged (the first submit button pressed)."""
    page = BeautifulSoup(html, "html.parser")
    forms = [f for f in page.find_all("form") if (f.get("method") or "").lower() == "post"]
    own = [f for f in forms if (f.get("action") or "") in ("", ".", path)]
    form = (own or forms or [None])[0]
    if form is None:
        return {}
    data: dict[str, list[str]] = {}
    for element in form.find_all(["input", "select", "textarea"]):
        name = element.get("name")
        if not name:
            continue
        kind = (element.get("type") or "text").lower()
        if element.name == "select":
            chosen = element.find_all("option", selected=True) or element.find_all("option")[:1]
            values = [option.get("value", option.get_text()) for option in chosen]
        elif element.name == "textarea":
            values = [element.get_text()]
        elif kind in ("checkbox", "radio"):
            values = [element.get("value", "on")] if element.has_attr("checked") else []
        elif kind in ("submit", "button", "image", "reset", "file"):
            continue
        else:
            values = [element.get("value", "")]
        data.setdefault(name, []).extend(values)
    button = form.find(["button", "input"], attrs={"type": "submit", "name": True})
    if button is not None:
        data.setdefault(button["name"], []).append(button.get("value", ""))
    return data


def is_login(response, login_url: str) -> bool:
    return response.status_code == 302 and response["Location"].startswith(login_url)


def is_allowed(response, name: str, method: str) -> bool:
    if response.status_code == 405:  # past every permission check, the view does not take this method
        return method == "POST" or name in POST_ONLY
    if response.status_code in (301, 302, 303):
        return not response["Location"].startswith(("/two-factor/", DASHBOARD_LOGIN, ADMIN_LOGIN, WAGTAIL_LOGIN))
    return 200 <= response.status_code < 300


def rolled_back(request):
    """Run `request()` inside a savepoint that is rolled back; return (response, the tables it changed).

    The savepoint is the test's own (tests.helpers.own_savepoint), like the test case's transaction.
    """
    with own_savepoint():
        before = snapshot()
        response = request()
        after = snapshot()
        transaction.set_rollback(True)
    return response, changed_tables(before, after)


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    checks: int = 0
    effective_posts: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    def expect(self, ok: bool, message: str) -> None:
        self.checks += 1
        if not ok:
            self.problems.append(message)


def run_matrix(world: World, urls: dict[str, list[str]], expected, *, refused, login_url, allowed_posts=True) -> Report:
    """urls: name -> concrete paths. expected(name) -> who may; refused(response) for a signed-in user refused.

    allowed_posts: whether those allowed also POST (rolled back), to show the probes would change rows."""
    report = Report()
    baseline = snapshot()
    anonymous = Client()
    for name, paths in urls.items():
        report.names.add(name)
        may = expected(name)
        for path in paths:
            # the superuser's view of the page gives the form the others will post
            try:
                response, _ = rolled_back(lambda path=path: world.clients[SUPERUSER].get(path))
            except Exception as error:  # noqa: BLE001 (a crash is a finding for this URL, not the end of the matrix)
                report.expect(False, f"{name} {path}: superuser GET raised {error!r}")
                continue
            data = world.post_data.get(name)
            if data is None:
                html = response.status_code == 200 and "html" in response.get("Content-Type", "")
                data = harvest_form(response.content, path) if html and not response.streaming else {}
            for who in SIGNED_IN:
                client = world.clients[who]
                if who in may:
                    get, _ = rolled_back(lambda client=client, path=path: client.get(path))
                    report.expect(
                        is_allowed(get, name, "GET"), f"{name}: {who} GET → {get.status_code} {get.get('Location', '')}"
                    )
                    if allowed_posts and (who == SUPERUSER or name in world.post_data):
                        post, changed = rolled_back(lambda client=client, path=path, data=data: client.post(path, data))
                        report.expect(
                            is_allowed(post, name, "POST") or post.status_code in (400, 404),
                            f"{name}: {who} POST → {post.status_code} {post.get('Location', '')}",
                        )
                        if changed:
                            report.effective_posts.add(name)
                        elif name in world.must_change:
                            report.expect(False, f"{name}: {who}'s allowed POST changed nothing (is the probe valid?)")
                else:
                    get = client.get(path)
                    report.expect(refused(get), f"{name}: {who} GET → {get.status_code} {get.get('Location', '')}")
                    post = client.post(path, data)
                    report.expect(refused(post), f"{name}: {who} POST → {post.status_code} {post.get('Location', '')}")
            for method in (anonymous.get, anonymous.post):
                response = method(path)
                report.expect(is_login(response, login_url), f"{name}: anonymous → {response.status_code}")
            after = snapshot()
            changed = changed_tables(baseline, after)
            report.expect(not changed, f"{name}: refused requests changed rows of {changed}")
            baseline = after
    return report


def concrete_paths(world: World, routes: dict[str, list[tuple[str, ...]]], names) -> dict[str, list[str]]:
    paths = {}
    for name in sorted(names):
        values = world.values.get(name, {})
        paths[name] = [reverse(name, kwargs={param: values[param] for param in params}) for params in routes[name]]
    return paths


# --- the tests ---------------------------------------------------------------------------------------------


def test_every_staff_url_name_has_an_expectation():
    routes = staff_routes()
    dashboard = {name for name in routes if not name.startswith("admin:")}
    unlisted = dashboard - EXPECTED.keys() - EXEMPT.keys()
    assert not unlisted, f"dashboard URLs with no expectation (add them to EXPECTED and to an area): {unlisted}"
    gone = EXPECTED.keys() - dashboard
    assert not gone, f"expectations for URLs that no longer exist: {gone}"
    # Django's admin is one rule: everything in its namespace
    assert all(name.startswith("admin:") for name in routes if name not in dashboard)


def test_shop_dashboard_matrix(world):
    routes = staff_routes()
    names = [name for name in routes if name in EXPECTED]
    for name in names:
        for params in routes[name]:
            missing = set(params) - world.values.get(name, {}).keys()
            assert not missing, f"{name}: no value for {missing}"
    report = run_matrix(
        world,
        concrete_paths(world, routes, names),
        EXPECTED.__getitem__,
        refused=lambda response: response.status_code == 403,
        login_url=DASHBOARD_LOGIN,
    )
    assert not report.problems, "\n".join(report.problems)
    assert report.names == set(EXPECTED)
    # the probes would have caught a missing check: our B2B actions and Oscar's delete pages change rows when allowed
    # (Oscar's product-type delete page validates the product-type form on POST, so it never deletes anything)
    deletes = {name for name, who in EXPECTED.items() if name.endswith("-delete") and who}
    deletes.discard("dashboard:catalogue-class-delete")
    assert world.must_change | deletes <= report.effective_posts, sorted(
        (world.must_change | deletes) - report.effective_posts
    )
    print(
        f"\nshop dashboard: {len(report.names)} URL names × {len(SIGNED_IN) + 1} users, {report.checks} checks; "
        f"{len(report.effective_posts)} POST probes change rows when allowed"
    )


def admin_paths(world: World) -> dict[str, list[str]]:
    """Every named URL of Django's admin, with the first row of its model (or a missing id) for an object URL."""
    from django.apps import apps

    product = Product.objects.get(upc="MS-M365BS-1Y")
    special = {
        "app_list": {"app_label": "accounts"},
        "view_on_site": {"content_type_id": ContentType.objects.get_for_model(product).pk, "object_id": product.pk},
    }
    queries = {"autocomplete": "?app_label=address&model_name=useraddress&field_name=user&term=matrix"}
    paths: dict[str, list[str]] = {}
    for route, name in _walk(get_resolver()):
        if not route.startswith("django-admin/") or not name.startswith("admin:") or name in EXEMPT:
            continue
        params = [a or b for a, b in _PARAM.findall(route)]
        kwargs = dict(special.get(name.removeprefix("admin:"), {}))
        if set(params) - kwargs.keys():
            app_label, model_name = route.split("/")[1:3]
            model = apps.get_model(app_label, model_name)
            first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            kwargs.update({param: first or 1 for param in params if param not in kwargs})
        paths.setdefault(name, []).append(reverse(name, kwargs=kwargs) + queries.get(name.removeprefix("admin:"), ""))
    return paths


@pytest.mark.timeout(900)  # every admin page of every model for every role: the longest test of the suite
def test_django_admin_is_for_superusers_only(world):
    from django.contrib import admin
    from django.test import RequestFactory

    paths = admin_paths(world)
    assert len(paths) > 100  # every registered model's pages
    request = RequestFactory().get("/")
    request.user = world.users[SUPERUSER]
    read_only_adds = {  # models nobody adds by hand (logs, payments): their add page refuses superusers too
        f"admin:{model._meta.app_label}_{model._meta.model_name}_add"
        for model, model_admin in admin.site._registry.items()
        if not model_admin.has_add_permission(request)
    }
    report = run_matrix(
        world,
        paths,
        lambda name: frozenset() if name in read_only_adds else SUPERUSER_ONLY,
        # refused at the door (to its login page), or by a read-only model's add page (403, superusers too)
        refused=lambda response: is_login(response, ADMIN_LOGIN) or response.status_code == 403,
        login_url=ADMIN_LOGIN,
        allowed_posts=False,  # what a superuser may do there is Django's business (some of Oscar's admin forms crash)
    )
    assert not report.problems, "\n".join(report.problems[:80])
    print(f"\nDjango admin: {len(report.names)} URL names × {len(SIGNED_IN) + 1} users, {report.checks} checks")


def test_wagtail_admin_is_for_content_editors(world):
    from wagtail.models import Page

    home = Page.objects.filter(depth=2).first()
    world.values.update(
        {
            "wagtailadmin_explore": {"parent_page_id": home.pk},
            "wagtailadmin_pages:edit": {"page_id": home.pk},
            "wagtailadmin_pages:add_subpage": {"parent_page_id": home.pk},
        }
    )
    paths = {name: [reverse(name, kwargs=world.values.get(name, {}))] for name in WAGTAIL_PAGES}
    world.post_data["wagtailadmin_pages:edit"] = {"title": "書き換え", "slug": "rewritten", "action-publish": "1"}
    report = run_matrix(
        world,
        paths,
        lambda name: CONTENT,
        refused=lambda response: is_login(response, WAGTAIL_LOGIN),
        login_url=WAGTAIL_LOGIN,
    )
    assert not report.problems, "\n".join(report.problems)
    print(f"\nWagtail admin: {len(report.names)} pages × {len(SIGNED_IN) + 1} users, {report.checks} checks")


def test_the_menu_shows_each_role_its_own_areas_only(world):
    from django.conf import settings

    def entries(items):
        for item in items:
            yield from entries(item.get("children", []))
            if item.get("url_name"):
                yield item["url_name"]

    menu = {reverse(name): name for name in entries(settings.OSCAR_DASHBOARD_NAVIGATION)}
    for who in (SUPERUSER, *SHOP_ROLES):
        page = BeautifulSoup(world.clients[who].get(reverse("dashboard:index")).content, "html.parser")
        nav = page.select_one("nav.navbar-primary")
        shown = {a["href"] for a in nav.select("a[href]") if a["href"] in menu}
        wanted = {url for url, name in menu.items() if who in EXPECTED[name]}
        assert shown == wanted, (who, sorted(shown ^ wanted))
    # the roles differ: 受注管理 sees its menu, not 与信枠's
    orders_page = world.clients["orders"].get(reverse("dashboard:index")).content.decode()
    assert reverse("order-dashboard:order-list") in orders_page
    assert reverse("credit-dashboard:company-list") not in orders_page


def test_roles_are_groups_with_named_permissions_and_ensure_roles_is_idempotent():
    # `migrate` made them (post_migrate): this test's database has not called ensure_roles() yet
    made_by_migrate = Group.objects.filter(name__in=[r.name for r in roles.ROLES])
    assert made_by_migrate.count() == len(roles.ROLES)
    assert all(group.permissions.exists() for group in made_by_migrate)
    first = roles.ensure_roles()
    again = roles.ensure_roles()
    assert {key: group.pk for key, group in first.items()} == {key: group.pk for key, group in again.items()}
    assert set(Group.objects.filter(name__in=[r.name for r in roles.ROLES]).values_list("name", flat=True)) == {
        "会員審査",
        "受注管理",
        "与信管理",
        "商品・キャンペーン",
        "問い合わせ対応",
        "コンテンツ編集",
    }
    credit = Group.objects.get(name="与信管理")
    assert [f"{p.content_type.app_label}.{p.codename}" for p in credit.permissions.all()] == ["payments.manage_credit"]
    # a permission added by hand is taken away again: the roles are defined in code
    credit.permissions.add(Permission.objects.get(content_type__app_label="order", codename="manage_orders"))
    roles.ensure_roles()
    assert credit.permissions.count() == 1
    editors = Group.objects.get(name="コンテンツ編集")
    assert editors.page_permissions.filter(permission__codename="publish_page").exists()
    assert editors.collection_permissions.filter(permission__codename="add_image").exists()


def test_only_the_order_role_cancels_an_order_even_through_the_domain_function(world):
    # covers: O5, S1
    buyer = Member.objects.get(user=world.users[BUYER])
    order = make_order(member=buyer, status=order_status.ACCEPTED)
    for who in (NO_ROLE, "credit", PARTNER, BUYER):
        with pytest.raises(cancellation.CancelRefused):
            cancellation.cancel(order=order, by=world.users[who], reason="誤発注")
    order.refresh_from_db()
    assert order.status == order_status.ACCEPTED
    cancellation.cancel(order=order, by=world.users["orders"], reason="誤発注")
    order.refresh_from_db()
    assert order.status == order_status.CANCELLED


def test_the_demo_has_one_verified_staff_member_per_role():
    # covers: S2
    users = ensure_staff_users()
    assert [u.pk for u in ensure_staff_users()] == [u.pk for u in users]  # idempotent
    for (username, key, _family), user in zip(DEMO_STAFF, users, strict=True):
        assert user.username == username and user.check_password(DEMO_STAFF_PASSWORD)
        assert list(user.groups.values_list("name", flat=True)) == [roles.BY_KEY[key].name]
        assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
        assert not user.is_superuser and user.is_staff == roles.BY_KEY[key].shop_dashboard
    assert {key for _u, key, _f in DEMO_STAFF} == set(ROLE_KEYS)


def test_the_snapshot_sees_a_changed_row():
    """The probe itself: one changed field of one row shows as its table."""
    application = _application(company_name="プローブ株式会社")
    before = snapshot()
    MembershipApplication.objects.filter(pk=application.pk).update(rejection_reason="変更")
    assert changed_tables(before, snapshot()) == [MembershipApplication._meta.db_table]


def test_a_refused_staff_member_reads_why_in_japanese(world):
    response = world.clients["orders"].get(reverse("credit-dashboard:company-list"))
    assert response.status_code == 403
    text = response.content.decode()
    assert "このページを開く権限がありません。" in text and "与信" not in text
