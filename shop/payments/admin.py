from django.contrib import admin

from .models import Payment, WebhookEvent


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["order_number", "method", "status", "amount", "reference", "card_brand", "card_last4", "updated_at"]
    list_filter = ["method", "status"]
    search_fields = ["order_number", "reference"]
    readonly_fields = [field.name for field in Payment._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "reference", "state", "received_at", "processed_at"]
    search_fields = ["event_id", "reference"]
    readonly_fields = [field.name for field in WebhookEvent._meta.fields]

    def has_add_permission(self, request):
        return False
