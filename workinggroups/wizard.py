"""The import wizard, for any list of people (a group's members, an event's participants).

Upload (read at once: encoding, separator and header row detected and shown), columns (each
mapped to a field, proposed from its header), words (what the words of coded columns mean,
proposed), check (every row, on a worker, with progress: the preview of what saving will do),
save (all or nothing, on a worker, with progress: the check is run again inside the saving
transaction, so that a preview made stale by someone else's change saves nothing). Each kind
of list is a Target: its columns, its check and its save.
"""

import datetime
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _

from cohesion import clock, jobs
from cohesion.broker import dispatch_on_commit
from workinggroups.imports import (
    MEMBERS,
    Spec,
    check_members,
    member_words,
    propose,
    read_upload,
    remember_mapping,
    remember_values,
    save_members,
)
from workinggroups.models import ImportJob, ImportOutcome

logger = logging.getLogger(__name__)
Status = ImportJob.Status
# A check or save claimed longer ago than this lost its worker; the sweep queues it again.
STALE_AFTER = datetime.timedelta(minutes=15)
# Uploads hold people's data: deleted this long after upload, saved or not.
KEEP_FOR = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Target:
    """What a kind of list is imported into, and how."""

    spec: Spec
    load: object  # job -> the group or event (None when gone)
    check: object  # (job, target, by, progress) -> (outcomes, problem)
    words: object  # (job, target, user) -> [CodedColumn]
    save: object  # (job, target, by, outcomes, progress) -> summary
    remembers: object  # (user, programme) -> bool: whose choices are kept for the programme
    lock: object  # target -> the target locked for the saving transaction (select_for_update)


def _member_group(job):
    from workinggroups.models import WorkingGroup

    return (
        WorkingGroup.objects.select_related("programme", "community")
        .filter(pk=job.target_id)
        .first()
    )


def _lock_group(group):
    """The group, and its community (people are matched within it), locked: two saves into
    the group, or of the same people into the community's groups, check and write in turn."""
    from communities.models import Community
    from workinggroups.models import WorkingGroup

    Community.objects.select_for_update().filter(pk=group.community_id).first()
    return (
        WorkingGroup.objects.select_for_update()
        .select_related("programme", "community")
        .get(pk=group.pk)
    )


def _coordinates(user, programme) -> bool:
    from communities.access import manages_programme

    return manages_programme(user, programme)


TARGETS = {
    ImportJob.Kind.MEMBERS: Target(
        MEMBERS,
        _member_group,
        check_members,
        member_words,
        save_members,
        _coordinates,
        _lock_group,
    ),
}


def target_of(kind) -> Target:
    if kind not in TARGETS and kind == ImportJob.Kind.PARTICIPANTS:
        import engagement.imports  # noqa: F401  registers itself

    return TARGETS[kind]


def start(*, kind, programme, target_id: int, upload, by, language: str) -> ImportJob:
    """Reads the upload and keeps it for the next steps, or ValidationError saying what is
    wrong with the file (nothing kept)."""
    from cohesion.uploads import check_size
    from workinggroups.imports import MAX_BYTES

    check_size(upload, MAX_BYTES)
    content = upload.read()
    spec = target_of(kind).spec
    table = read_upload(upload.name, content, spec=spec)
    job = ImportJob(
        kind=kind,
        programme=programme,
        target_id=target_id,
        created_by=by,
        language=language,
        file_name=(upload.name or "")[:200],
        content=content,
    )
    _take(job, table, spec)
    job.save()
    return job


def _take(job, table, spec) -> None:
    job.encoding, job.delimiter = table.encoding, table.delimiter
    job.first_row, job.headers, job.rows = table.first_row, table.headers, table.rows
    job.mapping = propose(table.headers, job.programme, spec)
    job.values = {}
    job.status = Status.COLUMNS


def reread(job, *, encoding: str, delimiter: str, header_row: int | None = None) -> None:
    """Reads the file again with the encoding, separator and header row (0: none) the
    coordinator chose."""
    spec = target_of(job.kind).spec
    table = read_upload(
        job.file_name, bytes(job.content), encoding=encoding, delimiter=delimiter, spec=spec,
        header_row=header_row,
    )  # fmt: skip
    _take(job, table, spec)
    if not _move(job, [Status.COLUMNS], Status.COLUMNS, **_fields(job, READ_FIELDS)):
        raise ValidationError(_("This file has moved on to another step: reload the page."))


