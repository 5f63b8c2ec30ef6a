from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from shop.accounts.views import BuyerLoginView
from shop.twofactor import urls as twofactor_urls


def feature_not_offered(request, *args, **kwargs):
    raise Http404


urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("cms-admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("two-factor/", include(twofactor_urls)),
    path("shop/accounts/login/", BuyerLoginView.as_view(), name="buyer-login"),  # before Oscar's own
    path("shop/membership/", include("shop.companies.urls")),
    path("shop/mypage/", include("shop.accounts.mypage_urls")),
    path("shop/company/", include("shop.companies.admin_urls")),
    path("shop/withdrawal/", include("shop.companies.withdrawal_urls")),
    path("shop/mypage/addresses/", include("shop.addressbook.urls")),
    path("shop/mypage/favourites/", include("shop.favourites.urls")),
    path("shop/quotes/", include("shop.quotes.urls")),
    path("shop/inquiries/", include("shop.inquiries.urls")),
    path("shop/orders/", include("shop.billing.urls")),  # an order's qualified documents (P5)
    path("shop/orders/", include("shop.order.urls")),
    path("shop/approvals/", include("shop.approvals.urls")),
    path("shop/attachments/", include("shop.attachments.urls")),
    path("shop/dashboard/applications/", include("shop.companies.dashboard_urls")),
    path("shop/dashboard/quotes/", include("shop.quotes.dashboard_urls")),
    path("shop/dashboard/inquiries/", include("shop.inquiries.dashboard_urls")),
    path("shop/dashboard/credit/", include("shop.payments.dashboard_urls")),
    path("shop/payments/", include("shop.payments.urls")),
    path("shop/dashboard/attachments/", include("shop.attachments.dashboard_urls")),
    path("shop/dashboard/b2b-orders/", include("shop.order.dashboard_urls")),
    # Oscar's open self-registration is replaced by the company application (M1)
    path("shop/accounts/register/", RedirectView.as_view(pattern_name="membership:apply"), name="register-redirect"),
    # Oscar's wishlists are not part of this shop (お気に入り replaces them): gone for everyone
    re_path(r"^shop/accounts/wishlists/", feature_not_offered),
    path("shop/", include(apps.get_app_config("oscar").urls[0])),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

if settings.KOBAI_PAYMENT_SIMULATORS:  # the payment partners' simulators (P2), never in production
    urlpatterns += [path("_sim/", include("shop.payments.simulator_urls"))]

# Wagtail's catch-all page serving must come last.
urlpatterns += [path("", include(wagtail_urls))]
