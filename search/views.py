"""The search results page behind the header search box (C3)."""

from __future__ import annotations

from django.conf import settings
from django.views.generic import TemplateView

from .queries import SORTS, search_products


class ProductSearchView(TemplateView):
    template_name = "search/results.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET
        try:
            page = max(1, int(params.get("page", "1")))
        except ValueError:
            page = 1
        sort = params.get("sort", "relevance")
        if sort not in SORTS:
            sort = "relevance"
        result = search_products(
            query=params.get("q", ""),
            maker=params.get("maker", ""),
            category=params.get("category", ""),
            sort=sort,
            page=page,
            per_page=settings.OSCAR_PRODUCTS_PER_PAGE,
        )
        ctx.update(
            result=result,
            products=result.products,
            selected_maker=params.get("maker", ""),
            selected_category=params.get("category", ""),
            sort=sort,
            sort_choices=[(key, label) for key, (label, _) in SORTS.items()],
        )
        return ctx
