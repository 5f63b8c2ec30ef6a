from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "shop.inquiries"
    label = "inquiries"
    verbose_name = "問い合わせ"
