from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("", views.OrderListView.as_view(), name="order-list"),
    path("<str:number>/", views.OrderDetailView.as_view(), name="order-detail"),
    path("<str:number>/reorder/", views.ReorderView.as_view(), name="order-reorder"),
    path("<str:number>/withdraw/", views.WithdrawView.as_view(), name="order-withdraw"),
]
