"""Staff screening of membership applications in the dashboard (M2, M3 reissue)."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from shop.accounts.roles import SCREEN_APPLICATIONS, StaffPermissionRequiredMixin
from shop.billing import business_days

from . import activation, screening
from .models import Member, MembershipApplication

OVERDUE_AFTER = 3  # business days (M2 target)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="却下理由（お申し込み者にメールで伝わります）",
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        max_length=2000,
        error_messages={"required": "却下理由を入力してください。"},
    )


class ApplicationListView(StaffPermissionRequiredMixin, View):
    permission_required = SCREEN_APPLICATIONS

    def get(self, request):
        now = timezone.now()
        pending = list(MembershipApplication.objects.filter(status=MembershipApplication.Status.PENDING))
        today = timezone.localdate(now)
        for application in pending:
            application.age = business_days.business_days_between(
                start=timezone.localdate(application.submitted_at), end=today
            )
            application.overdue = business_days.is_overdue(
                submitted=application.submitted_at, now=now, limit=OVERDUE_AFTER
            )
        decided = MembershipApplication.objects.exclude(status=MembershipApplication.Status.PENDING).order_by(
            "-decided_at"
        )[:20]
        return render(
            request,
            "companies/dashboard/application_list.html",
            {"pending": pending, "decided": decided, "overdue_after": OVERDUE_AFTER},
        )


class ApplicationDetailView(StaffPermissionRequiredMixin, View):
    permission_required = SCREEN_APPLICATIONS
    template_name = "companies/dashboard/application_detail.html"

    def _context(self, application, reject_form=None):
        members = []
        if application.company_id:
            members = list(Member.objects.filter(company_id=application.company_id).select_related("user"))
            for member in members:
                member.expired = activation.is_expired(member)
        return {"application": application, "reject_form": reject_form or RejectForm(), "members": members}

    def get(self, request, pk):
        application = get_object_or_404(MembershipApplication, pk=pk)
        return render(request, self.template_name, self._context(application))

    def post(self, request, pk):
        application = get_object_or_404(MembershipApplication, pk=pk)
        action = request.POST.get("action")
        try:
            if action == "approve":
                company = screening.approve(application=application, by=request.user)
                messages.success(request, f"{company.name} を承認し、会員登録完了メールを送信しました。")
            elif action == "reject":
                form = RejectForm(request.POST)
                if not form.is_valid():
                    return render(request, self.template_name, self._context(application, form), status=400)
                screening.reject(application=application, by=request.user, reason=form.cleaned_data["reason"])
                messages.success(
                    request, f"{application.company_name} のお申し込みを却下し、理由をメールで送信しました。"
                )
            elif action == "reissue":
                try:
                    member_pk = int(request.POST.get("member", ""))
                except ValueError:  # not an id (a tampered form): no such member, not a 500
                    raise Http404 from None
                member = get_object_or_404(Member, pk=member_pk, company_id=application.company_id)
                screening.reissue_first_password(member=member)
                messages.success(request, f"{member.user.username} にパスワード設定用リンクを再発行しました。")
            else:
                messages.error(request, "操作を選択してください。")
        except screening.AlreadyDecided as exc:
            messages.error(request, f"このお申し込みはすでに処理済みです（{exc}）。")
        return redirect("membership-dashboard:application-detail", pk=application.pk)
