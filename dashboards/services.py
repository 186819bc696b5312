"""Targets and export requests."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cohesion import clock
from cohesion.broker import dispatch_on_commit
from dashboards.indicators import BY_CODE
from dashboards.models import Export, IndicatorTarget

# One person cannot fill the queue: a few exports in flight at a time.
MAX_WAITING_PER_USER = 3


def _check(code: str, value, *, zero_allowed=False) -> None:
    if code not in BY_CODE:
        raise ValidationError(_("Unknown indicator."))
    if value is None:
        return
    if value < 0 or (value == 0 and not zero_allowed):
        raise ValidationError({code: _("Give a positive target (a share at most 100).")})
    if BY_CODE[code].unit == "percent" and value > 100:
        raise ValidationError({code: _("Give a positive target (a share at most 100).")})


@transaction.atomic
def targets_set(
    *,
    programme,
    targets: dict[str, Decimal | None],
    baselines: dict[str, Decimal | None] | None = None,
    frequency: str | None = None,
    period_targets: dict[tuple, Decimal | None] | None = None,
    by: User | None = None,
) -> None:
    """Sets the programme's tracking plan: life-of-programme targets and baselines by
    indicator (None removes one; what is not given is left as it is), the reporting periods,
    and the targets for each period ((indicator, first day) -> target or None)."""
    from dashboards.models import PeriodTarget, TrackingPlan

    baselines = baselines or {}
    for code in set(targets) | set(baselines):
        target, baseline = targets.get(code), baselines.get(code)
        _check(code, target)
        _check(code, baseline, zero_allowed=True)
        row = IndicatorTarget.objects.filter(programme=programme, indicator=code).first()
        target = target if code in targets else (row.target if row else None)
        baseline = baseline if code in baselines else (row.baseline if row else None)
        if target is None and baseline is None:
            IndicatorTarget.objects.filter(programme=programme, indicator=code).delete()
            continue
        IndicatorTarget.objects.update_or_create(
            programme=programme,
            indicator=code,
            defaults={"target": target, "baseline": baseline},
        )
    if frequency:
        if frequency not in TrackingPlan.Frequency.values:
            raise ValidationError(_("Choose years, quarters or months."))
        TrackingPlan.objects.update_or_create(
            programme=programme, defaults={"frequency": frequency}
        )
    for (code, start), value in (period_targets or {}).items():
        _check(code, value)
        here = PeriodTarget.objects.filter(programme=programme, indicator=code, period_start=start)
        if value is None:
            here.delete()
        else:
            here.update_or_create(
                programme=programme, indicator=code, period_start=start,
                defaults={"target": value},
            )  # fmt: skip


@transaction.atomic
def comments_set(*, programme, period, comments: dict[str, str], by: User | None = None) -> None:
    """Sets the coordinators' comments on the indicators for one period; an empty one is
    removed."""
    from dashboards.models import IndicatorComment

    unknown = set(comments) - set(BY_CODE)
    if unknown:
        raise ValidationError(_("Unknown indicator."))
    here = IndicatorComment.objects.filter(
        programme=programme, period_start=period.start, period_end=period.end
    )
    for code, text in comments.items():
        text = (text or "").strip()
        if not text:
            here.filter(indicator=code).delete()
            continue
        here.update_or_create(
            programme=programme,
            period_start=period.start,
            period_end=period.end,
            indicator=code,
            defaults={"text": text, "updated_by": by, "updated_at": clock.now()},
        )


def comments_for(programme, period) -> dict[str, str]:
    """The comments written for exactly this period, by indicator."""
    from dashboards.models import IndicatorComment

    return dict(
        IndicatorComment.objects.filter(
            programme=programme, period_start=period.start, period_end=period.end
        ).values_list("indicator", "text")
    )


def _check_limit(by) -> None:
    # Only exports that can still finish count: a failed one, or one whose worker died, does
    # not keep its user from asking again.
    waiting = Export.objects.filter(requested_by=by).can_still_finish()
    if by is not None and waiting.count() >= MAX_WAITING_PER_USER:
        raise ValidationError(_("Wait for your exports in progress to finish first."))


@transaction.atomic
def export_retry(*, export: Export, by=None) -> Export:
    """Asks again for an export that failed: the same programme, period, kind and protection,
    from the start."""
    from dashboards.tasks import build_export

    if export.status != Export.Status.FAILED:
        raise ValidationError(_("Only an export that failed can be asked for again."))
    _check_limit(by)
    export.status = Export.Status.QUEUED
    export.attempts = 0
    export.retry_at = None
    export.progress = 0
    export.error = ""
    export.requested_at = clock.now()
    export.save(
        update_fields=["status", "attempts", "retry_at", "progress", "error", "requested_at"]
    )
    dispatch_on_commit(build_export, export.pk)
    return export


@transaction.atomic
def export_request(
    *,
    programme,
    kind,
    start,
    end,
    community=None,
    language="uk",
    suppressed=True,
    hxl=False,
    by=None,
) -> Export:
    """Queues an export, built on a worker once the request is committed."""
    from dashboards.tasks import build_export

    _check_limit(by)
    export = Export.objects.create(
        programme=programme,
        kind=kind,
        period_start=start,
        period_end=end,
        community=community,
        language=language,
        suppressed=suppressed,
        # Only the tables take hashtags; a PDF report or the IPTT workbook ignores the choice.
        hxl=hxl and kind in Export.TAGGABLE,
        requested_by=by,
    )

    # Queued after the commit; if the broker is down, the sweep queues it when it is back.
    dispatch_on_commit(build_export, export.pk)
    return export
