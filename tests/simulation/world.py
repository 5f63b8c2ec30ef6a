"""The simulated world: buyer companies with members and approval routes, credit lines, products, offers.

Companies are screened by the invoice partner's simulator through the shop's
own screening service (a ¥3,000,000 line each), except one whose name makes
the partner reject it (it pays by card). Routes come in the three kinds the
shop knows: 承認不要, 一次承認, 一次+二次. Staff configure two campaigns (site
offers with a start and an end) and a handful of single-use coupons, the way
the dashboard saves them (Oscar's offer and voucher models).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from oscar.core.loading import get_model

from shop.accounts import roles
from shop.addressbook.services import create_from_company
from shop.companies.models import Company, Member
from shop.payments import screening

Product = get_model("catalogue", "Product")
Range = get_model("offer", "Range")
Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Voucher = get_model("voucher", "Voucher")

JST = ZoneInfo("Asia/Tokyo")

# how a company behaves during the year
STEADY = "steady"  # a ¥3,000,000 line, about ¥1,000,000 of invoice orders a month, pays every invoice
REVIEW = "review"  # the partner reviews every one of its invoice orders by hand (「要審査」 in its name)
CARD_ONLY = "card-only"  # the partner rejected it at screening: no credit line, it pays by card
SLOW_PAYER = "slow-payer"  # pays its invoices two months late: its line runs out now and then
REGULAR = "regular"

ROUTES = (Member.Route.NONE, Member.Route.ONE, Member.Route.TWO)


@dataclass
class Buyer:
    """One buyer company and the people who act for it."""

    index: int
    company: Company
    profile: str
    route: str
    admin: Member  # 管理者 with ordering authority (route 承認不要)
    orderers: list[Member]  # members who order: the admin and, by route, one without authority
    approvers: list[Member]
    pay_day: int  # day of the month it pays the partner's invoices
    delivery_address: str
    steady_days: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        return self.company.name


@dataclass
class Coupon:
    voucher: object
    released: datetime  # when staff publish it (its start)


@dataclass
class World:
    buyers: list[Buyer]
    staff: object  # 受注管理 + 与信管理
    products: list
    campaigns: list = field(default_factory=list)
    coupons: list[Coupon] = field(default_factory=list)

    @property
    def steady(self) -> Buyer:
        return next(b for b in self.buyers if b.profile == STEADY)


def _user(username: str, family: str, given: str):
    User = get_user_model()
    return User.objects.create_user(
        username, f"{username.lower()}@sim-buyers.example.jp", "sim-buyer-pass", last_name=family, first_name=given
    )


def _member(company: Company, username: str, family: str, given: str, **fields) -> Member:
    return Member.objects.create(user=_user(username, family, given), company=company, **fields)


def _profile(index: int) -> tuple[str, str]:
    """(profile, company name) of the index-th company."""
    special = {
        0: (STEADY, "株式会社定期発注商会"),
        1: (REVIEW, "要審査テクノロジー株式会社"),
        2: (CARD_ONLY, "否決サンプル株式会社"),
        3: (SLOW_PAYER, "のんびり物産株式会社"),
    }
    return special.get(index, (REGULAR, f"シミュレーション商事{index:02d}株式会社"))


def _buyer(index: int, rng: random.Random) -> Buyer:
    profile, name = _profile(index)
    # the review company orders without approval: its large orders reach staff while the partner reviews them
    route = Member.Route.NONE if profile in (STEADY, CARD_ONLY, REVIEW) else ROUTES[index % 3]
    company = Company.objects.create(
        name=name,
        postcode=f"1{index:02d}-00{index % 10}{index % 7}",
        address=f"東京都千代田区丸の内{index + 1}-{index % 5 + 1}-1",
        representative_name=f"代表 {index:02d}郎",
    )
    prefix = f"K9{index:02d}"
    admin = _member(
        company,
        f"{prefix}001",
        "管理",
        f"{index:02d}",
        role=Member.Role.ADMIN,
        has_ordering_authority=True,
        department="情報システム部",
    )
    approvers, orderers = [], [admin]
    if route == Member.Route.NONE and profile in (REGULAR, REVIEW):
        orderers.append(_member(company, f"{prefix}002", "担当", f"{index:02d}", department="総務部"))
    elif route in (Member.Route.ONE, Member.Route.TWO):
        first = _member(company, f"{prefix}002", "一次", f"{index:02d}", department="情報システム部")
        approvers.append(first)
        second = None
        if route == Member.Route.TWO:
            second = _member(company, f"{prefix}003", "二次", f"{index:02d}", department="管理本部")
            approvers.append(second)
        orderers.append(
            _member(
                company,
                f"{prefix}004",
                "依頼",
                f"{index:02d}",
                department="営業部",
                approval_route=route,
                first_approver=first,
                second_approver=second,
            )
        )
    screening.screen(company=company)  # the partner's simulator grants the line (or refuses 「否決」)
    address, _ = create_from_company(member=admin)
    company.refresh_from_db()
    steady_days = (5, 20) if profile == STEADY else ()
    pay_day = 12 if profile == STEADY else rng.randint(8, 25)
    return Buyer(
        index=index,
        company=company,
        profile=profile,
        route=route,
        admin=admin,
        orderers=orderers,
        approvers=approvers,
        pay_day=pay_day,
        delivery_address="\n".join(address.label_lines),
        steady_days=steady_days,
    )


def _staff():
    """One staff member with the order and credit roles (受注管理, 与信管理)."""
    User = get_user_model()
    staff = User.objects.create_user(
        "sim-staff", "sim-staff@kobai.example", "sim-staff-pass", is_staff=True, last_name="運用", first_name="担当"
    )
    roles.grant(staff, "orders", "credit")
    return User.objects.get(pk=staff.pk)  # fresh permission cache


def _products() -> list:
    """What the buyers order: standalone products with a price that need no pre-application and may be resold."""
    products = list(
        Product.objects.filter(
            structure="standalone", requires_pre_application=False, resale_restricted=False, sale_ends_at__isnull=True
        )
        .select_related("maker")
        .prefetch_related("stockrecords")
        .order_by("upc")
    )
    priced = [p for p in products if p.stockrecords.all() and p.stockrecords.all()[0].price]
    assert len(priced) >= 20, "the demo catalogue is missing"
    return priced


def _everything() -> object:
    return Range.objects.create(name="シミュレーション: 全商品", slug="sim-all-products", includes_all_products=True)


def _percent_offer(*, name: str, percent: int, offer_type: str, products_range, start=None, end=None):
    return ConditionalOffer.objects.create(
        name=name,
        offer_type=offer_type,
        benefit=Benefit.objects.create(range=products_range, type=Benefit.PERCENTAGE, value=percent),
        condition=Condition.objects.create(range=products_range, type=Condition.COUNT, value=1),
        start_datetime=start,
        end_datetime=end,
    )


def _campaigns(year: int, everything) -> list:
    """Two site campaigns: spring (10 %) and autumn (5 %), each with a start and an end."""
    return [
        _percent_offer(
            name="春の新生活キャンペーン 10%オフ",
            percent=10,
            offer_type=ConditionalOffer.SITE,
            products_range=everything,
            start=datetime(year, 3, 15, 0, 0, tzinfo=JST),
            end=datetime(year, 4, 14, 23, 59, tzinfo=JST),
        ),
        _percent_offer(
            name="秋のセキュリティ強化キャンペーン 5%オフ",
            percent=5,
            offer_type=ConditionalOffer.SITE,
            products_range=everything,
            start=datetime(year, 10, 1, 0, 0, tzinfo=JST),
            end=datetime(year, 10, 31, 23, 59, tzinfo=JST),
        ),
    ]


COUPON_RELEASES = ((2, 9), (5, 18), (7, 13), (9, 8), (12, 7))  # (month, day), outside the campaigns


def _coupons(year: int, everything) -> list[Coupon]:
    """Single-use coupons (one order may use each), published on a business morning, valid for a month."""
    coupons = []
    for number, (month, day) in enumerate(COUPON_RELEASES, start=1):
        released = datetime(year, month, day, 9, 0, tzinfo=JST)
        offer = _percent_offer(
            name=f"先着1社限定クーポン 第{number}弾 20%オフ",
            percent=20,
            offer_type=ConditionalOffer.VOUCHER,
            products_range=everything,
        )
        voucher = Voucher.objects.create(
            name=f"先着1社限定クーポン 第{number}弾",
            code=f"SIMONCE{number}",
            usage=Voucher.SINGLE_USE,
            start_datetime=released,
            end_datetime=released + timedelta(days=30),
        )
        voucher.offers.add(offer)
        coupons.append(Coupon(voucher=voucher, released=released))
    return coupons


COMPANIES = 22


def build(*, rng: random.Random, year: int) -> World:
    """Make the world at the start of the simulated year (call inside the first day's frozen clock)."""
    buyers = [_buyer(index, rng) for index in range(COMPANIES)]
    everything = _everything()
    return World(
        buyers=buyers,
        staff=_staff(),
        products=_products(),
        campaigns=_campaigns(year, everything),
        coupons=_coupons(year, everything),
    )


def price_of(product) -> Decimal:
    return product.stockrecords.all()[0].price
