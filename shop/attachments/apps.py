from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "shop.attachments"
    label = "attachments"
    verbose_name = "申請書類"
