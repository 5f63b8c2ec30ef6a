from django.urls import path

from . import dashboard_views

app_name = "quote-dashboard"
urlpatterns = [
    path("", dashboard_views.QuoteListView.as_view(), name="quote-list"),
    path("create/", dashboard_views.CustomQuoteCreateView.as_view(), name="custom-quote-create"),
    path("<str:number>/", dashboard_views.QuoteDetailView.as_view(), name="quote-detail"),
]
