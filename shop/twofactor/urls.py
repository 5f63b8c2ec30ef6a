from django.urls import path

from . import views

app_name = "twofactor"
urlpatterns = [
    path("setup/", views.EnrolStartView.as_view(), name="enrol-start"),
    path("setup/<str:token>/", views.EnrolLinkView.as_view(), name="enrol-link"),
    path("enrol/", views.DeviceEnrolView.as_view(), name="enrol"),
    path("verify/", views.SessionVerifyView.as_view(), name="verify"),
    path("devices/", views.DeviceListView.as_view(), name="devices"),
    path("devices/<int:pk>/remove/", views.DeviceRemoveView.as_view(), name="device-remove"),
    path("backup-codes/", views.BackupCodesIssueView.as_view(), name="backup-codes"),
]
