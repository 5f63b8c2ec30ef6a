from django.urls import path

from . import dashboard_views

app_name = "credit-dashboard"
urlpatterns = [
    path("", dashboard_views.CreditListView.as_view(), name="company-list"),
    path("<int:pk>/screen/", dashboard_views.CreditScreenView.as_view(), name="company-screen"),
    path("<int:pk>/limit/", dashboard_views.CreditLimitView.as_view(), name="company-limit"),
]
