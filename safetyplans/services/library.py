"""The library of measures: coordinators write up what an approved plan's action did, for
other communities to copy into their drafts (services.action_add with `copied_from`)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cohesion.text import clean_text
from communities.models import search_key
from safetyplans.models import Action, Measure, PlanVersion, Priority

MEASURE_FIELDS = (
    "category",
    "issue",
    "activity",
    "cost_uah",
    "funding_source",
    "indicator",
    "result",
)


def measure_initial(action: Action) -> dict:
    """What a new measure says before the coordinator edits it: the action, its priority and
    how its tracking ended. No notes of updates and no organisation: they may name people."""
    tracking = getattr(action, "tracking", None)
    result = ""
    if tracking is not None:
        result = _("%(status)s, %(progress)s%% done.") % {
            "status": tracking.get_status_display(),
            "progress": tracking.progress,
        }
    return {
        "category": action.priority.category,
        "issue": action.priority.issue,
        "activity": action.activity,
        "cost_uah": action.budget_uah,
        "funding_source": action.funding_source,
        "indicator": action.indicator,
        "result": result,
    }


def action_initial_from(*, measure: Measure, version: PlanVersion) -> dict:
    """An action of `version` as the measure describes it, over the plan's period: what the
    copy form starts from."""
    return {
        "activity": measure.activity,
        "indicator": measure.indicator,
        "budget_uah": measure.cost_uah,
        "funding_source": measure.funding_source,
        "starts_on": version.plan.period_start,
        "ends_on": version.plan.period_end,
    }


def _check_measure(fields: dict) -> dict:
    data = {k: fields[k] for k in MEASURE_FIELDS if k in fields}
    for name in ("issue", "activity", "indicator", "result"):
        data[name] = clean_text(data.get(name) or "")
    errors = {}
    if data.get("category") not in Priority.Category.values:
        errors["category"] = _("Choose the issue category.")
    if not data["activity"]:
        errors["activity"] = _("Say what was done.")
    if not data["indicator"]:
        errors["indicator"] = _("Say how the result was measured.")
    if not data["result"]:
        errors["result"] = _("Say what came of it.")
    cost = data.get("cost_uah")
    if cost is not None and cost < Decimal(0):
        errors["cost_uah"] = _("The cost cannot be negative.")
    if data.get("funding_source") and data["funding_source"] not in Action.Funding.values:
        errors["funding_source"] = _("Choose a funding source.")
    if errors:
        raise ValidationError(errors)
    return data


def _search_text(measure: Measure) -> str:
    parts = (measure.issue, measure.activity, measure.indicator, measure.result)
    return search_key(" ".join(parts))


@transaction.atomic
def measure_create(*, action: Action, by: User | None = None, **fields) -> Measure:
    """A measure of the library from an action of an approved (or superseded) version, once
    per action."""
    action = Action.objects.select_related("version__plan__group").get(pk=action.pk)
    if action.version.status not in PlanVersion.FROZEN:
        raise ValidationError(_("Only the actions of an approved plan go into the library."))
    if Measure.objects.filter(source_action=action).exists():
        raise ValidationError(_("This action is in the library already."))
    group = action.version.plan.group
    measure = Measure(
        source_action=action,
        programme_id=group.programme_id,
        community_id=group.community_id,
        created_by=by,
        **_check_measure(fields),
    )
    measure.search_text = _search_text(measure)
    measure.save()
    return measure


@transaction.atomic
def measure_update(*, measure: Measure, by: User | None = None, **fields) -> Measure:
    """The coordinator's corrections to a measure's text."""
    fresh = Measure.objects.select_for_update().get(pk=measure.pk)
    data = _check_measure(fields)
    for name, value in data.items():
        setattr(fresh, name, value)
    fresh.search_text = _search_text(fresh)
    fresh.save(update_fields=[*data, "search_text"])
    return fresh
