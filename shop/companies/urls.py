from django.urls import path

from . import activation_views, views

app_name = "membership"
urlpatterns = [
    path("apply/", views.MembershipApplyView.as_view(), name="apply"),
    path("apply/done/", views.MembershipApplyDoneView.as_view(), name="apply-done"),
    path("first-password/<uidb64>/<token>/", activation_views.FirstPasswordView.as_view(), name="first-password"),
]
