from django.urls import path

from . import admin_views

app_name = "company"
urlpatterns = [
    path("members/", admin_views.MemberListView.as_view(), name="member-list"),
    path("members/new/", admin_views.MemberInviteView.as_view(), name="member-invite"),
    path("members/<int:pk>/", admin_views.MemberUpdateView.as_view(), name="member-update"),
    path("members/<int:pk>/deactivate/", admin_views.MemberDeactivateView.as_view(), name="member-deactivate"),
    path("two-factor/", admin_views.TwoFactorPolicyView.as_view(), name="two-factor-policy"),
    path("address/", admin_views.CompanyAddressView.as_view(), name="address"),
]