READ_FIELDS = ("encoding", "delimiter", "first_row", "headers", "rows", "mapping", "values")


def _fields(job, names) -> dict:
    return {name: getattr(job, name) for name in names}


def _move(job, from_statuses, to, **changes) -> bool:
    """Moves the upload on only from where the page saw it: a double click, or two tabs,
    cannot queue the same check or save twice nor pull a job from under its worker."""
    moved = ImportJob.objects.filter(pk=job.pk, status__in=from_statuses).update(
        status=to, **changes
    )
    if moved:
        job.status = to
        for name, value in changes.items():
            setattr(job, name, value)
    return bool(moved)


# Where an upload may be sent back to the columns or words, or discarded: not while a worker
# has it (a check or save queued or running).
AT_REST = (Status.COLUMNS, Status.VALUES, Status.CHECKED)


def set_columns(job, mapping: list, by) -> None:
    target = target_of(job.kind)
    if not _move(job, [Status.COLUMNS], Status.VALUES, mapping=mapping):
        raise ValidationError(_("This file has moved on to another step: reload the page."))
    if target.remembers(by, job.programme):
        # The programme's coordinators' choices are proposed for its next files.
        remember_mapping(job.programme, job.headers, mapping, target.spec)


def words(job, target, user):
    return target_of(job.kind).words(job, target, user)


@transaction.atomic
def set_values(job, values: dict, by) -> None:
    """Keeps what the words mean and queues the check."""
    target = target_of(job.kind)
    if not queue(job, [Status.VALUES], Status.CHECK_QUEUED, values=values):
        raise ValidationError(_("This file has moved on to another step: reload the page."))
    if target.remembers(by, job.programme):
        remember_values(job.programme, target.spec, values)


def back_to(job, status) -> bool:
    return _move(job, AT_REST, status, problem="")


def discard(job) -> bool:
    """Deletes the upload unless a worker has it (a check or save under way)."""
    deleted, _by_model = ImportJob.objects.filter(
        pk=job.pk, status__in=[*AT_REST, Status.CHECK_QUEUED, Status.SAVED]
    ).delete()
    return bool(deleted)


def queue(job, from_statuses, status, **changes) -> bool:
    """Queues the check or the save, once: False if the job was not where the page saw it."""
    from workinggroups.tasks import check_import, save_import

    changes = {"progress": 0, "queued_at": clock.now(), "problem": "", **changes}
    if not _move(job, from_statuses, status, **changes):
        return False
    dispatch_on_commit(check_import if status == Status.CHECK_QUEUED else save_import, job.pk)
    return True


def upload_url(job) -> str:
    from django.urls import reverse

    if job.kind == ImportJob.Kind.PARTICIPANTS:
        return reverse("engagement:participants_import", args=[job.target_id])
    return reverse("workinggroups:member_import", args=[job.target_id])


def may_save(job) -> bool:
    return (
        job.status == Status.CHECKED
        and not job.problem
        and job.summary.get("refused", 0) == 0
        and job.summary.get("total", 0) > 0
    )


def request_save(job) -> None:
    if not may_save(job):
        raise ValidationError(_("Only a checked file without refused rows can be saved."))
    with transaction.atomic():
        if not queue(job, [Status.CHECKED], Status.SAVE_QUEUED):
            raise ValidationError(_("This file is being saved already."))


def _progress(job_id: int, status, value: int) -> None:
    ImportJob.objects.filter(pk=job_id, status=status).update(progress=min(value, 99))


def _load(job_id: int):
    job = ImportJob.objects.select_related("programme", "created_by").get(pk=job_id)
    return job, target_of(job.kind), job.created_by


