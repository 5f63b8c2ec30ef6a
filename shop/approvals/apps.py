from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "shop.approvals"
    label = "approvals"
    verbose_name = "承認"
