from django.urls import path

from . import views

app_name = "favourites"
urlpatterns = [
    path("", views.FavouriteListView.as_view(), name="list"),
    path("add/<int:product_pk>/", views.FavouriteAddView.as_view(), name="add"),
    path("remove/<int:product_pk>/", views.FavouriteRemoveView.as_view(), name="remove"),
]
