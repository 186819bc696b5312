"""Building exports on a worker, with progress the exports page shows."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import translation

from cohesion import clock, jobs
from cohesion.broker import dispatch
from dashboards.models import Export

logger = logging.getLogger(__name__)
# An export claimed longer ago than this belongs to a dead worker (a build is killed after 660 s).
STALE_AFTER = datetime.timedelta(seconds=settings.EXPORT_CLAIM_TIMEOUT)


def _progress(export_id: int, value: int) -> None:
    Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(progress=value)


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def build_export(export_id: int) -> str:
    from dashboards import exports
    from dashboards.indicators import Period

    # Of two workers given the same export, one builds it.
    if not jobs.claim(
        Export, export_id, waiting=Export.Status.QUEUED, running=Export.Status.RUNNING,
        now=clock.now(), timeout=STALE_AFTER, progress=5, attempts=F("attempts") + 1,
    ):  # fmt: skip
        return "not claimed"
    export = Export.objects.select_related("programme", "community").get(pk=export_id)
    if export.attempts > settings.EXPORT_ATTEMPTS:
        # Its workers died every time (killed for memory, say): no endless loop of tries.
        return _failed(export, RuntimeError("no worker finished it"))
    period = Period(export.period_start, export.period_end)
    try:
        with translation.override(export.language):
            if export.kind == Export.Kind.GRID_CSV:
                table = exports.grid_table(export.programme, period)
                content = exports.to_csv(table, hxl=export.hxl)
            elif export.kind == Export.Kind.IPTT_XLSX:
                from dashboards import iptt

                table = iptt.build(export.programme, protected=export.suppressed)
                content = iptt.to_xlsx(table, str(export.programme.title))
            elif export.kind == Export.Kind.REPORT_PDF:
                from safetyplans.pdf import html_to_pdf

                targets = {t.indicator: t.target for t in export.programme.indicator_targets.all()}
                html = exports.report_html(
                    export.programme, period, export.community,
                    protected=export.suppressed, targets=targets,
                    language=export.language,
                )  # fmt: skip
                _progress(export_id, 60)
                content = html_to_pdf(html)
            else:
                table = exports.indicator_table(
                    export.programme, period, export.community,
                    protected=export.suppressed,
                    progress=lambda value: _progress(export_id, value),
                )  # fmt: skip
                if export.kind == Export.Kind.TABLE_CSV:
                    content = exports.to_csv(table, hxl=export.hxl)
                else:
                    content = exports.to_xlsx(table, str(export.programme.title), hxl=export.hxl)
        _progress(export_id, 95)
        export.file.save(f"export.{export.extension}", ContentFile(content), save=False)
        Export.objects.filter(pk=export_id).update(
            file=export.file.name,
            size=len(content),
            status=Export.Status.READY,
            progress=100,
            finished_at=clock.now(),
        )
    except Exception as error:
        logger.exception("export %s failed (try %s)", export_id, export.attempts)
        return _failed(export, error)
    return "ready"


def _failed(export: Export, error: Exception) -> str:
    """Tries again later (1, then 4 minutes: the sweep queues it) or, after the last try,
    marks the export failed for good; its user sees so and may ask again."""
    detail = f"{type(error).__name__}: {error}"[:500]
    if export.attempts < settings.EXPORT_ATTEMPTS:
        delay = settings.EXPORT_RETRY_DELAY * 4 ** (export.attempts - 1)
        Export.objects.filter(pk=export.pk, status=Export.Status.RUNNING).update(
            status=Export.Status.QUEUED,
            retry_at=clock.now() + datetime.timedelta(seconds=delay),
            progress=0,
            error=detail,
        )
        return "retrying"
    Export.objects.filter(pk=export.pk, status=Export.Status.RUNNING).update(
        status=Export.Status.FAILED, retry_at=None, error=detail
    )
    return "failed"


@shared_task
def requeue_waiting_exports() -> int:
    """Queues exports left waiting (a broker that was down when they were asked for) and those
    claimed by a worker that died, so that none stays "queued" for ever."""
    ids = jobs.left_waiting(
        Export, waiting=Export.Status.QUEUED, running=Export.Status.RUNNING,
        now=clock.now(), timeout=STALE_AFTER, not_before="retry_at",
    )  # fmt: skip
    for export_id in ids:
        dispatch(build_export, export_id)
    return len(ids)


@shared_task(soft_time_limit=240, time_limit=270)
def warm_dashboards() -> int:
    """Renders the default dashboard of every running programme whose figures changed (their
    cached body went with the old version), before a user asks: the page is rarely met cold.
    Returns how many bodies it rendered."""
    from communities.models import Programme
    from dashboards import page

    today = clock.today()
    return sum(page.warm(programme, today=today) for programme in Programme.objects.running(today))
