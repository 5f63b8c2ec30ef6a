from django.contrib import admin

from .models import Inquiry, InquiryMessage


class InquiryMessageInline(admin.TabularInline):
    model = InquiryMessage
    extra = 0
    fields = ["created_at", "author", "from_staff", "body"]
    readonly_fields = ["created_at"]


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display = ["number", "company", "subject", "status", "created_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["number", "subject", "company__name"]
    raw_id_fields = ["company", "created_by", "product"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [InquiryMessageInline]
