from django.urls import path

from . import dashboard_views

app_name = "order-dashboard"
urlpatterns = [
    path("", dashboard_views.OrderListView.as_view(), name="order-list"),
    path("<str:number>/", dashboard_views.OrderDetailView.as_view(), name="order-detail"),
]
