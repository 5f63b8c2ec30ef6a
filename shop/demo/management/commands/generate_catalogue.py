"""Generate a large catalogue on top of the demo one (for `make bench`).

    manage.py generate_catalogue --count 10000 [--index]

Products get the codes GEN-000001 … GEN-<count>. Every generated product is
derived deterministically from its number: a demo row of fixtures/products.csv
(same maker, category, licence kind, unit, flags) whose name gets an edition or
variant word appended, a description recombined from two demo rows, and a
varied price. Re-running with the same count creates nothing; a larger count
adds only the missing codes.

Rows are written with bulk_create (no save(), no post_save signal, so no
per-row search index work). The index is left alone unless --index is given.
"""

from __future__ import annotations

import random
import time
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from oscar.core.utils import slugify

from shop.demo.catalogue import (
    Product,
    ProductCategory,
    StockRecord,
    _flag,
    _int_or_none,
    ensure_categories,
    ensure_partner,
    ensure_product_classes,
    load_makers,
    read_products,
)

PREFIX = "GEN-"
BATCH_SIZE = 1000
SEED = 20260101

VARIANTS = [
    "エンタープライズ版",
    "スタンダード版",
    "プロフェッショナル版",
    "アカデミック",
    "ガバメント",
    "教育機関向け",
    "中小企業向け",
    "オープンライセンス",
    "ダウンロード版",
    "パッケージ版",
    "追加ライセンス",
    "乗り換え版",
    "更新版",
    "アップグレード版",
]
EDITIONS = [
    "5ユーザーパック",
    "10ユーザーパック",
    "25ユーザーパック",
    "50ユーザーパック",
    "100ユーザーパック",
    "2025年版",
    "2026年版",
    "2027年版",
    "3年保守付き",
    "初年度保守付き",
    "サーバー1台",
    "クライアント10台",
]
EXTRA_SENTENCES = [
    "本商品はベンチマーク用に生成された商品です。",
    "導入前のご相談や見積りは営業担当までお問い合わせください。",
    "ライセンス証書は電子メールでお届けします。",
    "数量によりボリュームディスカウントの対象になります。",
    "年間保守の更新時期はマイページで確認できます。",
]


def _sentences(text: str) -> list[str]:
    parts = [p.strip() for p in text.replace("。", "。\n").splitlines()]
    return [p for p in parts if p]


def build(number: int, rows: list[dict]) -> dict:
    """The generated product number `number` (1-based): a pure function of the number."""
    rng = random.Random(SEED + number)
    row = rows[(number - 1) % len(rows)]
    other = rng.choice([r for r in rows if r["category"] == row["category"]] or rows)
    code = f"{PREFIX}{number:06d}"
    # The k-th copy of a row gets the k-th (variant, edition) pair: titles stay unique
    # for len(VARIANTS) * len(EDITIONS) copies per row, without numbers that would
    # pollute searches for digits; beyond that a generation number is appended.
    k = (number - 1) // len(rows)
    a, b = divmod(k % (len(VARIANTS) * len(EDITIONS)), len(VARIANTS))
    variant = VARIANTS[b]
    edition = EDITIONS[(a + b) % len(EDITIONS)]
    cycle = k // (len(VARIANTS) * len(EDITIONS))
    title = f"{row['name'].strip()} {variant} {edition}" + (f" 第{cycle + 1}世代" if cycle else "")
    title = title[:255]
    own = _sentences(row["description"].strip())
    borrowed = _sentences(other["description"].strip())
    description = "".join(own[:2] + borrowed[-1:] + [rng.choice(EXTRA_SENTENCES)])
    base = Decimal(row["price"])
    factor = Decimal(rng.choice([50, 75, 90, 100, 110, 125, 150, 200, 300, 480])) / 100
    price = max(Decimal(100), (base * factor / 10).quantize(Decimal(1)) * 10)
    ref = _int_or_none(row["reference_price"])
    return {
        "code": code,
        "row": row,
        "title": title,
        "description": description,
        "price": price,
        "reference_price": (Decimal(ref) * factor).quantize(Decimal(1)) if ref else None,
    }


class Command(BaseCommand):
    help = "Add generated products (codes GEN-000001…) on top of the demo catalogue; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="number of generated products wanted")
        parser.add_argument("--index", action="store_true", help="update the search index afterwards")

    def handle(self, *args, count: int, index: bool = False, **options):
        if count < 0:
            raise CommandError("--count must be >= 0")
        started = time.perf_counter()
        rows = read_products()
        if not rows:
            raise CommandError("fixtures/products.csv has no rows")
        with transaction.atomic():
            partner = ensure_partner()
            classes = ensure_product_classes()
            categories = ensure_categories()
            makers = load_makers()

        existing = set(Product.objects.filter(upc__startswith=PREFIX).values_list("upc", flat=True))
        missing = [n for n in range(1, count + 1) if f"{PREFIX}{n:06d}" not in existing]
        created = 0
        for start in range(0, len(missing), BATCH_SIZE):
            specs = [build(n, rows) for n in missing[start : start + BATCH_SIZE]]
            with transaction.atomic():
                self._create_batch(specs, makers=makers, categories=categories, classes=classes, partner=partner)
            created += len(specs)
            if options.get("verbosity", 1) >= 2:
                self.stdout.write(f"  {created}/{len(missing)}")

        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"generated catalogue: {created} products created, {count - len(missing)} already there "
            f"({Product.objects.count()} products in total) in {elapsed:.1f}s"
        )
        if index:
            started = time.perf_counter()
            call_command("update_index", "catalogue", batchsize=500, workers=0, verbosity=0)
            self.stdout.write(f"search index updated in {time.perf_counter() - started:.1f}s")

    @staticmethod
    def _create_batch(specs, *, makers, categories, classes, partner) -> None:
        products = []
        for spec in specs:
            row = spec["row"]
            kind = row["licence_kind"].strip()
            products.append(
                Product(
                    upc=spec["code"],
                    title=spec["title"],
                    slug=slugify(spec["title"])[:200] or spec["code"].lower(),
                    description=spec["description"],
                    structure=Product.STANDALONE,
                    is_public=True,
                    product_class=classes["hardware" if kind == "hardware" else "software"],
                    maker=makers[row["maker"].strip()],
                    licence_kind=kind,
                    term_months=_int_or_none(row["term_months"]),
                    unit=row["unit"].strip(),
                    reference_price=spec["reference_price"],
                    requires_pre_application=_flag(row["pre_application"]),
                    resale_restricted=_flag(row["resale_restricted"]),
                    ships_physically=_flag(row["physical"]),
                )
            )
        Product.objects.bulk_create(products, batch_size=BATCH_SIZE)
        # bulk_create sets pks on PostgreSQL/SQLite, not on every backend: read them back.
        ids = dict(Product.objects.filter(upc__in=[s["code"] for s in specs]).values_list("upc", "id"))
        ProductCategory.objects.bulk_create(
            [
                ProductCategory(product_id=ids[s["code"]], category=categories[s["row"]["category"].strip()])
                for s in specs
            ],
            batch_size=BATCH_SIZE,
        )
        StockRecord.objects.bulk_create(
            [
                StockRecord(
                    product_id=ids[s["code"]],
                    partner=partner,
                    partner_sku=s["code"],
                    price=s["price"],
                    price_currency="JPY",
                )
                for s in specs
            ],
            batch_size=BATCH_SIZE,
        )
