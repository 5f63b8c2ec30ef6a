"""「法人会員一覧」「新規会員追加」 and member settings, for company administrators (M5)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from . import activation, administration
from .access import CompanyAdminRequiredMixin
from .admin_forms import CompanyAddressForm, InviteForm, MemberForm, TwoFactorPolicyForm
from .models import Member


class CompanyAdminMixin(CompanyAdminRequiredMixin):
    """Only administrators of an active company; everyone else gets 404."""

    @property
    def me(self) -> Member:
        return self.member

    def member_or_404(self, pk) -> Member:
        return get_object_or_404(Member.objects.select_related("user"), pk=pk, company=self.company)


class MemberListView(CompanyAdminMixin, View):
    def get(self, request):
        members = list(
            Member.objects.filter(company=self.company)
            .select_related("user", "first_approver__user", "second_approver__user")
            .order_by("user__username")
        )
        for member in members:
            member.expired = activation.is_expired(member)
        policy = TwoFactorPolicyForm(initial={"required": self.company.require_two_factor})
        return render(
            request, "companies/members/list.html", {"members": members, "company": self.company, "policy": policy}
        )


class MemberInviteView(CompanyAdminMixin, View):
    template_name = "companies/members/invite.html"

    def get(self, request):
        return render(request, self.template_name, {"form": InviteForm()})

    def post(self, request):
        form = InviteForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        data = form.cleaned_data
        if Member.objects.filter(
            company=self.company, user__email__iexact=data["email"], user__is_active=True
        ).exists():
            form.add_error("email", "このEメールアドレスの会員はすでに登録されています。")
            return render(request, self.template_name, {"form": form})
        member = administration.invite(company=self.company, by=self.me, **data)
        messages.success(
            request,
            f"{member.user.last_name} {member.user.first_name} 様（お客様ID {member.user.username}）に招待メールを送りました。",
        )
        return redirect("company:member-list")


class MemberUpdateView(CompanyAdminMixin, View):
    template_name = "companies/members/update.html"

    def _form(self, member, data=None):
        candidates = administration.active_members(self.company).exclude(pk=member.pk).order_by("user__username")
        initial = {
            "role": member.role,
            "authority": member.has_ordering_authority,
            "route": member.approval_route,
            "first_approver": member.first_approver_id,
            "second_approver": member.second_approver_id,
        }
        return MemberForm(data, initial=initial, candidates=candidates)

    def get(self, request, pk):
        member = self.member_or_404(pk)
        return render(request, self.template_name, {"form": self._form(member), "member": member})

    def post(self, request, pk):
        member = self.member_or_404(pk)
        form = self._form(member, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                administration.update_member(
                    member=member,
                    by=self.me,
                    role=data["role"],
                    authority=data["authority"],
                    route=data["route"],
                    first=data["first_approver"],
                    second=data["second_approver"],
                )
            except administration.RuleViolation as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{member.user} の設定を保存しました。")
                return redirect("company:member-list")
        return render(request, self.template_name, {"form": form, "member": member})


class MemberDeactivateView(CompanyAdminMixin, View):
    def post(self, request, pk):
        member = self.member_or_404(pk)
        try:
            administration.deactivate(member=member, by=self.me)
        except administration.RuleViolation as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{member.user} を無効にしました。この会員はログインできなくなります。")
        return redirect("company:member-list")


class TwoFactorPolicyView(CompanyAdminMixin, View):
    def post(self, request):
        form = TwoFactorPolicyForm(request.POST)
        form.is_valid()
        required = form.cleaned_data.get("required", False)
        administration.set_two_factor_requirement(company=self.company, required=required)
        messages.success(request, "2段階認証を必須にしました。" if required else "2段階認証を任意にしました。")
        return redirect("company:member-list")


class CompanyAddressView(CompanyAdminMixin, View):
    template_name = "companies/members/company_address.html"

    def get(self, request):
        form = CompanyAddressForm(initial={"postcode": self.company.postcode, "address": self.company.address})
        return render(request, self.template_name, {"form": form, "company": self.company})

    def post(self, request):
        form = CompanyAddressForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "company": self.company})
        administration.change_address(company=self.company, **form.cleaned_data)
        messages.success(request, "法人の所在地を変更しました。")
        return redirect("company:member-list")
