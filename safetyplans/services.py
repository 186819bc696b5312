"""State changes of safety plans: drafting with conflict detection, the review workflow,
approval (which freezes the version and queues its PDF), revision and implementation tracking.

Who may call what is decided in safetyplans.access, before; these functions keep the
plan's states and texts consistent whoever calls them."""

import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts.models import User
from cohesion import clock
from cohesion.text import clean_text
from meetings.models import Decision
from safetyplans.models import (
    Action,
    ActionTracking,
    ActionUpdate,
    PlanDocument,
    PlanVersion,
    Priority,
    SafetyPlan,
)
from workinggroups.models import WorkingGroup

Status = PlanVersion.Status
MAX_PLAN_YEARS = 5


class EditConflict(ValidationError):
    """Someone else saved (or removed) the same thing since the form was opened."""

    def __init__(self, message):
        super().__init__(message, code="conflict")


# --- creating -------------------------------------------------------------------------------


def _check_period(*, group: WorkingGroup, start: datetime.date, end: datetime.date) -> None:
    if end <= start:
        raise ValidationError({"period_end": _("The period must end after it starts.")})
    if (end - start).days > 366 * MAX_PLAN_YEARS:
        raise ValidationError(
            {
                "period_end": ngettext(
                    "A plan covers at most %(years)s year.",
                    "A plan covers at most %(years)s years.",
                    MAX_PLAN_YEARS,
                )
                % {"years": MAX_PLAN_YEARS}
            }
        )
    overlapping = group.safety_plans.filter(period_start__lte=end, period_end__gte=start)
    if overlapping.exists():
        raise ValidationError(
            _("The community already has a plan for part of this period: revise that plan instead.")
        )


@transaction.atomic
def plan_create(
    *,
    group: WorkingGroup,
    period_start: datetime.date,
    period_end: datetime.date,
    context_summary: str = "",
    by: User | None = None,
) -> SafetyPlan:
    """A new plan for the group's community, with its first draft version."""
    # Serialise plan creation per group so two people starting a plan at once get one.
    WorkingGroup.objects.select_for_update().get(pk=group.pk)
    if group.status == WorkingGroup.Status.CEASED:
        raise ValidationError(_("The group has ceased: it drafts no new plans."))
    _check_period(group=group, start=period_start, end=period_end)
    plan = SafetyPlan.objects.create(
        group=group, period_start=period_start, period_end=period_end, created_by=by
    )
    PlanVersion.objects.create(
        plan=plan, number=1, context_summary=clean_text(context_summary), created_by=by
    )
    return plan


# --- drafting -------------------------------------------------------------------------------


def _locked_version(version: PlanVersion) -> PlanVersion:
    """The version row, locked, and refused unless it may be edited now."""
    fresh = PlanVersion.objects.select_for_update().get(pk=version.pk)
    if fresh.is_frozen:
        raise ValidationError(
            _("This version of the plan is approved and frozen. Revise the plan to change it."),
            code="frozen",
        )
    if not fresh.is_editable:
        raise EditConflict(
            _(
                "The plan was sent for review meanwhile, so it cannot be changed now. Your text "
                "is kept below; the reviewer can return the plan for revision."
            )
        )
    return fresh


def _locked_row(model, pk: int, revision: int, what: str):
    fresh = model.objects.select_for_update().filter(pk=pk).first()
    if fresh is None:
        raise EditConflict(
            _("Someone removed this %(what)s meanwhile. Your text is kept below.") % {"what": what}
        )
    if fresh.revision != revision:
        raise EditConflict(
            _(
                "Someone else saved this %(what)s while you were editing it. Your text is kept "
                "below next to theirs: compare them and save again."
            )
            % {"what": what}
        )
    return fresh


def _touch(version: PlanVersion) -> None:
    PlanVersion.objects.filter(pk=version.pk).update(revision=version.revision + 1)


@transaction.atomic
def version_update(
    *, version: PlanVersion, revision: int, context_summary: str, by: User | None = None
) -> PlanVersion:
    fresh = _locked_version(version)
    if fresh.revision != revision:
        raise EditConflict(
            _(
                "Someone else saved the context while you were editing it. Your text is kept "
                "below next to theirs: compare them and save again."
            )
        )
    fresh.context_summary = clean_text(context_summary)
    fresh.revision += 1
    fresh.save(update_fields=["context_summary", "revision"])
    return fresh


PRIORITY_FIELDS = (
    "issue", "category", "description", "likelihood", "impact", "evidence", "evidence_note",
    "evidence_decision",
)  # fmt: skip
ACTION_FIELDS = (
    "priority", "activity", "responsible", "responsible_other", "partners_other", "starts_on",
    "ends_on", "budget_uah", "funding_source", "indicator",
)  # fmt: skip


