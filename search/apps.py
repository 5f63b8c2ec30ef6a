import oscar.apps.search.apps as apps
from django.urls import path
from oscar.core.loading import get_class


class SearchConfig(apps.SearchConfig):
    name = "search"

    def ready(self):
        self.search_view = get_class("search.views", "ProductSearchView")

    def get_urls(self):
        return self.post_process_urls([path("", self.search_view.as_view(), name="search")])
