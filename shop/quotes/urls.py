from django.urls import path

from . import views

app_name = "quotes"
urlpatterns = [
    path("", views.QuoteListView.as_view(), name="quote-list"),
    path("create/", views.QuoteCreateView.as_view(), name="quote-create"),
    path("<str:number>/", views.QuoteDetailView.as_view(), name="quote-detail"),
]
