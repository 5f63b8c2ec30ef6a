"""Storing application documents (申請書類, O3) and binding them to the order they came with.

A buyer's files are checked by content (validation.inspect_upload) and stored
at once, unbound; placing the order binds them (``attach``). Between the two,
only the uploader can find them again (``unbound_for``), by the ids the
checkout form carried: ids of another company's, another member's or an
already-bound file find nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.db import transaction

from .models import Attachment, stored_name
from .validation import inspect_upload

MAX_IDS = 50


class AttachmentNotAttachable(Exception):
    """A file passed to `attach` is another company's, or already bound to an order."""


def store(*, uploaded_file, company, user) -> Attachment:
    """Check the upload by content, then keep exactly the bytes that were checked under a random name."""
    checked = inspect_upload(uploaded_file)  # ValidationError with a message naming the file
    attachment = Attachment(
        company=company,
        uploaded_by=user,
        kind=checked.kind,
        size=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest(),
        original_name=checked.name,
    )
    attachment.file.save(stored_name(attachment, ""), ContentFile(checked.data), save=False)
    try:
        with transaction.atomic():
            attachment.save()
    except BaseException:
        attachment.file.delete(save=False)  # no row, no file
        raise
    return attachment


def unbound_for(*, company, user, ids: Iterable) -> list[Attachment]:
    """The user's own not-yet-bound files among `ids` (strings or UUIDs); anything else is ignored."""
    wanted = []
    for raw in list(ids)[:MAX_IDS]:
        try:
            wanted.append(uuid.UUID(str(raw)))
        except (TypeError, ValueError, AttributeError):
            continue
    if not wanted or user is None or not getattr(user, "pk", None):
        return []
    return list(
        Attachment.objects.filter(pk__in=wanted, company=company, uploaded_by=user, order__isnull=True).order_by(
            "created_at", "pk"
        )
    )


def attach(*, attachments: Iterable[Attachment], order) -> None:
    """Bind unbound files of the order's company to the order: all of them, or none (AttachmentNotAttachable)."""
    attachments = list(attachments)
    ids = {attachment.pk for attachment in attachments}
    if not ids:
        return
    if order.company_id is None:
        raise AttachmentNotAttachable("the order belongs to no company")
    with transaction.atomic():
        # one conditional UPDATE: a file bound meanwhile by a concurrent request is not counted
        bound = Attachment.objects.filter(pk__in=ids, company_id=order.company_id, order__isnull=True).update(
            order=order
        )
        if bound != len(ids):
            raise AttachmentNotAttachable("some files are another company's or already bound to an order")
    for attachment in attachments:
        attachment.order = order


def purge_unbound(*, older_than) -> int:
    """Delete files uploaded at a checkout that never became an order, with their rows; returns how many."""
    stale = Attachment.objects.filter(order__isnull=True, created_at__lt=older_than)
    count = 0
    for attachment in stale.iterator():
        attachment.file.delete(save=False)
        attachment.delete()
        count += 1
    return count
