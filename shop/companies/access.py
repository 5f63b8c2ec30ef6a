"""Who may see a buyer page (M5, M6): one place for every buyer-side view.

`MemberRequiredMixin`: signed-in members of a company; a signed-in user who
belongs to no company (e.g. staff) gets 404, an anonymous visitor goes to
login. It sets `self.member` and `self.company`, the scope of every lookup.
`CompanyAdminRequiredMixin`: administrators of an active company only.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404

from .models import Company, Member


class MemberRequiredMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        member = Member.objects.select_related("company", "user").filter(user=request.user).first()
        if member is None or not self.allows(member):
            raise Http404
        self.member = member
        self.company = member.company
        return super().dispatch(request, *args, **kwargs)

    def allows(self, member: Member) -> bool:
        return True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["member"] = self.member
        return ctx


class CompanyAdminRequiredMixin(MemberRequiredMixin):
    def allows(self, member: Member) -> bool:
        return member.is_admin and member.company.status == Company.Status.ACTIVE
