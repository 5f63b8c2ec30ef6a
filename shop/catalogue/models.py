"""Catalogue models: Oscar's products plus the fields a B2B IT shop needs (C1).

The extra facts are plain columns on Product (not EAV attributes) so that
list pages can filter and sort on them in one query. Oscar's `upc` field is
the product code (商品コード): unique, indexed and already searched by Oscar.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oscar.apps.catalogue.abstract_models import AbstractProduct


class Maker(models.Model):
    """A manufacturer or publisher (メーカ)."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("maker name"), max_length=128)
    name_ja = models.CharField(_("maker name (Japanese reading)"), max_length=128, blank=True)
    aliases = models.CharField(
        _("search aliases"),
        max_length=255,
        blank=True,
        help_text=_("Extra words buyers search for, separated by |, e.g. MS."),
    )

    class Meta:
        app_label = "catalogue"
        ordering = ["name"]
        verbose_name = _("maker")
        verbose_name_plural = _("makers")

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.split("|") if a.strip()]


class Product(AbstractProduct):
    class LicenceKind(models.TextChoices):
        PERPETUAL = "perpetual", _("Perpetual licence")
        SUBSCRIPTION = "subscription", _("Subscription")
        MAINTENANCE = "maintenance", _("Maintenance")
        HARDWARE = "hardware", _("Hardware")

    maker = models.ForeignKey(
        Maker,
        verbose_name=_("maker"),
        on_delete=models.PROTECT,
        related_name="products",
        null=True,
        blank=True,
    )
    licence_kind = models.CharField(
        _("licence kind"), max_length=16, choices=LicenceKind.choices, default=LicenceKind.PERPETUAL
    )
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"), null=True, blank=True, help_text=_("Subscriptions and maintenance only.")
    )
    unit = models.CharField(_("unit"), max_length=32, default="ライセンス")
    reference_price = models.DecimalField(
        _("reference renewal price (excl. tax)"),
        max_digits=12,
        decimal_places=0,
        null=True,
        blank=True,
        help_text=_("Shown as 参考価格: the expected renewal cost."),
    )
    requires_pre_application = models.BooleanField(_("pre-application required"), default=False)
    resale_restricted = models.BooleanField(_("resale restricted"), default=False)
    ships_physically = models.BooleanField(_("physically shipped"), default=False)
    sale_ends_at = models.DateTimeField(
        _("end of sale"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("From this moment the product is no longer sold (now or a future date)."),
    )

    class Meta(AbstractProduct.Meta):
        app_label = "catalogue"

    @property
    def is_sale_ended(self) -> bool:
        """End of sale (C5): the end moment has come."""
        return self.sale_ends_at is not None and self.sale_ends_at <= timezone.now()

    @property
    def term_label(self) -> str:
        if not self.term_months:
            return ""
        if self.term_months % 12 == 0:
            return _("%(years)d year(s)") % {"years": self.term_months // 12}
        return _("%(months)d month(s)") % {"months": self.term_months}


from oscar.apps.catalogue.models import *  # noqa: E402,F401,F403
