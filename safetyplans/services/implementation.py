"""After approval: following each action's progress, and the PDFs of approved versions."""

import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cohesion import clock
from cohesion.broker import dispatch_on_commit
from cohesion.text import clean_text
from meetings.models import Decision, Meeting
from safetyplans.models import (
    ActionTracking,
    ActionUpdate,
    PlanDocument,
    PlanVersion,
)
from workinggroups.models import WorkingGroup

Status = PlanVersion.Status


# --- implementation -------------------------------------------------------------------------


@transaction.atomic
def action_track(
    *,
    tracking: ActionTracking,
    status: str,
    progress: int,
    note: str = "",
    on: datetime.date | None = None,
    meeting: Meeting | None = None,
    by: User | None = None,
) -> ActionUpdate:
    """A dated progress update of an approved action, kept apart from the frozen plan; one
    reported at a meeting is the meeting's group's own action, dated the day of the meeting."""
    fresh = (
        ActionTracking.objects.select_for_update()
        .select_related("action__version", "plan")
        .get(pk=tracking.pk)
    )
    if meeting is not None:
        if meeting.group_id != fresh.plan.group_id:
            raise ValidationError(_("Choose an action of this group's plan."))
        if meeting.status != Meeting.Status.HELD:
            raise ValidationError(_("Progress is reported at a meeting that was held."))
        on = on or clock.day_of(meeting.starts_at)
    on = on or clock.today()
    if fresh.action.version.status != Status.APPROVED:
        raise ValidationError(_("Only the actions of the plan in force are followed."))
    if status not in ActionTracking.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    if progress is None or not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress is between 0 and 100%.")})
    if on > clock.today():
        raise ValidationError({"on": _("The date is in the future.")})
    if status == ActionTracking.Status.DONE:
        progress = 100
    elif status == ActionTracking.Status.NOT_STARTED and progress:
        raise ValidationError({"progress": _("An action not started has no progress yet.")})
    update = ActionUpdate.objects.create(
        tracking=fresh, on=on, status=status, progress=progress, note=clean_text(note),
        recorded_by=by, meeting=meeting,
    )  # fmt: skip
    # The latest dated update is the action's state; an older date only adds to the history.
    if fresh.updated_on is None or on >= fresh.updated_on:
        fresh.status, fresh.progress, fresh.updated_on = status, progress, on
        fresh.save(update_fields=["status", "progress", "updated_on"])
    return update


# --- PDF ------------------------------------------------------------------------------------


def document_request(*, version: PlanVersion, language: str) -> PlanDocument:
    """The PDF of an approved version in a language: rendered once, on a worker."""
    from safetyplans.tasks import render_plan_document

    if version.status not in PlanVersion.FROZEN:
        raise ValidationError(_("Only an approved plan is printed."))
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."))
    try:
        with transaction.atomic():
            document, created = PlanDocument.objects.get_or_create(
                version=version, language=language
            )
    except IntegrityError:
        document, created = PlanDocument.objects.get(version=version, language=language), False
    if created or document.status == PlanDocument.Status.FAILED:
        if document.status == PlanDocument.Status.FAILED:
            # Trying again starts afresh, with its own retries.
            PlanDocument.objects.filter(pk=document.pk).update(
                status=PlanDocument.Status.QUEUED,
                progress=0,
                attempts=0,
                error="",
                requested_at=clock.now(),
            )
            document.refresh_from_db()

        # The approval stands even if the broker is down: the sweep queues the PDF later.
        dispatch_on_commit(render_plan_document, document.pk)
    return document


def document_store(document: PlanDocument, pdf: bytes) -> None:
    """Keeps the rendered PDF once, with its checksum."""
    document.file.save("plan.pdf", ContentFile(pdf), save=False)
    document.sha256 = hashlib.sha256(pdf).hexdigest()
    document.size = len(pdf)
    document.status = PlanDocument.Status.READY
    document.progress = 100
    document.rendered_at = clock.now()
    document.error = ""
    document.save(
        update_fields=["file", "sha256", "size", "status", "progress", "rendered_at", "error"]
    )


def decisions_of(group: WorkingGroup):
    """The group's meeting decisions an action or priority may come from, newest first."""
    return (
        Decision.objects.filter(meeting__group=group, meeting__status="held")
        .select_related("meeting")
        .order_by("-meeting__starts_at", "position")
    )
