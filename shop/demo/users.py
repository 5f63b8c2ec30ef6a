"""Demo accounts (S2). Credentials are documented in the README."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

DEMO_ADMIN = {"username": "admin", "email": "admin@kobai.example", "password": "kobai-admin-2026"}


def ensure_superuser():
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=DEMO_ADMIN["username"],
        defaults={"email": DEMO_ADMIN["email"], "is_staff": True, "is_superuser": True, "last_name": "管理者"},
    )
    if created:
        user.set_password(DEMO_ADMIN["password"])
        user.save()
    # A confirmed TOTP device so staff areas can be entered; `manage.py show_totp admin` prints it.
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
    return user
