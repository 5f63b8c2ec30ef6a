"""Staff screen 「メール送信状況」 (issue 10, E1): dead letters and what still waits, with 「再送」.

Dead letters first (each failed for a day and will not be tried again on its
own), then pending messages with their next attempt and last error. 「再送」
puts one back for the worker's next tick with a fresh set of attempts;
「すべて再送」 does it for every dead letter. Who resent what is recorded
(`EmailResend`). Gate: `notifications.resend_email` (受注管理).
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.views import View

from shop.accounts.roles import StaffPermissionRequiredMixin

from . import mail
from .models import OutboundEmail

SHOWN = 200


class OutboxView(StaffPermissionRequiredMixin, View):
    permission_required = mail.RESEND_EMAIL

    def get(self, request):
        emails = OutboundEmail.objects.defer("body", "html_body", "alternatives", "attachments").annotate(
            resend_count=Count("resends")
        )
        dead = emails.filter(status=OutboundEmail.Status.DEAD).order_by("-created_at", "-pk")
        pending = emails.filter(status=OutboundEmail.Status.PENDING).order_by("next_attempt_at", "pk")
        return render(
            request,
            "notifications/dashboard/outbox.html",
            {
                "dead": list(dead[:SHOWN]),
                "dead_total": dead.count(),
                "pending": list(pending[:SHOWN]),
                "pending_total": pending.count(),
                "max_attempts": mail.MAX_ATTEMPTS,
                "shown": SHOWN,
            },
        )


class ResendView(StaffPermissionRequiredMixin, View):
    permission_required = mail.RESEND_EMAIL
    http_method_names = ["post"]

    def post(self, request, pk):
        try:
            email = mail.resend(email_id=pk, by=request.user)
        except LookupError:  # sent meanwhile, or no such message
            raise Http404 from None
        messages.success(request, gettext("Email %(id)s will be sent again within a few seconds.") % {"id": email.pk})
        return redirect("outbox-dashboard:email-list")


class ResendAllView(StaffPermissionRequiredMixin, View):
    permission_required = mail.RESEND_EMAIL
    http_method_names = ["post"]

    def post(self, request):
        count = mail.resend_all_dead(by=request.user)
        messages.success(
            request,
            ngettext("%(count)d dead email will be sent again.", "%(count)d dead emails will be sent again.", count)
            % {"count": count},
        )
        return redirect("outbox-dashboard:email-list")
