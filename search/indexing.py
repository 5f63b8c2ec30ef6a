"""Keeping the product index in step with the database, without hurting saves.

Haystack's default processor writes the index inside `save()`. With Whoosh that
blocks while another process holds the writer lock, and a save that is later
rolled back stays indexed. Here a save or delete only notes the product id;
after the transaction commits, the ids are handed to a background task
(django-tasks: run at once by the default immediate backend, on a worker with a
queue backend). A rolled-back transaction hands over nothing. A failing index
update is logged and never reaches the request; `manage.py update_index`
repairs anything missed.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import signals
from django_tasks import task
from haystack import signals as haystack_signals
from haystack.exceptions import NotHandled

logger = logging.getLogger(__name__)


def _product_id(instance) -> int | None:
    """The product a changed row belongs to (products and their stock records)."""
    label = instance._meta.label_lower
    if label == "catalogue.product":
        return instance.pk
    if label in ("partner.stockrecord", "catalogue.productcategory"):
        return instance.product_id
    return None


class QueuedSignalProcessor(haystack_signals.BaseSignalProcessor):
    def setup(self):
        signals.post_save.connect(self.handle_save)
        signals.post_delete.connect(self.handle_delete)

    def teardown(self):
        signals.post_save.disconnect(self.handle_save)
        signals.post_delete.disconnect(self.handle_delete)

    def handle_save(self, sender, instance, **kwargs):
        self._note(instance)

    def handle_delete(self, sender, instance, **kwargs):
        self._note(instance)

    def _note(self, instance) -> None:
        pk = _product_id(instance)
        if pk is None:
            return
        connection = transaction.get_connection()
        batch = getattr(connection, "_search_index_batch", None)
        # A new batch unless the current one is still waiting for this commit:
        # a flushed one has run, one whose callback is gone was rolled back.
        if batch is None or batch.flushed or not any(entry[1] == batch.flush for entry in connection.run_on_commit):
            batch = connection._search_index_batch = _Batch()
            batch.ids.add(pk)
            transaction.on_commit(batch.flush)  # outside a transaction this runs at once
            return
        batch.ids.add(pk)


class _Batch:
    """Product ids changed in one transaction; flushed once it commits."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.flushed = False

    def flush(self) -> None:
        self.flushed = True
        if self.ids:
            reindex_products.enqueue(product_ids=sorted(self.ids))


@task()
def reindex_products(*, product_ids: list[int]) -> int:
    """Update (or remove) these products in the search index. Returns the count indexed."""
    from haystack import connections
    from oscar.core.loading import get_model

    Product = get_model("catalogue", "Product")
    try:
        index = connections["default"].get_unified_index().get_index(Product)
    except NotHandled:
        return 0
    backend = connections["default"].get_backend()
    live = list(index.index_queryset().filter(pk__in=product_ids))
    gone = set(product_ids) - {p.pk for p in live}
    try:
        if live:
            backend.update(index, live)
        for pk in gone:
            backend.remove(f"catalogue.product.{pk}")
    except Exception:  # the index must never break a save; update_index repairs it
        logger.exception("search index update failed for products %s", product_ids)
        raise
    return len(live)
