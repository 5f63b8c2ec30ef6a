"""Japanese first: the shop speaks Japanese unless the visitor chose English.

Django's LocaleMiddleware follows the browser's Accept-Language, which would
show English to a Japanese buyer whose browser happens to be set to English.
Here only an explicit choice (the language cookie set by the footer switch,
Django's `set_language` view) changes the language.
"""

from django.conf import settings
from django.utils import translation


class JapaneseFirstLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class EndedProductsBasketMiddleware:
    """Ended products leave the basket with a message naming them (C5). After BasketMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        basket = getattr(request, "basket", None)
        if basket is not None and getattr(basket, "id", None):
            from django.contrib import messages

            from shop.catalogue.lifecycle import remove_ended_lines

            for title in remove_ended_lines(basket):
                messages.warning(request, f"「{title}」は販売終了のため、カートから削除しました。")
        return self.get_response(request)
