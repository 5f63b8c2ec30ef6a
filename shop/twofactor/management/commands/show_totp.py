"""Print a user's TOTP secret (and the current code) so a tester can sign in.

For the demo superuser only in practice: `manage.py show_totp admin`. It
creates and confirms a device if the user has none.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from shop.twofactor.views import secret_base32


class Command(BaseCommand):
    help = "Print the TOTP secret, otpauth URL and current code of a user (creates a device if missing)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"no user {username!r}") from exc
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"user:         {user.username}")
        self.stdout.write(f"secret:       {secret_base32(device)}")
        self.stdout.write(f"otpauth URL:  {device.config_url}")
        self.stdout.write(f"current code: {totp.token():06d}")
