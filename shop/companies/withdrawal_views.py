"""「退会」 pages (M9)."""

from django import forms
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from . import withdrawal
from .access import MemberRequiredMixin


class WithdrawForm(forms.Form):
    scope = forms.ChoiceField(
        label="退会の範囲",
        choices=[
            ("self", "自分のアカウントのみ退会する"),
            ("company", "法人ごと退会する（全会員が利用できなくなります）"),
        ],
        widget=forms.RadioSelect,
        initial="self",
    )
    password = forms.CharField(label="現在のパスワード", widget=forms.PasswordInput(attrs={"class": "form-control"}))
    confirm = forms.BooleanField(label="退会後は購入・契約履歴を閲覧できなくなることを確認しました。")

    def __init__(self, *args, user, is_admin, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not is_admin:
            self.fields["scope"].choices = self.fields["scope"].choices[:1]
        self.fields["confirm"].error_messages["required"] = "確認のチェックを入れてください。"

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("パスワードが正しくありません。")
        return password


class HistoryExportView(MemberRequiredMixin, View):
    def get(self, request):
        body = withdrawal.history_csv(company=self.member.company)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        filename = f"kobai-history-{timezone.localdate():%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class WithdrawView(MemberRequiredMixin, View):
    template_name = "companies/withdraw.html"

    def _form(self, data=None):
        return WithdrawForm(data, user=self.member.user, is_admin=self.member.is_admin)

    def get(self, request):
        return render(request, self.template_name, {"form": self._form(), "member": self.member})

    def post(self, request):
        form = self._form(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "member": self.member})
        if form.cleaned_data["scope"] == "company":
            withdrawal.withdraw_company(company=self.member.company)
        else:
            withdrawal.withdraw_member(member=self.member)
        logout(request)
        return redirect("withdrawal:done")


def withdrawn(request):
    return render(request, "companies/withdrawn.html")
