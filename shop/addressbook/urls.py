"""「アドレス帳」, mounted at /shop/mypage/addresses/ (M8)."""

from django.urls import path

from . import views

app_name = "addressbook"
urlpatterns = [
    path("", views.AddressListView.as_view(), name="list"),
    path("new/", views.AddressCreateView.as_view(), name="create"),
    path("from-company/", views.AddressFromCompanyView.as_view(), name="from-company"),
    path("<int:pk>/edit/", views.AddressUpdateView.as_view(), name="update"),
    path("<int:pk>/delete/", views.AddressDeleteView.as_view(), name="delete"),
    path("<int:pk>/default/", views.AddressSetDefaultView.as_view(), name="set-default"),
]
