"""The review workflow: submit (the coordinators are told), return with comments (a review
round keeps what the reviewer saw), approve with the council's decision (which freezes the
version and queues its PDF), revise into a new draft, discard that draft, delete a draft."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from accounts.models import User
from cohesion import clock, outbox
from cohesion.text import clean_text
from safetyplans.models import (
    Action,
    ActionTracking,
    PlanVersion,
    Priority,
    ReviewRound,
    SafetyPlan,
)
from safetyplans.services.drafting import ACTION_FIELDS, PRIORITY_FIELDS
from safetyplans.services.implementation import document_request
from safetyplans.snapshots import snapshot_of

Status = PlanVersion.Status


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
    _tell_reviewers(fresh)
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
    now = clock.now()
    fresh.status = Status.RETURNED
    fresh.reviewed_by, fresh.reviewed_at, fresh.review_comments = by, now, comments
    fresh.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comments"])
    # What the reviewer saw, for reading the next submission as the changes since the comments.
    number = (fresh.review_rounds.aggregate(m=Max("number"))["m"] or 0) + 1
    ReviewRound.objects.create(
        version=fresh,
        number=number,
        comments=comments,
        reviewer=by,
        returned_at=now,
        snapshot=snapshot_of(fresh),
    )
    _sync_plan(fresh.plan)
    _tell_leaders(fresh)
    return fresh


def _tell_reviewers(version: PlanVersion) -> None:
    """The programme's coordinators hear of a submission by email, once it is committed."""
    from safetyplans.tasks import notify_plan_submitted

    outbox.later(notify_plan_submitted, version.pk)


def _tell_leaders(version: PlanVersion) -> None:
    """The group's leader hears of the reviewer's decision by email, once it is committed."""
    from safetyplans.tasks import notify_plan_decision

    outbox.later(notify_plan_decision, version.pk)


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
    actions = list(
        source.actions.select_related("responsible", "copied_from").prefetch_related(
            "partners", "decisions"
        )
    )
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


@transaction.atomic
def version_discard(*, version: PlanVersion, by: User | None = None) -> SafetyPlan:
    """A revision draft (or a returned revision) is deleted with its content; the approved
    version it was revised from stays in force and the plan is approved again. A version in
    review must be returned first; a plan never approved is deleted instead (plan_delete)."""
    plan = SafetyPlan.objects.select_for_update().get(pk=version.plan_id)
    fresh = PlanVersion.objects.select_for_update().filter(pk=version.pk).first()
    if fresh is None:
        raise ValidationError(_("This version has been discarded already."))
    if fresh.status == Status.IN_REVIEW:
        raise ValidationError(
            _("The revision is in review: ask the reviewer to return it before discarding it.")
        )
    if fresh.status not in PlanVersion.EDITABLE:
        raise ValidationError(_("Only a revision being drafted can be discarded."))
    if plan.approved_version_id is None or fresh.based_on_id is None:
        raise ValidationError(
            _("The plan has no approved version to go back to: delete the draft plan instead.")
        )
    fresh.delete()  # its priorities, actions and review rounds go with it
    _sync_plan(plan)
    plan.refresh_from_db(fields=["status"])
    return plan
