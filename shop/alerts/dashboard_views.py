"""Staff screen 「スタッフ通知」 (issue 10): open alerts first, newest first; 「対応済みにする」 with a note."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext, pgettext_lazy
from django.views import View

from shop.accounts.roles import StaffPermissionRequiredMixin

from . import services
from .models import StaffAlert

RESOLVED_SHOWN = 50


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=pgettext_lazy("staff alert", "Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AlertListView(StaffPermissionRequiredMixin, View):
    permission_required = services.DASHBOARD_PERMISSION

    def get(self, request):
        alerts = StaffAlert.objects.select_related("resolved_by")
        return render(
            request,
            "alerts/dashboard/alert_list.html",
            {
                "open_alerts": list(alerts.filter(resolved_at__isnull=True).order_by("-created_at", "-pk")),
                "resolved_alerts": list(
                    alerts.filter(resolved_at__isnull=False).order_by("-resolved_at", "-pk")[:RESOLVED_SHOWN]
                ),
                "form": ResolveForm(),
            },
        )


class AlertResolveView(StaffPermissionRequiredMixin, View):
    permission_required = services.DASHBOARD_PERMISSION
    http_method_names = ["post"]

    def post(self, request, pk):
        form = ResolveForm(request.POST)
        if not form.is_valid():
            messages.error(request, gettext("The note is too long."))
            return redirect("alerts-dashboard:alert-list")
        try:
            alert = services.resolve(alert_id=pk, by=request.user, note=form.cleaned_data["note"])
        except StaffAlert.DoesNotExist:
            raise Http404 from None
        messages.success(request, gettext("Marked “%(title)s” as resolved.") % {"title": alert.title})
        return redirect("alerts-dashboard:alert-list")
