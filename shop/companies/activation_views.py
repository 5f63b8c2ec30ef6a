"""The first-password page behind the link in the completion email (M3)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views import View

from . import activation


class FirstPasswordView(View):
    template_name = "companies/first_password.html"

    def _member(self, uidb64, token):
        """(member, problem): problem is None, 'invalid' or 'expired'."""
        User = get_user_model()
        try:
            user = User.objects.select_related("member", "member__company").get(
                pk=force_str(urlsafe_base64_decode(uidb64))
            )
            member = user.member
        except (User.DoesNotExist, ValueError, TypeError, OverflowError, AttributeError):
            return None, "invalid"
        except Exception:  # no Member row (e.g. a staff user)
            return None, "invalid"
        if member.password_deadline is None or not activation.first_password_tokens.check_token(user, token):
            return member, "invalid"
        if activation.is_expired(member):
            return member, "expired"
        return member, None

    def get(self, request, uidb64, token):
        member, problem = self._member(uidb64, token)
        if problem:
            return render(
                request, self.template_name, {"problem": problem}, status=410 if problem == "expired" else 404
            )
        return render(request, self.template_name, {"form": SetPasswordForm(member.user), "member": member})

    def post(self, request, uidb64, token):
        member, problem = self._member(uidb64, token)
        if problem:
            return render(
                request, self.template_name, {"problem": problem}, status=410 if problem == "expired" else 404
            )
        form = SetPasswordForm(member.user, request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "member": member})
        form.save()
        member.password_deadline = None
        member.save(update_fields=["password_deadline"])
        messages.success(request, f"パスワードを設定しました。お客様ID {member.user.username} でログインしてください。")
        return redirect("customer:login")
