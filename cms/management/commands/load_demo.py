"""Load the whole demo (S2): catalogue, CMS pages, staff superuser and one staff member per role; then index it.

Safe to run repeatedly: every row is keyed on a natural key.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from cms.demo import ensure_pages
from shop.demo.catalogue import load_catalogue
from shop.demo.users import (
    DEMO_ADMIN,
    DEMO_PASSWORD,
    DEMO_STAFF,
    DEMO_STAFF_PASSWORD,
    ensure_demo_company,
    ensure_staff_users,
    ensure_superuser,
)


class Command(BaseCommand):
    help = "Load the demo catalogue, CMS pages and staff user (idempotent), then rebuild the search index."

    def add_arguments(self, parser):
        parser.add_argument("--no-index", action="store_true", help="skip rebuilding the search index")

    def handle(self, *args, no_index=False, **options):
        from django.apps import apps

        signal_processor = apps.get_app_config("haystack").signal_processor
        if no_index:
            signal_processor.teardown()  # no after-commit index updates either
        try:
            result = load_catalogue()
            ensure_pages()
            ensure_superuser()
            ensure_staff_users()  # one per role (S1)
            ensure_demo_company()
        finally:
            if no_index:
                signal_processor.setup()
        self.stdout.write(
            f"demo catalogue: {result.products} products, {result.makers} makers, {result.categories} categories"
        )
        if not no_index:
            # a rebuild, not an update: it also picks up a changed schema or analyzer
            call_command("rebuild_index", interactive=False, verbosity=0)
            self.stdout.write("search index rebuilt")
        self.stdout.write(
            f"staff login: {DEMO_ADMIN['username']} / {DEMO_ADMIN['password']} (TOTP: manage.py show_totp admin)"
        )
        staff = ", ".join(username for username, _key, _family in DEMO_STAFF)
        self.stdout.write(f"staff by role: {staff} / {DEMO_STAFF_PASSWORD} (TOTP: manage.py show_totp <login>)")
        self.stdout.write(f"demo buyers: K0000001 (administrator) … K0000004 (requester) / {DEMO_PASSWORD}")
