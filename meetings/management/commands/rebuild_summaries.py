"""Recomputes the per-group, per-month summary from the records (meetings.summary). Triggers keep
it as records change; rebuild after restoring a backup without triggers, after changing
TIME_ZONE, or to check the kept summary (--check compares without writing)."""

from django.core.management.base import BaseCommand, CommandError

from meetings import summary


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Compare the kept summary with the records; change nothing.",
        )

    def handle(self, *args, check=False, **options):
        if check:
            kept, computed = summary.kept(), summary.computed()
            if kept != computed:
                raise CommandError(
                    f"The summary differs from the records in {len(kept ^ computed)} rows: "
                    "run rebuild_summaries."
                )
            self.stdout.write(f"The summary agrees with the records ({len(kept)} rows).")
            return
        summary.fill_calendar()
        summary.install()
        rows = summary.rebuild()
        self.stdout.write(f"Summary rebuilt: {rows} group-months.")
