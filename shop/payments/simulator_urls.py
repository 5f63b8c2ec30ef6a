"""The payment simulators over HTTP, mounted under /_sim/ only when settings.KOBAI_PAYMENT_SIMULATORS is on (DEBUG or tests)."""

from django.urls import path

from . import simulator_views as views

app_name = "payments-sim"
urlpatterns = [
    # deferred-invoice partner: merchant API
    path("invoice/v1/buyers/screenings", views.invoice_screenings, name="invoice-screenings"),
    path("invoice/v1/transactions", views.invoice_transactions, name="invoice-transactions"),
    path("invoice/v1/transactions/<str:reference>", views.invoice_transaction, name="invoice-transaction"),
    path("invoice/v1/transactions/<str:reference>/fix", views.invoice_transaction_fix, name="invoice-fix"),
    path("invoice/v1/transactions/<str:reference>/cancel", views.invoice_transaction_cancel, name="invoice-cancel"),
    # deferred-invoice partner: operator console
    path("invoice/console/", views.invoice_console, name="invoice-console"),
    # card gateway
    path("card/v1/tokens", views.card_tokens, name="card-tokens"),
    path("card/v1/charges", views.card_charges, name="card-charges"),
    path("card/v1/charges/<str:reference>", views.card_charge, name="card-charge"),
    path("card/v1/charges/<str:reference>/void", views.card_charge_void, name="card-void"),
]
