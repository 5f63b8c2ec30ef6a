"""Index updates follow commits and never break a save (C3)."""

from decimal import Decimal

import pytest
from django.db import transaction
from haystack import connections
from oscar.core.loading import get_model

from search.queries import search_products
from shop.demo.catalogue import ensure_partner, ensure_product_classes

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


def _new_product(code, title):
    product = Product.objects.create(
        upc=code, title=title, product_class=ensure_product_classes()["software"], is_public=True
    )
    StockRecord.objects.create(product=product, partner=ensure_partner(), partner_sku=code, price=Decimal("1234"))
    return product


def _indexed_ids():
    backend = connections["default"].get_backend()
    return {int(r.pk) for r in backend.search("*:*", end_offset=100000)["results"]}


def test_saved_product_is_searchable_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        product = _new_product("ZZ-KOUBAI-001", "テスト用ゾウガメ管理ソフト 年間ライセンス")
        assert product.pk not in {p.pk for p in search_products(query="ゾウガメ").products}
    assert len(callbacks) == 1  # one batch per transaction, not one write per row
    try:
        assert [p.pk for p in search_products(query="ゾウガメ").products] == [product.pk]
    finally:
        connections["default"].get_backend().remove(f"catalogue.product.{product.pk}")


def test_rolled_back_save_is_never_indexed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                product = _new_product("ZZ-KOUBAI-002", "テスト用カモノハシ分析ツール")
                raise RuntimeError("rollback")
    assert callbacks == []
    assert not Product.objects.filter(pk=product.pk).exists()
    assert product.pk not in _indexed_ids()
    assert search_products(query="カモノハシ").total == 0


def test_deleted_product_leaves_the_index(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        product = _new_product("ZZ-KOUBAI-003", "テスト用ハリネズミ監視サービス")
    assert search_products(query="ハリネズミ").total == 1
    with django_capture_on_commit_callbacks(execute=True):
        product.delete()
    assert search_products(query="ハリネズミ").total == 0


def test_save_succeeds_while_another_process_holds_the_index_lock(django_capture_on_commit_callbacks):
    backend = connections["default"].get_backend()
    backend.setup()
    lock = backend.index.storage.lock("WRITELOCK")
    assert lock.acquire(blocking=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            product = _new_product("ZZ-KOUBAI-004", "テスト用アルパカ勤怠クラウド")
            product.title = "テスト用アルパカ勤怠クラウド 改"
            product.save()
        assert Product.objects.get(pk=product.pk).title.endswith("改")
    finally:
        lock.release()
    # the buffered update lands once the lock is free; `update_index` repairs it otherwise
    from django.core.management import call_command

    call_command("update_index", "catalogue", verbosity=0)
    assert [p.pk for p in search_products(query="アルパカ").products] == [product.pk]
    backend.remove(f"catalogue.product.{product.pk}")
