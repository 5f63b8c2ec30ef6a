from django.apps import AppConfig


class FavouritesConfig(AppConfig):
    name = "shop.favourites"
    label = "favourites"
    verbose_name = "お気に入り"
