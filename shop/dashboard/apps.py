import oscar.apps.dashboard.apps as apps


class DashboardConfig(apps.DashboardConfig):
    """Oscar's dashboard, forked so that `shop.dashboard.<sub-app>` modules override its classes."""

    name = "shop.dashboard"

    def ready(self):
        super().ready()
        from shop import db_lookups

        db_lookups.register()  # pk__in with a huge id matches nothing instead of crashing SQLite (issue 9)
