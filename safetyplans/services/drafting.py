"""Creating a plan and drafting its versions: the context, priorities and actions, each
saved against the revision it was read at, so that two people never overwrite each other."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts.models import User
from cohesion.text import clean_text
from safetyplans.models import (
    Action,
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
    "ends_on", "budget_uah", "funding_source", "indicator", "copied_from",
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
