from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "shop.quotes"
    label = "quotes"
    verbose_name = "見積"
