"""Template context for the site chrome shared by Wagtail and Oscar pages (W4)."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject
from oscar.core.loading import get_model


def _top_categories():
    Category = get_model("catalogue", "Category")
    return list(Category.get_root_nodes().filter(is_public=True).only("id", "name", "slug", "path", "depth"))


def site_chrome(request):
    return {
        "shop_name": settings.SHOP_NAME,
        "shop_issuer_name": settings.SHOP_ISSUER_NAME,
        "shop_issuer_postcode": settings.SHOP_ISSUER_POSTCODE,
        "shop_issuer_address": settings.SHOP_ISSUER_ADDRESS,
        "shop_registration_number": settings.SHOP_ISSUER_REGISTRATION_NUMBER,
        "shop_contact_email": settings.SHOP_CONTACT_EMAIL,
        "nav_categories": SimpleLazyObject(_top_categories),
        "header_query": request.GET.get("q", "") if request.path.startswith("/shop/search") else "",
    }
