import oscar.apps.dashboard.apps as apps


class DashboardConfig(apps.DashboardConfig):
    """Oscar's dashboard, forked so that `shop.dashboard.<sub-app>` modules override its classes."""

    name = "shop.dashboard"
