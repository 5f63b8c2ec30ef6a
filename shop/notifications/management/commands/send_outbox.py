from django.core.management.base import BaseCommand

from shop.notifications.mail import deliver_pending


class Command(BaseCommand):
    help = "Send pending emails from the outbox (retries failed sends up to 5 times)."

    def handle(self, *args, **options):
        self.stdout.write(f"sent {deliver_pending()} email(s)")
