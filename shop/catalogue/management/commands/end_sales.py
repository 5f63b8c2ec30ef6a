"""Take products whose end of sale has come out of the search index (run hourly from cron)."""

from django.core.management.base import BaseCommand

from search.indexing import reindex_products
from shop.catalogue.lifecycle import ended_product_ids


class Command(BaseCommand):
    help = "Remove products past their end of sale from the search index."

    def handle(self, *args, **options):
        ids = ended_product_ids()
        if ids:
            reindex_products.call(product_ids=ids)
        self.stdout.write(f"{len(ids)} ended product(s) checked")
