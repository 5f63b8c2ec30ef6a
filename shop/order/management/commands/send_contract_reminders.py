"""Daily: email contracts that end within KOBAI_CONTRACT_REMINDER_DAYS days, once per line (O8, E1)."""

from django.core.management.base import BaseCommand

from shop.order import contracts


class Command(BaseCommand):
    help = (
        "Email the orderer and the company administrators about contract lines ending within "
        "KOBAI_CONTRACT_REMINDER_DAYS days (default 60). Once per line; safe to run more than once a day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="override KOBAI_CONTRACT_REMINDER_DAYS")

    def handle(self, *args, days=None, **options):
        reminded = contracts.send_reminders(days=days)
        self.stdout.write(f"reminded {reminded} contract line(s)")
