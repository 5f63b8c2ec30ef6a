from django.urls import path

from . import dashboard_views

app_name = "outbox-dashboard"
urlpatterns = [
    path("", dashboard_views.OutboxView.as_view(), name="email-list"),
    path("<int:pk>/resend/", dashboard_views.ResendView.as_view(), name="email-resend"),
    path("resend-all/", dashboard_views.ResendAllView.as_view(), name="email-resend-all"),
]
