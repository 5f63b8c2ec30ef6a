from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    # label "payments" (plural): Oscar's own app is "payment"
    name = "shop.payments"
    label = "payments"
    verbose_name = "決済"
