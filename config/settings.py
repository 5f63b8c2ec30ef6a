"""Kobai settings: one module, read from the environment (django-environ).

Defaults are the embedded set-up: SQLite file, Whoosh directory, console email.
Every production concern (PostgreSQL, Solr/Elasticsearch, Redis, a real ESP)
is reached by environment variables alone; see `.env.example`.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy
from oscar.defaults import *  # noqa: F401,F403  (must come first: everything below overrides it)

from shop.order import status as order_status

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Fail closed: DEBUG is off unless DJANGO_DEBUG says otherwise (`make run` and `make setup` export
# DJANGO_DEBUG=1), and without DEBUG the process refuses to start on a missing or weak secret key.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
# Old keys still accepted for signatures (sessions, password-reset links) while a new key is rolled out.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
_KNOWN_INSECURE_KEYS = {"dev-only-insecure-key-change-me", "change-me"}


def _weak_secret_key(key: str) -> bool:
    """The rules of Django's own deploy check (security.W009), plus the defaults this project once shipped."""
    return key in _KNOWN_INSECURE_KEYS or key.startswith("django-insecure") or len(key) < 50 or len(set(key)) < 5


if not SECRET_KEY and DEBUG:
    # development only: a key generated once per checkout and kept in var/ (gitignored)
    from django.core.management.utils import get_random_secret_key

    _dev_key_file = BASE_DIR / "var" / "dev-secret-key"
    _dev_key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(_dev_key_file, "x", encoding="ascii") as _key_out:  # exclusive: two processes agree on one key
            _dev_key_file.chmod(0o600)
            _key_out.write(get_random_secret_key())
    except FileExistsError:
        pass
    SECRET_KEY = _dev_key_file.read_text(encoding="ascii").strip()
