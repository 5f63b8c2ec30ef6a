"""Downloading an application document (申請書類, O3): streamed by a view, never from a public URL.

Members see their own company's documents (M6: another company's answers 404);
a document not yet bound to an order is still part of its uploader's checkout,
so only the uploader sees it. Staff of 受注管理 download from the dashboard,
behind its second factor (M11). The response always downloads (never renders inline),
with the buyer's file name (RFC 6266/5987) and nosniff.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views import View

from shop.accounts.roles import VIEW_ATTACHMENTS, StaffPermissionRequiredMixin
from shop.companies.access import MemberRequiredMixin

from .models import Attachment

_ASCII_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()-]*$")


def content_disposition(attachment: Attachment) -> str:
    name = attachment.original_name
    fallback = name if _ASCII_SAFE.match(name) else f"document.{attachment.kind}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download_response(attachment: Attachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as missing:
        raise Http404 from missing
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition(attachment)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


class AttachmentDownloadView(MemberRequiredMixin, View):
    def get(self, request, pk):
        visible = Attachment.objects.filter(company=self.company).filter(
            Q(order__isnull=False) | Q(uploaded_by=request.user)
        )
        return download_response(get_object_or_404(visible, pk=pk))


class StaffAttachmentDownloadView(StaffPermissionRequiredMixin, View):
    """受注管理 staff download any company's document (the dashboard also asks for a verified session)."""

    permission_required = VIEW_ATTACHMENTS

    def get(self, request, pk):
        return download_response(get_object_or_404(Attachment, pk=pk))
