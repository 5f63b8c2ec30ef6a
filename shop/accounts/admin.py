from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    # search_fields is required: Oscar's admins autocomplete on User.
    search_fields = ["username", "email", "first_name", "last_name"]


def _superusers_only(request) -> bool:
    """Django's admin edits rows directly, past every business rule (credit, approvals, numbering):
    only superusers enter it. Staff work in the shop dashboard, each in the area of their role."""
    user = request.user
    return user.is_active and user.is_staff and user.is_superuser


admin.site.has_permission = _superusers_only
