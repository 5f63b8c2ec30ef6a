"""Application documents (申請書類, O3): files a buyer uploads at checkout, kept with the order.

A document belongs to the company of the member who uploaded it (M6: every
object is scoped to the member's company) and, once the order is placed, to
that order. It is stored under a random name in the private storage
(``STORAGES["private"]``: outside MEDIA_ROOT, or a private bucket), never
under the name the buyer gave it and never at a public URL: the download
views stream it after checking who asks. The buyer's file name is kept only
as a cleaned display name.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, empty

from .validation import CONTENT_TYPES, NAME_MAX_LENGTH, PDF, XLSX

PRIVATE_STORAGE_ALIAS = "private"


class _PrivateStorage(LazyObject):
    """storages["private"], looked up when first used (and again after a test changes STORAGES)."""

    def _setup(self):
        self._wrapped = storages[PRIVATE_STORAGE_ALIAS]


_private = _PrivateStorage()


def private_storage():
    return _private


@receiver(setting_changed)
def _forget_private_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        _private._wrapped = empty


def stored_name(instance: Attachment, filename: str) -> str:
    """A random name in a path that says nothing about the company or the buyer's file name."""
    return f"attachments/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{instance.kind}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PDF = PDF, "PDF"
        XLSX = XLSX, "Excel（.xlsx）"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(
        "companies.Company", on_delete=models.PROTECT, related_name="attachments", verbose_name="会社"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="アップロードした人",
    )
    order = models.ForeignKey(
        "order.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name="注文",
    )
    file = models.FileField("ファイル", upload_to=stored_name, storage=private_storage, max_length=200)
    original_name = models.CharField("ファイル名", max_length=NAME_MAX_LENGTH)
    kind = models.CharField("種類", max_length=8, choices=Kind.choices)
    size = models.PositiveBigIntegerField("サイズ（バイト）")
    sha256 = models.CharField("SHA-256", max_length=64)
    created_at = models.DateTimeField("アップロード日時", auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = verbose_name_plural = "申請書類"

    def __str__(self) -> str:
        return self.original_name

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]

    def get_absolute_url(self) -> str:
        return reverse("attachments:attachment-download", args=[self.pk])

    def get_staff_url(self) -> str:
        return reverse("attachments-dashboard:attachment-download", args=[self.pk])
