"""「お気に入り」 (C6): a member's remembered products, shown with live prices."""

from django.conf import settings
from django.db import models


class Favourite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites")
    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="favourite_once_per_user")]
        verbose_name = "お気に入り"
        verbose_name_plural = "お気に入り"

    def __str__(self) -> str:
        return f"{self.user} ♥ {self.product_id}"
