from django.urls import path

from . import views

app_name = "inquiries"
urlpatterns = [
    path("", views.InquiryListView.as_view(), name="inquiry-list"),
    path("new/", views.InquiryCreateView.as_view(), name="inquiry-create"),
    path("<str:number>/", views.InquiryDetailView.as_view(), name="inquiry-detail"),
]
