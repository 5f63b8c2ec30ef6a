from django.urls import path

from . import webhooks

app_name = "payments"
urlpatterns = [
    path("webhooks/invoice/", webhooks.invoice_webhook, name="invoice-webhook"),
]