def _check_priority(version: PlanVersion, data: dict) -> dict:
    data = {k: data[k] for k in PRIORITY_FIELDS if k in data}
    for field in ("issue", "description", "evidence_note"):
        if field in data:
            data[field] = clean_text(data[field])
    if not data.get("issue"):
        raise ValidationError({"issue": _("Name the issue.")})
    decision = data.get("evidence_decision")
    if decision is not None and decision.meeting.group_id != version.plan.group_id:
        raise ValidationError({"evidence_decision": _("Choose a decision of this group.")})
    if data.get("evidence") == Priority.Evidence.MEETING_DECISION and decision is None:
        raise ValidationError(
            {"evidence_decision": _("Choose the meeting decision this priority comes from.")}
        )
    return data


@transaction.atomic
def priority_add(*, version: PlanVersion, by: User | None = None, **fields) -> Priority:
    fresh = _locked_version(version)
    data = _check_priority(fresh, fields)
    position = (fresh.priorities.aggregate(m=Max("position"))["m"] or 0) + 1
    priority = Priority.objects.create(version=fresh, position=position, **data)
    _touch(fresh)
    return priority


@transaction.atomic
def priority_update(
    *, priority: Priority, revision: int, by: User | None = None, **fields
) -> Priority:
    version = _locked_version(priority.version)
    fresh = _locked_row(Priority, priority.pk, revision, _("priority"))
    for name, value in _check_priority(version, fields).items():
        setattr(fresh, name, value)
    fresh.revision += 1
    fresh.save()
    _touch(version)
    return fresh


@transaction.atomic
def priority_remove(*, priority: Priority, revision: int, by: User | None = None) -> None:
    version = _locked_version(priority.version)
    fresh = _locked_row(Priority, priority.pk, revision, _("priority"))
    fresh.delete()  # its actions go with it
    _touch(version)


def _check_action(version: PlanVersion, data: dict, partners, decisions) -> dict:
    data = {k: data[k] for k in ACTION_FIELDS if k in data}
    for field in ("activity", "responsible_other", "partners_other", "indicator"):
        if field in data:
            data[field] = clean_text(data[field])
    errors = {}
    if data.get("priority") is None or data["priority"].version_id != version.pk:
        errors["priority"] = _("Choose one of this version's priorities.")
    if not data.get("activity"):
        errors["activity"] = _("Describe the activity.")
    if not data.get("indicator"):
        errors["indicator"] = _("Say how you will know it is done.")
    if not data.get("responsible") and not data.get("responsible_other"):
        errors["responsible"] = _("Name the responsible organisation.")
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts and ends:
        plan = version.plan
        if ends < starts:
            errors["ends_on"] = _("The end is before the start.")
        elif starts < plan.period_start or ends > plan.period_end:
            errors["ends_on"] = _(
                "Keep the action within the plan's period (%(start)s–%(end)s)."
            ) % {
                "start": f"{plan.period_start:%d.%m.%Y}",
                "end": f"{plan.period_end:%d.%m.%Y}",
            }
    if decisions and any(d.meeting.group_id != version.plan.group_id for d in decisions):
        errors["decisions"] = _("Choose decisions of this group's meetings.")
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def action_add(
    *, version: PlanVersion, partners=(), decisions=(), by: User | None = None, **fields
) -> Action:
    fresh = _locked_version(version)
    data = _check_action(fresh, fields, partners, decisions)
    position = (fresh.actions.aggregate(m=Max("position"))["m"] or 0) + 1
    action = Action.objects.create(version=fresh, position=position, **data)
    action.partners.set(partners)
    action.decisions.set(decisions)
    _touch(fresh)
    return action


@transaction.atomic
def action_update(
    *, action: Action, revision: int, partners=(), decisions=(), by: User | None = None, **fields
) -> Action:
    version = _locked_version(action.version)
    fresh = _locked_row(Action, action.pk, revision, pgettext("safety plan", "action"))
    for name, value in _check_action(version, fields, partners, decisions).items():
        setattr(fresh, name, value)
    fresh.revision += 1
    fresh.save()
    fresh.partners.set(partners)
    fresh.decisions.set(decisions)
    _touch(version)
    return fresh


@transaction.atomic
def action_remove(*, action: Action, revision: int, by: User | None = None) -> None:
    version = _locked_version(action.version)
    fresh = _locked_row(Action, action.pk, revision, pgettext("safety plan", "action"))
    fresh.delete()
    _touch(version)


# --- workflow -------------------------------------------------------------------------------


