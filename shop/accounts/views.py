"""Buyer login page (M3, M10, M12)."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render

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
