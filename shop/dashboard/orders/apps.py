"""Oscar's order dashboard, forked so that staff handle orders only through our 受注管理 pages.

Oscar's own order pages would let staff change a status straight from the
pipeline, cancelling without releasing credit or voiding a card, and moving
orders out of 承認待ち without the buyer's approvers (M7). Its list and detail
URLs therefore lead to `order-dashboard:*` (shop/order/dashboard_views.py);
only the statistics page is Oscar's.
"""

import oscar.apps.dashboard.orders.apps as apps
from django.urls import path, reverse
from django.views.generic import RedirectView


class _ToOurs(RedirectView):
    target = ""

    def get_redirect_url(self, *args, **kwargs):
        url = reverse(self.target, kwargs=kwargs)
        query = self.request.META.get("QUERY_STRING", "")
        return f"{url}?{query}" if query and not kwargs else url


class OrdersDashboardConfig(apps.OrdersDashboardConfig):
    name = "shop.dashboard.orders"
    label = "orders_dashboard"

    def get_urls(self):
        urls = [
            path("", _ToOurs.as_view(target="order-dashboard:order-list"), name="order-list"),
            path("statistics/", self.order_stats_view.as_view(), name="order-stats"),
            path("<str:number>/", _ToOurs.as_view(target="order-dashboard:order-detail"), name="order-detail"),
        ]
        return self.post_process_urls(urls)
