"""Wagtail pages. Content only: prices and products are always read live from the shop."""

import html
import unicodedata

from django.conf import settings
from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index


class HomePage(Page):
    hero_title = models.CharField(_("hero title"), max_length=120, blank=True)
    hero_text = models.TextField(_("hero text"), blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("hero_title"), FieldPanel("hero_text"), FieldPanel("body")]
    max_count = 1

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["topics"] = TopicPage.objects.live().public().order_by("-date", "-pk")[:5]
        context["topic_index"] = TopicIndexPage.objects.live().public().first()
        return context


class StandardPage(Page):
    intro = models.TextField(_("introduction"), blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]

    class Meta:
        verbose_name = _("standard page")
        verbose_name_plural = _("standard pages")


def normalise(text: str) -> str:
    """NFKC plus casefold: ｶｰﾄﾞ→カード, ＩＤ→id (the FAQ search compares these)."""
    return unicodedata.normalize("NFKC", text or "").casefold().strip()


class FaqItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("question"), max_length=200)
    answer = blocks.RichTextBlock(label=_("answer"), features=["bold", "link", "ol", "ul"])

    class Meta:
        icon = "help"
        label = _("question and answer")


class FaqSectionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("section title"), max_length=60)
    anchor = blocks.CharBlock(
        label=_("anchor"), max_length=40, required=False, help_text=_("ASCII id for links to this section")
    )
    items = blocks.ListBlock(FaqItemBlock(), label=_("questions"))

    class Meta:
        icon = "list-ul"
        label = _("section")


class FaqPage(Page):
    """よくあるご質問 (W2): sections of Q&As, searchable on the server with ?q= (works without JavaScript)."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField([("section", FaqSectionBlock())], verbose_name=_("sections"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    class Meta:
        verbose_name = _("FAQ page")
        verbose_name_plural = _("FAQ pages")

    def sections(self, query: str = "") -> list[dict]:
        """Sections with the items whose question or answer text contains the query; empty sections dropped."""
        needle = normalise(query)
        result = []
        for number, block in enumerate(self.body, start=1):
            if block.block_type != "section":
                continue
            items = []
            for item in block.value["items"]:
                answer = item["answer"]
                answer_text = html.unescape(strip_tags(getattr(answer, "source", str(answer))))
                if not needle or needle in normalise(item["question"]) or needle in normalise(answer_text):
                    items.append({"question": item["question"], "answer": answer})
            if items:
                anchor = block.value["anchor"] or f"section-{number}"
                result.append({"title": block.value["title"], "anchor": anchor, "items": items})
        return result

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        query = request.GET.get("q", "").strip()[:100]
        context["query"] = query
        context["all_sections"] = self.sections()
        context["sections"] = self.sections(query) if query else context["all_sections"]
        context["hits"] = sum(len(section["items"]) for section in context["sections"])
        return context


class AboutPage(Page):
    """「<shop name>とは」 (W2). Issuer name, address and registration number come from settings, never from content."""

    intro = models.TextField(_("introduction"), blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    max_count = 1

    class Meta:
        verbose_name = _("about page")
        verbose_name_plural = _("about pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["heading"] = f"{settings.SHOP_NAME}とは"
        context["issuer"] = {
            "shop_name": settings.SHOP_NAME,
            "name": settings.SHOP_ISSUER_NAME,
            "postcode": settings.SHOP_ISSUER_POSTCODE,
            "address": settings.SHOP_ISSUER_ADDRESS,
            "phone": settings.SHOP_ISSUER_PHONE,
            "registration_number": settings.SHOP_ISSUER_REGISTRATION_NUMBER,
        }
        return context


class TopicIndexPage(Page):
    """トピックス (W1): the list of topics, newest first."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["cms.TopicPage"]
    max_count = 1

    class Meta:
        verbose_name = _("topic index page")
        verbose_name_plural = _("topic index pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["topics"] = TopicPage.objects.child_of(self).live().public().order_by("-date", "-pk")
        return context


class TopicPage(Page):
    """One topic: end of sale, price revision, campaign or new product; may link products (prices read live)."""

    class Category(models.TextChoices):
        END_OF_SALE = "end_of_sale", _("End of sale")
        PRICE_REVISION = "price_revision", _("Price revision")
        CAMPAIGN = "campaign", _("Campaign")
        NEW_PRODUCT = "new_product", _("New product")

    date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    body = RichTextField(_("body"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("category"),
        FieldPanel("body"),
        InlinePanel("related_products", label=_("related products")),
    ]
    search_fields = Page.search_fields + [index.SearchField("body")]
    parent_page_types = ["cms.TopicIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def products(self):
        """The linked products that are still browsable, in the editor's order."""
        return [
            link.product
            for link in self.related_products.select_related("product").order_by("sort_order")
            if link.product.is_public
        ]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["products"] = self.products()
        return context


class TopicProduct(Orderable):
    """A product a topic links to. Only the link is stored; name and price are read from the catalogue."""

    page = ParentalKey(TopicPage, on_delete=models.CASCADE, related_name="related_products")
    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )

    panels = [FieldPanel("product")]

    class Meta(Orderable.Meta):
        verbose_name = _("related product")
        verbose_name_plural = _("related products")
