from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    # search_fields is required: Oscar's admins autocomplete on User.
    search_fields = ["username", "email", "first_name", "last_name"]
