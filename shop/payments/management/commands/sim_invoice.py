"""Operate the deferred-invoice simulator from the shell (what its console at /_sim/invoice/console/ does)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shop.payments.simulators import SimulatorError
from shop.payments.simulators.invoice import InvoicePartnerSimulator


class Command(BaseCommand):
    help = "Deferred-invoice simulator: review (pass/reject), bill, settle, run-billing, deliver webhooks."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["pass", "reject", "bill", "settle", "run-billing", "deliver"])
        parser.add_argument("reference", nargs="?", default="", help="the transaction reference (tr_…)")

    def handle(self, *args, action, reference, **options):
        sim = InvoicePartnerSimulator.from_settings()
        if action in ("pass", "reject", "bill", "settle") and not reference:
            raise CommandError(f"{action} needs a transaction reference")
        try:
            if action == "pass":
                result = sim.review(reference=reference, decision="passed")
            elif action == "reject":
                result = sim.review(reference=reference, decision="rejected")
            elif action == "bill":
                result = sim.bill(reference=reference)
            elif action == "settle":
                result = sim.settle(reference=reference)
            elif action == "run-billing":
                result = sim.run_billing(today=timezone.localdate())
            else:
                result = {"delivered": sim.deliver_pending()}
        except SimulatorError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
