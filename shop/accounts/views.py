"""Buyer login page (M3, M10, M12) and the rate-limited password reset (M4)."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy
from oscar.core.loading import get_class
from oscar.views.decorators import login_forbidden

from . import ratelimits
from .forms import BuyerAuthenticationForm


class BuyerLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = BuyerAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["session_expired"] = self.request.GET.get("expired") == "1"
        return ctx


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes lockout response: the login page with a cool-off message (M12)."""
    form = BuyerAuthenticationForm(request)
    return render(request, "accounts/login.html", {"form": form, "locked_out": True}, status=429)


class RateLimitedPasswordResetView(auth_views.PasswordResetView):
    """Oscar's 「パスワードをお忘れの方はこちら」 (M4), rate-limited per client address and per email address."""

    form_class = get_class("customer.forms", "PasswordResetForm")
    success_url = reverse_lazy("password-reset-done")
    template_name = "oscar/registration/password_reset_form.html"

    def form_valid(self, form):
        if ratelimits.over_limit(self.request, group=ratelimits.PASSWORD_RESET, emails=[form.cleaned_data["email"]]):
            form.add_error(None, ratelimits.LIMITED_MESSAGE)  # no email
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


password_reset = login_forbidden(RateLimitedPasswordResetView.as_view())
