"""The shop's user.

A buyer signs in with a login ID (お客様ID, `username`) that they may change
later (M4), not with their email address, so this is Django's username-based
user rather than Oscar's email-login one. Email stays on the user because
Oscar and every notification need it.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    email = models.EmailField(_("email address"), blank=True, db_index=True)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username
