from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "shop.quotes"
    label = "quotes"
    verbose_name = "見積"

    def ready(self):
        from oscar.apps.basket.signals import voucher_addition

        from . import discounts

        # a coupon held by a valid quote cannot go into another basket (shop.quotes.discounts)
        voucher_addition.connect(discounts.refuse_held_voucher, dispatch_uid="quotes-refuse-held-voucher")
