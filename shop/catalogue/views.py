"""Catalogue pages (C1, C2): product list, category list, product detail."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView
from oscar.apps.catalogue.views import ProductDetailView as OscarProductDetailView
from oscar.core.loading import get_model

from . import selectors

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")


class _ProductListView(ListView):
    context_object_name = "products"
    template_name = "oscar/catalogue/browse.html"

    def get_paginate_by(self, queryset):
        return settings.OSCAR_PRODUCTS_PER_PAGE

    def base_products(self):
        return selectors.on_sale()

    def get_queryset(self):
        products = self.base_products()
        self.maker_choices = selectors.maker_counts(products)
        self.maker = self.request.GET.get("maker", "")
        if self.maker:
            products = products.filter(maker__slug=self.maker)
        self.sort = self.request.GET.get("sort", selectors.DEFAULT_SORT)
        if self.sort not in selectors.SORT_CHOICES:
            self.sort = selectors.DEFAULT_SORT
        return selectors.for_listing(selectors.sorted_products(products, self.sort))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["maker_choices"] = self.maker_choices
        ctx["selected_maker"] = self.maker
        ctx["sort"] = self.sort
        ctx["sort_choices"] = [(k, label) for k, (label, _) in selectors.SORT_CHOICES.items()]
        return ctx


class CatalogueView(_ProductListView):
    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["summary"] = _("All products")
        return ctx


class ProductCategoryView(_ProductListView):
    template_name = "oscar/catalogue/category.html"

    def get(self, request, *args, **kwargs):
        self.category = get_object_or_404(Category, pk=kwargs["pk"])
        if not (self.category.is_public or request.user.is_staff):
            raise Http404
        expected = self.category.get_absolute_url()
        if request.path != expected:
            return HttpResponsePermanentRedirect(expected)
        return super().get(request, *args, **kwargs)

    def base_products(self):
        # a subquery, not a join + DISTINCT over whole product rows (measured 2x faster)
        in_tree = ProductCategory.objects.filter(category__in=self.category.get_descendants_and_self())
        return selectors.on_sale().filter(pk__in=in_tree.values("product_id"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["category"] = self.category
        ctx["summary"] = self.category.name
        return ctx


class ProductDetailView(OscarProductDetailView):
    queryset = Product.objects.select_related("maker", "product_class", "parent").prefetch_related(
        "stockrecords", "categories", "images"
    )
    template_name = "oscar/catalogue/detail.html"

    def get_template_names(self):
        return [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["is_favourite"] = user.is_authenticated and user.favourites.filter(product=self.object).exists()
        return ctx
