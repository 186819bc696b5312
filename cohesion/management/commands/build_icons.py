"""Cuts the icons the pages use out of Bootstrap Icons (cohesion.icons): a font and a stylesheet
in static/vendor/bootstrap-icons/ with only those. Run after using a new icon (`make icons`);
--check says whether the served subset lacks any, changing nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cohesion import icons


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Say whether the served subset has every icon used; write nothing.",
        )

    def handle(self, *args, check=False, **options):
        usage = icons.icons_used()
        if usage.built:
            raise CommandError(
                "Icon class names put together at run time, which the subset cannot see "
                f"(write each name out whole): {', '.join(usage.built)}"
            )
        if check:
            missing = sorted(usage.icons.keys() - icons.subset_icons().keys())
            if missing:
                raise CommandError(
                    f"Icons used but not in the subset: {', '.join(missing)}; run make icons."
                )
            self.stdout.write(f"The subset has all {len(usage.icons)} icons used.")
            return
        try:
            icons.build(set(usage.icons))
        except ValueError as error:
            raise CommandError(str(error)) from error
        size = (icons.TARGET / icons.FONT_NAME).stat().st_size
        self.stdout.write(
            f"{len(usage.icons)} icons: {icons.FONT_NAME} ({size:,} bytes) and {icons.CSS_NAME} "
            f"in {icons.TARGET.relative_to(settings.BASE_DIR)}/."
        )