def run_check(job_id: int) -> str:
    """The preview: every row's outcome kept, with counts."""
    if not jobs.claim(
        ImportJob, job_id, waiting=Status.CHECK_QUEUED, running=Status.CHECKING,
        now=clock.now(), timeout=STALE_AFTER, progress=1,
    ):  # fmt: skip
        return "not claimed"
    job, target, by = _load(job_id)
    obj = target.load(job)
    with translation.override(job.language):
        try:
            if obj is None:
                outcomes, problem = [], _("Where this list was going no longer exists.")
            else:
                outcomes, problem = target.check(
                    job, obj, by,
                    lambda done, total: _progress(job_id, Status.CHECKING, 100 * done // total),
                )  # fmt: skip
            _keep_outcomes(job, outcomes, problem)
        except Exception:
            # Said on the page, not left "being checked" until the sweep tries again.
            logger.exception("import %s: the check failed", job_id)
            ImportJob.objects.filter(pk=job_id, status=Status.CHECKING).update(
                status=Status.CHECKED, progress=100, problem=_failed()
            )
            return "failed"
    ImportJob.objects.filter(pk=job_id, status=Status.CHECKING).update(
        status=Status.CHECKED, progress=100
    )
    return "checked"


def _failed() -> str:
    return _(
        "Something went wrong on our side and nothing was saved. Try again; if it fails "
        "again, tell the administrator."
    )


def _keep_outcomes(job, outcomes, problem) -> None:
    with transaction.atomic():
        job.outcomes.all().delete()
        ImportOutcome.objects.bulk_create(
            [
                ImportOutcome(
                    job=job,
                    row=o["row"],
                    name=o.get("name", ""),
                    outcome=o["outcome"],
                    detail=o.get("detail", ""),
                    errors=o.get("errors", []),
                )
                for o in outcomes
            ],
            batch_size=1000,
        )
        counts = dict(
            job.outcomes.values_list("outcome").annotate(n=Count("pk")).values_list("outcome", "n")
        )
        counts["total"] = sum(counts.values())
        ImportJob.objects.filter(pk=job.pk).update(summary=counts, problem=problem[:500])


def run_save(job_id: int) -> str:
    """Saves all or nothing: the check again, inside the transaction, against the records as
    they are now; any row it would refuse (or a problem of the whole file) saves nothing and
    goes back to the preview, said."""
    if not jobs.claim(
        ImportJob, job_id, waiting=Status.SAVE_QUEUED, running=Status.SAVING,
        now=clock.now(), timeout=STALE_AFTER, progress=1,
    ):  # fmt: skip
        return "not claimed"
    job, target, by = _load(job_id)
    obj = target.load(job)
    with translation.override(job.language):
        try:
            with transaction.atomic():
                if obj is None:
                    raise _Stale([], _("Where this list was going no longer exists."))
                # Locked before the check: a second save into the same place waits, then
                # finds the people of the first on record.
                obj = target.lock(obj)
                outcomes, problem = target.check(
                    job, obj, by,
                    lambda done, total: _progress(job_id, Status.SAVING, 40 * done // total),
                )  # fmt: skip
                if problem or any(o["outcome"] == ImportOutcome.Outcome.REFUSED for o in outcomes):
                    raise _Stale(outcomes, problem)
                summary = target.save(
                    job, obj, by, outcomes,
                    lambda value: _progress(job_id, Status.SAVING, 40 + value * 60 // 100),
                )  # fmt: skip
        except _Stale as stale:
            _keep_outcomes(job, stale.outcomes, stale.problem or _changed())
            ImportJob.objects.filter(pk=job_id).update(status=Status.CHECKED, progress=100)
            return "changed"
        except ValidationError as error:
            ImportJob.objects.filter(pk=job_id).update(
                status=Status.CHECKED, progress=100, problem=" ".join(error.messages)[:500]
            )
            return "refused"
        except Exception:
            logger.exception("import %s: the save failed", job_id)
            ImportJob.objects.filter(pk=job_id).update(
                status=Status.CHECKED, progress=100, problem=_failed()
            )
            return "failed"
    # Saved: the file and its rows are not needed any more (people's data kept only once).
    job.outcomes.all().delete()
    ImportJob.objects.filter(pk=job_id).update(
        status=Status.SAVED, progress=100, summary=summary, content=b"", rows=[]
    )
    return "saved"


def _changed() -> str:
    return _("The records changed since the check: nothing was saved. See the rows below.")


class _Stale(Exception):
    def __init__(self, outcomes, problem):
        super().__init__(problem)
        self.outcomes, self.problem = outcomes, problem


def left_waiting() -> list[int]:
    ids = []
    for waiting, running in (
        (Status.CHECK_QUEUED, Status.CHECKING),
        (Status.SAVE_QUEUED, Status.SAVING),
    ):
        ids += jobs.left_waiting(
            ImportJob, waiting=waiting, running=running, now=clock.now(),
            timeout=STALE_AFTER, requested_at="queued_at",
        )  # fmt: skip
    return ids


def purge() -> int:
    deleted, _by_model = ImportJob.objects.filter(created_at__lt=clock.now() - KEEP_FOR).delete()
    return deleted
