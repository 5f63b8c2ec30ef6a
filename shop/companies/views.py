"""Public membership application pages (M1)."""

from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from shop.accounts import ratelimits

from . import applications
from .forms import MembershipApplicationForm


class MembershipApplyView(FormView):
    template_name = "companies/apply.html"
    form_class = MembershipApplicationForm

    def form_valid(self, form):
        emails = [form.cleaned_data["applicant_email"], form.cleaned_data["authority_email"]]
        if ratelimits.over_limit(self.request, group=ratelimits.MEMBERSHIP, emails=emails):
            form.add_error(None, ratelimits.LIMITED_MESSAGE)  # nothing kept, nothing sent
            return self.render_to_response(self.get_context_data(form=form, rate_limited=True), status=429)
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("submission_key", "agree")}
        applications.submit(data=data, submission_key=form.cleaned_data["submission_key"])
        return redirect(reverse("membership:apply-done"))


class MembershipApplyDoneView(TemplateView):
    template_name = "companies/apply_done.html"
