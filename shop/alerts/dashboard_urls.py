from django.urls import path

from . import dashboard_views

app_name = "alerts-dashboard"
urlpatterns = [
    path("", dashboard_views.AlertListView.as_view(), name="alert-list"),
    path("<int:pk>/resolve/", dashboard_views.AlertResolveView.as_view(), name="alert-resolve"),
]
