from django.contrib import admin
from oscar.apps.catalogue.admin import *  # noqa: F403
from oscar.core.loading import get_model

Maker = get_model("catalogue", "Maker")


@admin.register(Maker)
class MakerAdmin(admin.ModelAdmin):
    list_display = ["name", "name_ja", "slug", "aliases"]
    search_fields = ["name", "name_ja", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
