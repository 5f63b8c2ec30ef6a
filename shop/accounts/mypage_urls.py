"""「マイページ」 account settings (M4), included at /shop/mypage/."""

from django.urls import path

from . import mypage_views as views

app_name = "mypage"
urlpatterns = [
    path("", views.MyPageIndexView.as_view(), name="index"),
    path("login-id/", views.ChangeLoginIdView.as_view(), name="change-login-id"),
    path("password/", views.ChangePasswordView.as_view(), name="change-password"),
    path("email/", views.ChangeEmailView.as_view(), name="change-email"),
    path("email/confirm/<str:token>/", views.ConfirmEmailView.as_view(), name="confirm-email"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
]
