"""Load the demo catalogue from fixtures/ (S2, catalogue part).

Idempotent: makers key on their slug, categories on their slug, products on
their product code (商品コード); running it again updates rows in place.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from oscar.core.loading import get_model

Category = get_model("catalogue", "Category")
Maker = get_model("catalogue", "Maker")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")

FIXTURES = Path(settings.BASE_DIR) / "fixtures"

CATEGORIES = [
    ("security", "セキュリティ", "ウイルス対策、ランサムウェア対策、ファイアウォールなど、社内の情報資産を守る製品。"),
    ("productivity", "業務効率化", "オフィスソフト、電子契約、経費精算など、日々の業務を速く確実にする製品。"),
    (
        "communication",
        "オンラインコミュニケーション",
        "Web会議、ビジネスチャット、ファイル共有など、離れた場所とつなぐ製品。",
    ),
    (
        "infrastructure",
        "基盤インフラ",
        "サーバー、ネットワーク機器、バックアップ、仮想化など、システムの土台になる製品。",
    ),
]
PRODUCT_CLASSES = [
    ("software", "ソフトウェア・サービス", False),
    ("hardware", "ハードウェア", True),
]


@dataclass
class LoadResult:
    makers: int
    categories: int
    products: int


def _flag(value: str) -> bool:
    return (value or "").strip() in ("1", "true", "True", "yes")


def _int_or_none(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value else None


def ensure_partner() -> Partner:
    partner, _ = Partner.objects.get_or_create(code="kobai", defaults={"name": settings.SHOP_NAME})
    return partner


def ensure_product_classes() -> dict[str, ProductClass]:
    classes = {}
    for slug, name, shipping in PRODUCT_CLASSES:
        pc, _ = ProductClass.objects.update_or_create(
            slug=slug, defaults={"name": name, "requires_shipping": shipping, "track_stock": False}
        )
        classes[slug] = pc
    return classes


def ensure_categories() -> dict[str, Category]:
    found = {c.slug: c for c in Category.get_root_nodes()}
    for slug, name, description in CATEGORIES:
        if slug in found:
            category = found[slug]
            if category.name != name or category.description != description:
                category.name, category.description = name, description
                category.save()
        else:
            found[slug] = Category.add_root(name=name, slug=slug, description=description, is_public=True)
    return found


def load_makers(path: Path | None = None) -> dict[str, Maker]:
    makers = {}
    with open(path or FIXTURES / "makers.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            maker, _ = Maker.objects.update_or_create(
                slug=row["slug"].strip(),
                defaults={
                    "name": row["name"].strip(),
                    "name_ja": row["name_ja"].strip(),
                    "aliases": row["aliases"].strip(),
                },
            )
            makers[maker.slug] = maker
    return makers


def read_products(path: Path | None = None) -> list[dict]:
    with open(path or FIXTURES / "products.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def upsert_product(row: dict, *, makers, categories, classes, partner) -> Product:
    kind = row["licence_kind"].strip()
    code = row["code"].strip().upper()
    product = Product.objects.filter(upc=code).first() or Product(upc=code)
    product.title = row["name"].strip()
    product.description = row["description"].strip()
    product.maker = makers[row["maker"].strip()]
    product.licence_kind = kind
    product.term_months = _int_or_none(row["term_months"])
    product.unit = row["unit"].strip()
    product.reference_price = _int_or_none(row["reference_price"])
    product.requires_pre_application = _flag(row["pre_application"])
    product.resale_restricted = _flag(row["resale_restricted"])
    product.ships_physically = _flag(row["physical"])
    product.product_class = classes["hardware" if kind == "hardware" else "software"]
    product.structure = Product.STANDALONE
    product.is_public = True
    product.save()
    category = categories[row["category"].strip()]
    ProductCategory.objects.filter(product=product).exclude(category=category).delete()
    ProductCategory.objects.get_or_create(product=product, category=category)
    StockRecord.objects.update_or_create(
        product=product,
        partner=partner,
        defaults={"partner_sku": code, "price": Decimal(row["price"]), "price_currency": "JPY"},
    )
    return product


@transaction.atomic
def load_catalogue() -> LoadResult:
    partner = ensure_partner()
    classes = ensure_product_classes()
    categories = ensure_categories()
    makers = load_makers()
    rows = read_products()
    for row in rows:
        upsert_product(row, makers=makers, categories=categories, classes=classes, partner=partner)
    return LoadResult(makers=len(makers), categories=len(categories), products=len(rows))
