"""Targets and export requests."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cohesion.broker import dispatch_on_commit
from dashboards.indicators import BY_CODE
from dashboards.models import Export, IndicatorTarget

# One person cannot fill the queue: a few exports in flight at a time.
MAX_WAITING_PER_USER = 3


@transaction.atomic
def targets_set(*, programme, targets: dict[str, Decimal | None], by: User | None = None) -> None:
    """Sets (or, with None, removes) the programme's targets."""
    unknown = set(targets) - set(BY_CODE)
    if unknown:
        raise ValidationError(_("Unknown indicator."))
    for code, value in targets.items():
        if value is None:
            IndicatorTarget.objects.filter(programme=programme, indicator=code).delete()
            continue
        if value <= 0 or (BY_CODE[code].unit == "percent" and value > 100):
            raise ValidationError({code: _("Give a positive target (a share at most 100).")})
        IndicatorTarget.objects.update_or_create(
            programme=programme, indicator=code, defaults={"target": value}
        )


def export_request(
    *, programme, kind, start, end, community=None, language="uk", suppressed=True, by=None
) -> Export:
    """Queues an export, built on a worker once the request is committed."""
    from dashboards.tasks import build_export

    waiting = Export.objects.filter(
        requested_by=by, status__in=[Export.Status.QUEUED, Export.Status.RUNNING]
    )
    if by is not None and waiting.count() >= MAX_WAITING_PER_USER:
        raise ValidationError(_("Wait for your exports in progress to finish first."))
    export = Export.objects.create(
        programme=programme,
        kind=kind,
        period_start=start,
        period_end=end,
        community=community,
        language=language,
        suppressed=suppressed,
        requested_by=by,
    )

    # Queued after the commit; if the broker is down, the sweep queues it when it is back.
    dispatch_on_commit(build_export, export.pk)
    return export
