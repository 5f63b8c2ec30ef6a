from django.urls import path

from .models import IssuedDocument
from .views import OrderDocumentDownloadView

app_name = "billing"
urlpatterns = [
    path(
        "<str:number>/delivery-note.pdf",
        OrderDocumentDownloadView.as_view(kind=IssuedDocument.Kind.DELIVERY_NOTE),
        name="delivery-note",
    ),
    path(
        "<str:number>/invoice.pdf",
        OrderDocumentDownloadView.as_view(kind=IssuedDocument.Kind.INVOICE),
        name="invoice",
    ),
]
