from django.contrib import admin

from .models import TwoFactorEvent


@admin.register(TwoFactorEvent)
class TwoFactorEventAdmin(admin.ModelAdmin):
    """The audit trail of enrolments, removals and refused codes: read only."""

    list_display = ("created_at", "user", "kind", "device_name", "ip_address")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__email")
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
