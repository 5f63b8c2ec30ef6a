from django.core.management.base import BaseCommand

from shop.notifications.mail import deliver_pending


class Command(BaseCommand):
    help = (
        "One pass over the outbox: send the pending emails whose next attempt has come "
        "(`run_worker` does this every few seconds)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"sent {deliver_pending()} email(s)")