if not DEBUG and (_weak_secret_key(SECRET_KEY) or any(_weak_secret_key(key) for key in SECRET_KEY_FALLBACKS)):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is missing or insecure (it must be at least 50 random characters and not a "
        "published default; the same rule applies to DJANGO_SECRET_KEY_FALLBACKS). Generate one with "
        "`python -c 'from django.core.management.utils import get_random_secret_key as k; print(k())'` "
        "and set it in the environment. For local development, set DJANGO_DEBUG=1 instead (`make run` does)."
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- HTTPS and browser security: safe defaults whenever DEBUG is off, each one overridable ---
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# Behind a TLS-terminating proxy: the header it sets, e.g. HTTP_X_FORWARDED_PROTO (value "https"),
# or "HTTP_X_FORWARDED_PROTO,https". Only set it when the proxy always sets (or strips) that header.
_proxy_ssl_header = env.list("DJANGO_SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = (
    (_proxy_ssl_header[0], _proxy_ssl_header[1] if len(_proxy_ssl_header) > 1 else "https")
    if _proxy_ssl_header
    else None
)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = env.bool("DJANGO_SESSION_COOKIE_HTTPONLY", default=True)
# Off by default: Oscar's dashboard JavaScript reads the csrftoken cookie for its AJAX requests.
CSRF_COOKIE_HTTPONLY = env.bool("DJANGO_CSRF_COOKIE_HTTPONLY", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = env.bool("DJANGO_SECURE_CONTENT_TYPE_NOSNIFF", default=True)
SECURE_REFERRER_POLICY = env("DJANGO_SECURE_REFERRER_POLICY", default="same-origin")
X_FRAME_OPTIONS = env("DJANGO_X_FRAME_OPTIONS", default="DENY")  # Wagtail's preview sets SAMEORIGIN itself

# --- shop identity (issuer details live in settings, not code: W2, Q2, P5) ---
SHOP_NAME = env("KOBAI_SHOP_NAME", default="Kobai")
SHOP_ISSUER_NAME = env("KOBAI_ISSUER_NAME", default="株式会社コウバイ")
SHOP_ISSUER_POSTCODE = env("KOBAI_ISSUER_POSTCODE", default="100-0005")
SHOP_ISSUER_ADDRESS = env("KOBAI_ISSUER_ADDRESS", default="東京都千代田区丸の内1-1-1")
SHOP_ISSUER_PHONE = env("KOBAI_ISSUER_PHONE", default="03-0000-0000")
# 適格請求書発行事業者登録番号: "T" + 13 digits
SHOP_ISSUER_REGISTRATION_NUMBER = env("KOBAI_REGISTRATION_NUMBER", default="T1234567890123")
# A TrueType Japanese font for PDF documents (Debian: fonts-ipaexfont-gothic); without one,
# documents fall back to reportlab's built-in HeiseiKakuGo-W5 (not embedded).
KOBAI_PDF_FONT = env(
    "KOBAI_PDF_FONT",
    default=next(
        (
            path
            for path in (
                "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
                "/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf",
                "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
            )
            if Path(path).is_file()
        ),
        "",
    ),
)
SHOP_CONTACT_EMAIL = env("KOBAI_CONTACT_EMAIL", default="support@kobai.example")
OSCAR_SHOP_NAME = SHOP_NAME
OSCAR_SHOP_TAGLINE = "法人向けIT製品・ソフトウェアライセンス"
OSCAR_FROM_EMAIL = env("KOBAI_FROM_EMAIL", default="Kobai <noreply@kobai.example>")
DEFAULT_FROM_EMAIL = OSCAR_FROM_EMAIL
WAGTAIL_SITE_NAME = SHOP_NAME
WAGTAILADMIN_BASE_URL = env("KOBAI_BASE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    # haystack must precede wagtail.search: both ship an `update_index` command.
    "haystack",
    # project apps
    "shop.accounts",
    "shop.twofactor",
    "shop.demo",
    "shop.billing",
    "shop.companies",
    "shop.notifications",
    "shop.alerts",  # staff alerts (issue 10); its templates also draw the dashboard menu's count badges
    "shop.addressbook",
    "shop.favourites",
    "shop.quotes",
    "shop.inquiries",
    "shop.attachments",
    "shop.approvals",
    "shop.payments",
    "cms",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.humanize",
    # Oscar (forks under shop/ and search/)
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "shop.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "shop.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "shop.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "shop.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "shop.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "shop.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
    # two-factor, email
    "axes",
    "django_ratelimit",  # its system check guards the rate limits' cache (I1, M1, M4)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "anymail",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "shop.input_guard.RefuseNulMiddleware",  # NUL in the URL or a form field: 400 (PostgreSQL refuses NUL)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shop.middleware.JapaneseFirstLocaleMiddleware",  # Japanese unless English was chosen
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shop.accounts.middleware.IdleTimeoutMiddleware",  # M10
    "django_otp.middleware.OTPMiddleware",  # after auth, or it silently does nothing
    "shop.twofactor.middleware.StaffTwoFactorMiddleware",  # M11: staff areas need a verified device
    "shop.dashboard.access.DashboardAccessMiddleware",  # S1: each dashboard area needs its role's permission
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",  # after auth
    "shop.middleware.EndedProductsBasketMiddleware",  # C5: after the basket is known
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    "axes.middleware.AxesMiddleware",  # M12: login throttling (last, as django-axes asks)
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # site/ is a plain folder (never a package: `site` is a stdlib module)
        "DIRS": [BASE_DIR / "site" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
                "shop.context_processors.site_chrome",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # M12: refuses locked-out credentials first
    "django.contrib.auth.backends.ModelBackend",  # お客様ID (username)
    "oscar.apps.customer.auth_backends.EmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "customer:login"

# --- sessions (M10) and login throttling (M12) ---
KOBAI_SESSION_IDLE_SECONDS = env.int("KOBAI_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = env.int("KOBAI_SESSION_MAX_SECONDS", default=12 * 60 * 60)
AXES_FAILURE_LIMIT = env.int("KOBAI_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("KOBAI_LOGIN_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # a flood from one address locks only that address
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "shop.accounts.views.locked_out"
AXES_VERBOSE = False
# The client's address (shop/accounts/client_ip.py), for axes and the rate limits alike: REMOTE_ADDR, unless
# reverse proxies are declared; then the entry KOBAI_TRUSTED_PROXY_COUNT places from the right of their header.
AXES_CLIENT_IP_CALLABLE = "shop.accounts.client_ip.client_ip"
AXES_USERNAME_CALLABLE = "shop.input_guard.axes_username"  # cut to axes' 255-character columns (PostgreSQL: 500)
KOBAI_TRUSTED_PROXY_COUNT = env.int("KOBAI_TRUSTED_PROXY_COUNT", default=0)
KOBAI_CLIENT_IP_HEADER = env("KOBAI_CLIENT_IP_HEADER", default="HTTP_X_FORWARDED_FOR")
KOBAI_TRUSTED_PROXY_IPS = env.list("KOBAI_TRUSTED_PROXY_IPS", default=[])  # optional: the proxies' own addresses

# --- rate limits on the public forms that send email (I1, M1, M4; django-ratelimit) ---
RATELIMIT_ENABLE = env.bool("KOBAI_RATELIMIT_ENABLE", default=True)
KOBAI_RATELIMIT_PER_ADDRESS = env("KOBAI_RATELIMIT_PER_ADDRESS", default="5/10m")  # submissions per client address
KOBAI_RATELIMIT_PER_EMAIL = env("KOBAI_RATELIMIT_PER_EMAIL", default="3/h")  # submissions per email address
RATELIMIT_IP_META_KEY = AXES_CLIENT_IP_CALLABLE
RATELIMIT_USE_CACHE = "ratelimit"
# The counters must be shared by every process serving the site: the default is CACHE_URL (Redis in production).
_ratelimit_cache_url = env("RATELIMIT_CACHE_URL", default="") or env("CACHE_URL", default="")
CACHES["ratelimit"] = (
    env.cache_url_config(_ratelimit_cache_url)
    if _ratelimit_cache_url and not _ratelimit_cache_url.startswith("locmemcache:")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kobai-ratelimit"}
)
_ratelimit_backend = CACHES["ratelimit"]["BACKEND"]
SILENCED_SYSTEM_CHECKS = []
if _ratelimit_backend == "django.core.cache.backends.locmem.LocMemCache":
    # locmem is shared by the threads of one process only: right for the embedded single-process set-up
    # (runserver, tests); a deployment with several workers sets CACHE_URL or RATELIMIT_CACHE_URL to Redis.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]
elif _ratelimit_backend == "django.core.cache.backends.redis.RedisCache":
    # Django's own Redis backend increments atomically (INCRBY); django-ratelimit lists only django-redis.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.W001"]
LOGIN_REDIRECT_URL = "/"

# --- language, time, money ---
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
OSCAR_DEFAULT_CURRENCY = "JPY"
OSCAR_CURRENCY_FORMAT = {"JPY": {"format": "¥#,##0", "currency_digits": False}}

STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "site" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Private files (申請書類, O3) live outside MEDIA_ROOT and have no public URL: a view streams them after
# checking the company. On several nodes, KOBAI_PRIVATE_STORAGE names a shared private store as JSON, e.g.
# {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "kobai-private", "default_acl": "private"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": env.json("KOBAI_PRIVATE_STORAGE")
    if env("KOBAI_PRIVATE_STORAGE", default="")
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env("KOBAI_PRIVATE_ROOT", default="") or str(BASE_DIR / "var" / "private")},
    },
}
# Uploads (O3): the size limit of one file, and how many files one checkout takes
KOBAI_UPLOAD_MAX_BYTES = env.int("KOBAI_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
KOBAI_UPLOAD_MAX_FILES = env.int("KOBAI_UPLOAD_MAX_FILES", default=10)

SITE_ID = 1

# --- email: every message goes through the outbox (E1), then to the delivery backend:
# console by default, any anymail ESP in production (KOBAI_EMAIL_DELIVERY_BACKEND + ANYMAIL) ---
EMAIL_BACKEND = "shop.notifications.backends.OutboxBackend"
KOBAI_EMAIL_DELIVERY_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
KOBAI_EMAIL_SUBJECT_PREFIX = env("KOBAI_EMAIL_SUBJECT_PREFIX", default="")
# Issue 10: the worker (`manage.py run_worker`, started by `make run`) sends the outbox, never the request.
# True sends each message right after its transaction commits, in the request (the test suite does).
KOBAI_EMAIL_DELIVER_ON_COMMIT = env.bool("KOBAI_EMAIL_DELIVER_ON_COMMIT", default=False)
# What the worker calls every tick (dotted paths of functions without arguments); a failing job is logged
# at ERROR and the others still run.
KOBAI_WORKER_JOBS = [
    "shop.notifications.mail.deliver_pending",
    "shop.payments.settlement.sweep",
    "cms.jobs.publish_scheduled",  # scheduled go-live and expiry of CMS pages (W3)
]
ANYMAIL = env.json("ANYMAIL", default={})

# --- Oscar ---
OSCAR_SLUG_ALLOW_UNICODE = True
OSCAR_HOMEPAGE = "/"
OSCAR_PRODUCTS_PER_PAGE = env.int("KOBAI_PRODUCTS_PER_PAGE", default=20)
OSCAR_ALLOW_ANON_CHECKOUT = False
OSCAR_ALLOW_ANON_REVIEWS = False
OSCAR_REQUIRED_ADDRESS_FIELDS = ("last_name", "line1", "line4", "postcode", "country")
OSCAR_SEARCH_FACETS = {"fields": {}, "queries": {}}
OSCAR_HIDDEN_FEATURES = ["reviews", "wishlists"]
# Order status as the buyer sees it (O7); the words and moves live in shop/order/status.py.
OSCAR_INITIAL_ORDER_STATUS = order_status.ACCEPTED
OSCAR_INITIAL_LINE_STATUS = order_status.ACCEPTED
OSCAR_ORDER_STATUS_PIPELINE = order_status.PIPELINE
OSCAR_ORDER_STATUS_CASCADE = {state: state for state in order_status.ALL}
# O8: `manage.py send_contract_reminders` (daily) emails this many days before a contract line ends.
KOBAI_CONTRACT_REMINDER_DAYS = env.int("KOBAI_CONTRACT_REMINDER_DAYS", default=60)

# S1: every menu entry (ours and Oscar's) shows only to whom its area admits (shop/dashboard/access.py)
OSCAR_DASHBOARD_DEFAULT_ACCESS_FUNCTION = "shop.dashboard.access.menu_access"
OSCAR_DASHBOARD_NAVIGATION = [
    {
        "label": "会員審査",
        "icon": "fas fa-user-check",
        "url_name": "membership-dashboard:application-list",
    },
    {
        "label": "個別見積",
        "icon": "fas fa-file-invoice",
        "url_name": "quote-dashboard:quote-list",
    },
    {
        "label": "受注管理",
        "icon": "fas fa-truck",
        "url_name": "order-dashboard:order-list",
    },
    {
        "label": "問い合わせ",
        "icon": "fas fa-comments",
        "url_name": "inquiries-dashboard:inquiry-list",
    },
    {
        "label": "与信枠",
        "icon": "fas fa-credit-card",
        "url_name": "credit-dashboard:company-list",
    },
    # "badge": a count shown beside the label (shop/alerts/templatetags/dashboard_badges.py)
    {
        "label": gettext_lazy("Staff alerts"),
        "icon": "fas fa-bell",
        "url_name": "alerts-dashboard:alert-list",
        "badge": "shop.alerts.services.open_count",
    },
    {
        "label": gettext_lazy("Email outbox"),
        "icon": "fas fa-envelope",
        "url_name": "outbox-dashboard:email-list",
        "badge": "shop.notifications.mail.dead_count",
    },
    *OSCAR_DASHBOARD_NAVIGATION,
]

# --- search (haystack). Whoosh by default; HAYSTACK_URL switches engine, e.g.
#   solr://127.0.0.1:8983/solr/kobai  or  elasticsearch7://127.0.0.1:9200/kobai
HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": env("HAYSTACK_ENGINE", default="search.backends.JapaneseWhooshEngine"),
        "PATH": env("HAYSTACK_PATH", default=str(BASE_DIR / "var" / "whoosh_index")),
        "URL": env("HAYSTACK_URL", default=""),
        "INDEX_NAME": env("HAYSTACK_INDEX_NAME", default="kobai"),
        "INCLUDE_SPELLING": False,
        "BATCH_SIZE": 500,
    }
}
# Index updates are queued on commit and applied by search.indexing (never block
# a save, never index a rolled-back row). See search/signals.py.
HAYSTACK_SIGNAL_PROCESSOR = "search.indexing.QueuedSignalProcessor"
HAYSTACK_LIMIT_TO_REGISTERED_MODELS = False

# --- Wagtail ---
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILADMIN_LOGIN_URL = "/cms-admin/login/"
WAGTAIL_I18N_ENABLED = False
WAGTAILDOCS_EXTENSIONS = ["pdf", "xlsx", "docx", "pptx", "csv", "txt", "zip"]

# --- two-factor (M11) ---
OTP_TOTP_ISSUER = SHOP_NAME
KOBAI_OTP_PROTECTED_PREFIXES = [
    "/shop/dashboard/",
    "/cms-admin/",
    "/django-admin/",
    "/_sim/invoice/console/",  # the payment simulator's operator console (development and tests only)
]

# --- payments (P1, P2): deferred-invoice partner and card gateway, each "simulator" (default) or "http" ---
KOBAI_INVOICE_PARTNER = env("KOBAI_INVOICE_PARTNER", default="simulator")
KOBAI_INVOICE_PARTNER_URL = env("KOBAI_INVOICE_PARTNER_URL", default="")  # API root, e.g. https://api.partner.example
KOBAI_INVOICE_PARTNER_SECRET = env("KOBAI_INVOICE_PARTNER_SECRET", default="sim-invoice-secret-change-me")
KOBAI_INVOICE_PARTNER_TIMEOUT = env.float("KOBAI_INVOICE_PARTNER_TIMEOUT", default=10)
KOBAI_CARD_GATEWAY = env("KOBAI_CARD_GATEWAY", default="simulator")
KOBAI_CARD_GATEWAY_URL = env("KOBAI_CARD_GATEWAY_URL", default="")  # API root, e.g. https://api.gateway.example
KOBAI_CARD_GATEWAY_PUBLIC_KEY = env("KOBAI_CARD_GATEWAY_PUBLIC_KEY", default="pk_test_kobai_simulator")
KOBAI_CARD_GATEWAY_SECRET = env("KOBAI_CARD_GATEWAY_SECRET", default="sk_test_kobai_simulator")
KOBAI_CARD_GATEWAY_TIMEOUT = env.float("KOBAI_CARD_GATEWAY_TIMEOUT", default=10)
# The simulators (adapters and their HTTP faces under /_sim/) are for development: without DEBUG the
# process refuses them, unless KOBAI_SIMULATORS_WITHOUT_DEBUG is set (only the test suite and `make bench`
# set it). A real adapter with a simulator's published secret is refused as well (webhooks could be forged).
KOBAI_SIMULATORS_WITHOUT_DEBUG = env.bool("KOBAI_SIMULATORS_WITHOUT_DEBUG", default=False)
KOBAI_PAYMENT_SIMULATORS = env.bool(
    "KOBAI_PAYMENT_SIMULATORS", default=DEBUG and "simulator" in (KOBAI_INVOICE_PARTNER, KOBAI_CARD_GATEWAY)
)
if not DEBUG and not KOBAI_SIMULATORS_WITHOUT_DEBUG:
    if KOBAI_PAYMENT_SIMULATORS or "simulator" in (KOBAI_INVOICE_PARTNER, KOBAI_CARD_GATEWAY):
        raise ImproperlyConfigured(
            "The payment simulators are for development only (DJANGO_DEBUG=1): set KOBAI_INVOICE_PARTNER=http "
            "and KOBAI_CARD_GATEWAY=http with the real services' URLs and secrets, and leave "
            "KOBAI_PAYMENT_SIMULATORS unset."
        )
    if KOBAI_INVOICE_PARTNER_SECRET in ("", "sim-invoice-secret-change-me") or KOBAI_CARD_GATEWAY_SECRET in (
        "",
        "sk_test_kobai_simulator",
    ):
        raise ImproperlyConfigured(
            "KOBAI_INVOICE_PARTNER_SECRET and KOBAI_CARD_GATEWAY_SECRET are empty or still hold the simulators' "
            "published defaults: set the secrets the payment partner and the card gateway issued."
        )
KOBAI_SIM_INVOICE_CREDIT_LIMIT = env.int("KOBAI_SIM_INVOICE_CREDIT_LIMIT", default=3_000_000)
KOBAI_SIM_INVOICE_REVIEW_THRESHOLD = env.int("KOBAI_SIM_INVOICE_REVIEW_THRESHOLD", default=1_000_000)
KOBAI_SIM_PARTNER_DELAY_SECONDS = env.float("KOBAI_SIM_PARTNER_DELAY_SECONDS", default=0)  # benchmarks: a slow partner
KOBAI_SIM_INVOICE_WEBHOOK_URL = env(
    "KOBAI_SIM_INVOICE_WEBHOOK_URL", default=f"{WAGTAILADMIN_BASE_URL.rstrip('/')}/shop/payments/webhooks/invoice/"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # P2: anything shaped like a card number is masked before it is written
    "filters": {"card_numbers": {"()": "shop.payments.redaction.CardNumberFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["card_numbers"]}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="WARNING")},
}

# --- background work (django-tasks): immediate by default; a queue backend when there are several nodes ---
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend")}}