def _transition(version: PlanVersion, allowed: tuple, message: str) -> PlanVersion:
    fresh = PlanVersion.objects.select_for_update().select_related("plan").get(pk=version.pk)
    if fresh.status not in allowed:
        raise ValidationError(message % {"status": fresh.get_status_display().lower()})
    return fresh


def _sync_plan(plan: SafetyPlan, **extra) -> None:
    latest = plan.versions.order_by("-number").values_list("status", flat=True).first()
    SafetyPlan.objects.filter(pk=plan.pk).update(status=latest, **extra)


@transaction.atomic
def version_submit(*, version: PlanVersion, by: User | None = None) -> PlanVersion:
    """Draft (or returned) → in review."""
    fresh = _transition(
        version,
        PlanVersion.EDITABLE,
        _("Only a draft can be sent for review; this one is %(status)s."),
    )
    if not fresh.priorities.exists() or not fresh.actions.exists():
        raise ValidationError(
            _("Add at least one priority and one action before sending the plan.")
        )
    if not fresh.context_summary:
        raise ValidationError(_("Describe the community's context before sending the plan."))
    fresh.status = Status.IN_REVIEW
    fresh.submitted_by, fresh.submitted_at = by, clock.now()
    fresh.save(update_fields=["status", "submitted_by", "submitted_at"])
    _sync_plan(fresh.plan)
    return fresh


@transaction.atomic
def version_return(*, version: PlanVersion, comments: str, by: User | None = None) -> PlanVersion:
    """In review → returned for revision, with the reviewer's comments."""
    comments = clean_text(comments)
    if not comments:
        raise ValidationError({"comments": _("Say what should change.")})
    fresh = _transition(
        version,
        (Status.IN_REVIEW,),
        _("Only a plan in review can be returned; this one is %(status)s."),
    )
    fresh.status = Status.RETURNED
    fresh.reviewed_by, fresh.reviewed_at, fresh.review_comments = by, clock.now(), comments
    fresh.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comments"])
    _sync_plan(fresh.plan)
    _tell_leaders(fresh)
    return fresh


def _tell_leaders(version: PlanVersion) -> None:
    """The group's leader hears of the reviewer's decision by email, once it is committed."""
    from safetyplans.tasks import notify_plan_decision

    def tell(version_id=version.pk):
        notify_plan_decision.delay(version_id)

    transaction.on_commit(tell, robust=True)


DECISION_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}


def check_decision_file(upload: UploadedFile) -> None:
    """A scan or PDF of the signed decision, checked by size and by its first bytes."""
    import os

    limit = settings.PLAN_DECISION_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            {
                "decision_file": _("The file is larger than %(limit)s.")
                % {"limit": filesizeformat(limit)}
            }
        )
    if upload.size == 0:
        raise ValidationError({"decision_file": _("The file is empty.")})
    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension not in DECISION_TYPES:
        raise ValidationError({"decision_file": _("Upload the decision as PDF, JPEG or PNG.")})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(DECISION_TYPES[extension][1]):
        raise ValidationError(
            {
                "decision_file": _("The file's content does not match its type (%(ext)s).")
                % {"ext": extension}
            }
        )


@transaction.atomic
def version_approve(
    *,
    version: PlanVersion,
    approving_body: str,
    decision_number: str,
    decision_date: datetime.date,
    decision_file: UploadedFile | None = None,
    by: User | None = None,
) -> PlanVersion:
    """In review → approved: records the council's decision, supersedes the version in force,
    carries implementation progress over to the same actions, and queues the PDF."""
    approving_body, decision_number = clean_text(approving_body), clean_text(decision_number)
    errors = {}
    if not approving_body:
        errors["approving_body"] = _("Name the body that approved the plan.")
    if not decision_number:
        errors["decision_number"] = _("Give the decision number.")
    if not decision_date:
        errors["decision_date"] = _("Give the decision date.")
    elif decision_date > clock.today():
        errors["decision_date"] = _("The decision date is in the future.")
    if errors:
        raise ValidationError(errors)
    if decision_file:
        check_decision_file(decision_file)
    fresh = _transition(
        version,
        (Status.IN_REVIEW,),
        _("Only a plan in review can be approved; this one is %(status)s."),
    )
    plan = SafetyPlan.objects.select_for_update().get(pk=fresh.plan_id)
    previous = plan.versions.filter(status=Status.APPROVED).first()
    if previous:
        previous.status, previous.superseded_at = Status.SUPERSEDED, clock.now()
        previous.save(update_fields=["status", "superseded_at"])
    fresh.status = Status.APPROVED
    fresh.reviewed_by, fresh.reviewed_at = by, clock.now()
    fresh.approving_body, fresh.decision_number = approving_body, decision_number
    fresh.decision_date = decision_date
    fields = [
        "status", "reviewed_by", "reviewed_at", "approving_body", "decision_number",
        "decision_date",
    ]  # fmt: skip
    if decision_file:
        fresh.decision_file.save(f"decision{_extension(decision_file)}", decision_file, save=False)
        fresh.decision_file_name = (decision_file.name or "")[-255:]
        fields += ["decision_file", "decision_file_name"]
    fresh.save(update_fields=fields)
    _carry_tracking(plan, fresh)
    _sync_plan(plan, approved_version=fresh)
    document_request(version=fresh, language=settings.LANGUAGE_CODE)
    _tell_leaders(fresh)
    return fresh


