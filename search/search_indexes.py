"""What the product index holds (C3).

Full text (name, code, maker with its Japanese name and aliases, category,
licence kind, description) goes to `text`; exact values used to narrow,
facet and sort are FacetCharFields, which every haystack backend stores
verbatim. Prices are indexed tax-exclusive, as the shop shows them.
"""

from haystack import indexes
from oscar.core.loading import get_model

from shop.catalogue import selectors

from .analyzers import normalise

Product = get_model("catalogue", "Product")


class ProductIndex(indexes.SearchIndex, indexes.Indexable):
    text = indexes.CharField(document=True, use_template=True, template_name="search/indexes/product_text.txt")
    title = indexes.CharField(model_attr="title")  # large result sets rank title matches first
    code = indexes.FacetCharField(null=True)
    maker = indexes.FacetCharField(null=True)
    category = indexes.FacetCharField(null=True)
    name_sort = indexes.FacetCharField()
    price = indexes.IntegerField(null=True)
    date_updated = indexes.DateTimeField(model_attr="date_updated")

    def get_model(self):
        return Product

    def index_queryset(self, using=None):
        return self.read_queryset(using)

    def read_queryset(self, using=None):
        return (
            selectors.on_sale().select_related("maker", "product_class").prefetch_related("categories", "stockrecords")
        )

    def get_updated_field(self):
        return "date_updated"

    def prepare_code(self, obj):
        return normalise(obj.upc) if obj.upc else None

    def prepare_maker(self, obj):
        return obj.maker.slug if obj.maker_id else None

    def prepare_category(self, obj):
        categories = list(obj.categories.all())
        return categories[0].slug if categories else None

    def prepare_name_sort(self, obj):
        return normalise(obj.title)

    def prepare_price(self, obj):
        records = list(obj.stockrecords.all())
        return int(records[0].price) if records and records[0].price is not None else None
