from django.urls import path

from . import views

app_name = "twofactor"
urlpatterns = [
    path("enrol/", views.DeviceEnrolView.as_view(), name="enrol"),
    path("verify/", views.SessionVerifyView.as_view(), name="verify"),
]
