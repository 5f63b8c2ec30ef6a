from django.urls import path

from shop.order.views import QuoteOrderView

from . import document_views, views

app_name = "quotes"
urlpatterns = [
    path("", views.QuoteListView.as_view(), name="quote-list"),
    path("create/", views.QuoteCreateView.as_view(), name="quote-create"),
    path("<str:number>/order/", QuoteOrderView.as_view(), name="quote-order"),
    path("<str:number>/requote/", views.RequoteView.as_view(), name="quote-requote"),
    path("<str:number>/print/", document_views.QuotePrintView.as_view(), name="quote-print"),
    path("<str:number>/pdf/", document_views.QuotePdfView.as_view(), name="quote-pdf"),
    path("<str:number>/", views.QuoteDetailView.as_view(), name="quote-detail"),
]