def _extension(upload: UploadedFile) -> str:
    import os

    return os.path.splitext(upload.name or "")[1].lower()


def _carry_tracking(plan: SafetyPlan, version: PlanVersion) -> None:
    """Every action of the approved version gets its tracking: the one its earlier self had,
    or a new one, not started."""
    actions = {a.key: a for a in version.actions.all()}
    existing = {t.key: t for t in plan.trackings.all()}
    for key, action in actions.items():
        tracking = existing.get(key)
        if tracking:
            tracking.action = action
            tracking.save(update_fields=["action"])
        else:
            ActionTracking.objects.create(plan=plan, key=key, action=action)


@transaction.atomic
def plan_revise(*, plan: SafetyPlan, by: User | None = None) -> PlanVersion:
    """A new draft version copied from the approved one; the approved one stays in force."""
    plan = SafetyPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.versions.filter(status__in=PlanVersion.OPEN).exists():
        raise ValidationError(_("The plan already has a version being drafted or reviewed."))
    source = plan.versions.filter(status=Status.APPROVED).first()
    if source is None:
        raise ValidationError(_("Only an approved plan can be revised."))
    number = plan.versions.aggregate(m=Max("number"))["m"] + 1
    draft = PlanVersion.objects.create(
        plan=plan,
        number=number,
        based_on=source,
        context_summary=source.context_summary,
        created_by=by,
    )
    priorities = {}
    for priority in source.priorities.all():
        old_pk = priority.pk
        copy = Priority(
            version=draft, key=priority.key, position=priority.position,
            **{f: getattr(priority, f) for f in PRIORITY_FIELDS},
        )  # fmt: skip
        priorities[old_pk] = copy
    Priority.objects.bulk_create(priorities.values())
    actions = list(source.actions.prefetch_related("partners", "decisions"))
    copies = [
        Action(
            version=draft,
            key=a.key,
            position=a.position,
            priority=priorities[a.priority_id],
            **{f: getattr(a, f) for f in ACTION_FIELDS if f != "priority"},
        )
        for a in actions
    ]
    Action.objects.bulk_create(copies)
    Partners, Decisions = Action.partners.through, Action.decisions.through
    Partners.objects.bulk_create(
        Partners(action_id=copy.pk, organisation_id=o.pk)
        for a, copy in zip(actions, copies, strict=True)
        for o in a.partners.all()
    )
    Decisions.objects.bulk_create(
        Decisions(action_id=copy.pk, decision_id=d.pk)
        for a, copy in zip(actions, copies, strict=True)
        for d in a.decisions.all()
    )
    _sync_plan(plan)
    return draft


@transaction.atomic
def plan_delete(*, plan: SafetyPlan, by: User | None = None) -> None:
    """A plan that never got approved can be dropped; approved plans are kept for the record."""
    plan = SafetyPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.versions.filter(status__in=PlanVersion.FROZEN).exists():
        raise ValidationError(_("An approved plan is kept for the record and cannot be deleted."))
    if plan.versions.filter(status=Status.IN_REVIEW).exists():
        raise ValidationError(_("The plan is in review: ask the reviewer to return it first."))
    plan.delete()


# --- implementation -------------------------------------------------------------------------


@transaction.atomic
def action_track(
    *,
    tracking: ActionTracking,
    status: str,
    progress: int,
    note: str = "",
    on: datetime.date | None = None,
    by: User | None = None,
) -> ActionUpdate:
    """A dated progress update of an approved action, kept apart from the frozen plan."""
    on = on or clock.today()
    fresh = (
        ActionTracking.objects.select_for_update()
        .select_related("action__version")
        .get(pk=tracking.pk)
    )
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
        recorded_by=by,
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

        # A named function, not a partial: Django logs a robust callback's failure by its
        # __qualname__. The approval stands even if the broker is down; beat requeues.
        def render(document_id=document.pk):
            render_plan_document.delay(document_id)

        transaction.on_commit(render, robust=True)
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
