from django.urls import path

from . import views

app_name = "approvals"
urlpatterns = [
    path("", views.ApprovalListView.as_view(), name="approval-list"),
    path("<str:number>/", views.ApprovalDetailView.as_view(), name="approval-detail"),
    path("<str:number>/decide/", views.ApprovalDecideView.as_view(), name="approval-decide"),
]
