from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "shop.alerts"
    label = "alerts"
    verbose_name = _("Staff alerts")

    def ready(self):
        from shop.notifications import signals

        from . import receivers

        signals.email_dead.connect(receivers.alert_on_dead_email, dispatch_uid="alerts.email_dead")
        signals.email_resent.connect(receivers.resolve_on_resend, dispatch_uid="alerts.email_resent")
