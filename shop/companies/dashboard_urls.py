from django.urls import path

from . import dashboard_views

app_name = "membership-dashboard"
urlpatterns = [
    path("", dashboard_views.ApplicationListView.as_view(), name="application-list"),
    path("<int:pk>/", dashboard_views.ApplicationDetailView.as_view(), name="application-detail"),
]
