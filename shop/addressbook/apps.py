from django.apps import AppConfig


class AddressBookConfig(AppConfig):
    name = "shop.addressbook"
    label = "addressbook"
    verbose_name = "アドレス帳"
