from django.urls import path

from . import dashboard_views

app_name = "inquiries-dashboard"
urlpatterns = [
    path("", dashboard_views.InquiryListView.as_view(), name="inquiry-list"),
    path("<str:number>/", dashboard_views.InquiryDetailView.as_view(), name="inquiry-detail"),
]
