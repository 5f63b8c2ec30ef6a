from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "shop.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from .roles import ensure_roles_after_migrate

        # once per migrate (and after a test database flush): the staff roles' groups follow shop/accounts/roles.py
        post_migrate.connect(ensure_roles_after_migrate, sender=self, dispatch_uid="kobai-staff-roles")
