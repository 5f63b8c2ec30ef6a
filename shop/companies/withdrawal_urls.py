from django.urls import path

from . import withdrawal_views

app_name = "withdrawal"
urlpatterns = [
    path("", withdrawal_views.WithdrawView.as_view(), name="withdraw"),
    path("history.csv", withdrawal_views.HistoryExportView.as_view(), name="export"),
    path("done/", withdrawal_views.withdrawn, name="done"),
]
