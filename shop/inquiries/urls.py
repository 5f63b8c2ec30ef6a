from django.urls import path

from . import views

app_name = "inquiries"
urlpatterns = [
    path("", views.InquiryListView.as_view(), name="inquiry-list"),
    path("new/", views.InquiryCreateView.as_view(), name="inquiry-create"),
    path("contact/", views.VisitorInquiryView.as_view(), name="visitor-inquiry"),
    path("<str:number>/", views.InquiryDetailView.as_view(), name="inquiry-detail"),
]
