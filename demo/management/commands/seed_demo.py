from django.conf import settings
from django.core.management.base import BaseCommand

from demo.seed import seed_demo


class Command(BaseCommand):
    help = "Creates the demo programmes, communities, organisations and accounts (idempotent)."

    def handle(self, *args, **options):
        accounts = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
        if not settings.DEBUG:
            self.stdout.write(
                "Demo accounts have no usable password outside DEBUG: use password reset."
            )
            return
        self.stdout.write("Demo accounts (DEBUG only):")
        for account, password in accounts:
            self.stdout.write(f"  {account.role:<14} {account.email:<32} {password}")
        if not settings.MFA_REQUIRED_FOR_STAFF:
            self.stdout.write(
                self.style.WARNING(
                    "MFA_REQUIRED_FOR_STAFF is off for this demo: coordinators and administrators "
                    "can look around without an authenticator app. Production requires it."
                )
            )
