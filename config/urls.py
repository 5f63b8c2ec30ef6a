from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from shop.accounts.views import password_reset
from shop.checkout.saved_basket import SavedView
from shop.twofactor import urls as twofactor_urls

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("cms-admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("two-factor/", include(twofactor_urls)),
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
    path("shop/dashboard/alerts/", include("shop.alerts.dashboard_urls")),
    path("shop/dashboard/outbox/", include("shop.notifications.dashboard_urls")),
    # Oscar's customer pages, URL by URL: our login, redirects to マイページ etc., or 404 (before Oscar's own)
    path("shop/accounts/", include("shop.accounts.oscar_customer_urls")),
    path("shop/basket/saved/", SavedView.as_view()),  # Oscar's path and name; refuses foreign line ids
    path("shop/password-reset/", password_reset),  # Oscar's, rate-limited (M4): before Oscar's own
    path("shop/", include(apps.get_app_config("oscar").urls[0])),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# the payment partners' simulators (P2): development (DEBUG) and the test suite only, never in production
if settings.KOBAI_PAYMENT_SIMULATORS and (settings.DEBUG or settings.KOBAI_SIMULATORS_WITHOUT_DEBUG):
    urlpatterns += [path("_sim/", include("shop.payments.simulator_urls"))]

# Wagtail's catch-all page serving must come last.
urlpatterns += [path("", include(wagtail_urls))]
