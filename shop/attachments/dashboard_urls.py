from django.urls import path

from . import views

app_name = "attachments-dashboard"
urlpatterns = [
    path("<uuid:pk>/", views.StaffAttachmentDownloadView.as_view(), name="attachment-download"),
]
