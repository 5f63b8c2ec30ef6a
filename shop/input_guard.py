"""Hostile input stopped in one place each (issue 9): NUL in a request, and over-long login names for django-axes.

A request carrying NUL (U+0000) is refused with 400 before any view sees it.

PostgreSQL can neither store nor compare text that contains NUL: a query parameter with one fails
with "PostgreSQL text fields cannot contain NUL (0x00) bytes". Django's forms.CharField refuses NUL
with a form error, but a value used without a form went straight into a query and answered 500:
the search box (q, maker, category), the dashboard list filters (q), an approval comment, the order
number of 「この注文について問い合わせ」, and any number in a URL. No browser sends NUL from a form
field, so it is refused once, here: in the URL path, the query string and the fields (names and values)
of url-encoded and multipart forms. Uploaded files are left alone: Django's upload parser drops
unprintable characters from their names, and their bytes are the upload checks' business.

Django turns the SuspiciousOperation into its 400 page and logs it on django.security.NulInRequest.
"""

from django.conf import settings
from django.core.exceptions import SuspiciousOperation

NUL = "\x00"
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class NulInRequest(SuspiciousOperation):
    pass


def _has_nul(data) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            NUL in request.path_info
            or _has_nul(request.GET)
            or (request.content_type in FORM_CONTENT_TYPES and _has_nul(request.POST))
        ):
            raise NulInRequest("NUL character in the URL or the submitted fields")
        return self.get_response(request)


AXES_USERNAME_MAX_LENGTH = 255  # AccessAttempt.username and the other axes username columns


def axes_username(request, credentials=None):
    """django-axes' own choice of the username of a login attempt, cut to the 255 characters it can store.

    Django's AuthenticationForm (the Django admin's, the dashboard's and Wagtail's sign-in pages) does not
    limit the username's length, and django-axes stores it as given: on PostgreSQL a failed login with a
    longer name answered 500 ("value too long for type character varying(255)"; django-axes issue #1381,
    still open in 8.3.1). Set as AXES_USERNAME_CALLABLE; lookups and records both use the cut name.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    return username[:AXES_USERNAME_MAX_LENGTH] if isinstance(username, str) else username
