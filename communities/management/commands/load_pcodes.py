from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from communities.pcodes import pcodes_load


class Command(BaseCommand):
    help = (
        "Copies OCHA's P-codes onto oblasts, raions and communities from a COD-AB "
        "admin-boundaries table (CSV or XLSX) downloaded from HDX; reports the rows it could "
        "not match without doubt."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The COD-AB table, .csv or .xlsx.")

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            result = pcodes_load(path=file)
        except ValueError as error:
            raise CommandError(str(error)) from error
        for level, name in ((1, "oblasts"), (2, "raions"), (3, "communities")):
            self.stdout.write(
                f"{name}: {result.changed[level]} set, {result.unchanged[level]} unchanged"
            )
        for title, problems in (("not matched", result.unmatched), ("ambiguous", result.ambiguous)):
            if problems:
                self.stdout.write(f"{title} ({len(problems)}), by line of the file:")
                for problem in problems:
                    self.stdout.write(f"  {problem}")
