"""Oscar's checkout, forked to replace its steps with one B2B checkout page (O3).

Oscar's multi-step checkout (shipping address, shipping method, payment
method, preview) would place orders around our rules (payment method per
member, credit line, approval routes). Only `checkout:index` is served,
and it is our `CheckoutView`; the other step URLs do not exist.
"""

import oscar.apps.checkout.apps as apps
from django.urls import path


class CheckoutConfig(apps.CheckoutConfig):
    name = "shop.checkout"

    def get_urls(self):
        from .views import CheckoutView

        return self.post_process_urls([path("", CheckoutView.as_view(), name="index")])
