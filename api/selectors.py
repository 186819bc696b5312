"""What the read API returns, each list narrowed by the models' `visible_to(user)` scopes and
each programme fetched through its app's access function, exactly as the pages do. Figures are
the dashboard's own (dashboards.cache.figures, dashboards.presenters.indicator_rows) and the
IPTT's (dashboards.iptt.build), shown protected to whoever sees them protected on the page."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404

from accounts.roles import user_roles
from cohesion import clock
from communities.access import access_programme
from communities.models import Enrolment, Programme
from dashboards import iptt
from dashboards.access import access_dashboard, protected_for
from dashboards.cache import figures
from dashboards.indicators import Period
from dashboards.presenters import indicator_rows
from safetyplans.models import PlanVersion
from safetyplans.selectors import programme_plans, version_content
from workinggroups.models import GroupStatusChange, Membership, WorkingGroup


class InvalidFilter(ValueError):
    """A period or community the request cannot be answered for (400)."""


def _plain(value):
    """A figure as JSON carries it: numbers as numbers, marks ("<5", "x") as text."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def programmes(user):
    return Programme.objects.visible_to(user).order_by("pk")


def communities(user, programme_pk: int):
    """The communities enrolled in the programme (withdrawn ones too, with the day)."""
    programme = access_programme(user, programme_pk)
    return (
        Enrolment.objects.filter(programme=programme)
        .select_related("community__region", "community__raion")
        .order_by("community__katotth_code", "pk")
    )


def groups(user, programme_pk: int, *, community: int | None = None):
    """The programme's groups the user sees (a leader their own), with their status history.
    Who recorded a change and its note are left out: they can name people."""
    programme = access_programme(user, programme_pk)
    rows = (
        WorkingGroup.objects.visible_to(user)
        .filter(programme=programme)
        .select_related("community")
        .prefetch_related(
            Prefetch(
                "status_changes",
                queryset=GroupStatusChange.objects.order_by("changed_on", "recorded_at"),
            )
        )
        .order_by("pk")
    )
    if community is not None:
        rows = rows.filter(community_id=community)
    return rows


def _plans_prefetch():
    """Each plan's frozen versions (approved, then superseded by a later approval), oldest
    first: what a donor may see of its history."""
    return Prefetch(
        "versions",
        queryset=PlanVersion.objects.filter(status__in=PlanVersion.FROZEN).order_by("number"),
        to_attr="frozen_versions",
    )


def _safety_plans(user, programme):
    """The programme's plans the user sees, annotated as on the overview. A donor is given
    only plans with an approved version: a first draft is not theirs to know of."""
    return (
        programme_plans(programme)
        .filter(group__in=WorkingGroup.objects.visible_to(user))
        .filter(
            Q(approved_version__isnull=False) | Q(group__in=WorkingGroup.objects.managed_by(user))
        )
        .select_related("group__programme")
        .prefetch_related(_plans_prefetch())
        .order_by("pk")
    )


def safety_plans(user, programme_pk: int, *, community: int | None = None):
    """The programme's safety plans the user sees, as the overview computes them: the
    version in force with its approval and progress, the approved versions before it, and
    the version in preparation for those who draft it."""
    plans = _safety_plans(user, access_programme(user, programme_pk))
    if community is not None:
        plans = plans.filter(group__community_id=community)
    return plans


def safety_plan(user, programme_pk: int, plan_pk: int):
    """One plan of the programme with the priorities and actions of its version in force and
    how each action is going, as its page shows them to the user (404 for a plan the list
    does not give them)."""
    plan = _safety_plans(user, access_programme(user, programme_pk)).filter(pk=plan_pk).first()
    if plan is None:
        raise Http404
    plan.priorities = []
    if plan.approved_version_id:
        version = plan.approved_version
        version.plan = plan
        content = version_content(version)
        plan.priorities = content.priorities
        for priority in plan.priorities:
            for action in priority.action_list:
                action.is_overdue = action.pk in content.overdue_ids
    return plan


def members(user, programme_pk: int, *, community: int | None = None):
    """The people of the programme's groups: for its coordinators alone (403 for its donors
    and leaders, 404 for anyone else), as on the pages that name them."""
    programme = access_programme(user, programme_pk)
    if not user_roles(user).coordinates(programme.pk):
        raise PermissionDenied
    rows = (
        Membership.objects.filter(group__programme=programme)
        .select_related("person", "group", "category")
        .order_by("group_id", "pk")
    )
    if community is not None:
        rows = rows.filter(group__community_id=community)
    return rows


def period_for(programme, start: datetime.date | None, end: datetime.date | None, *, today):
    """The period asked for, within the programme's (its whole period up to today by default)."""
    whole = Period.of(programme, today)
    start = max(start or whole.start, programme.start_date)
    end = min(end or whole.end, programme.ends_on)
    if end < start:
        raise InvalidFilter("The period ends before it starts.")
    return Period(start, end)


# The figures of each topic endpoint: the dashboard's own indicators, by code.
EVENTS = ("trainings", "exchange_visits", "event_participants")
RECOMMENDATIONS = ("recommendations_",)
SAFETY_PLANS = ("plans_", "plan_actions_")


def indicators(
    user,
    programme_pk: int,
    *,
    start=None,
    end=None,
    community: int | None = None,
    only: tuple[str, ...] = (),
):
    """The dashboard's indicators for the period and community, as the user sees them there
    (`only`: those whose code starts with one of these)."""
    programme = access_dashboard(user, programme_pk)
    today = clock.today()
    period = period_for(programme, start, end, today=today)
    place = None
    if community is not None:
        enrolment = programme.enrolments.filter(community_id=community).first()
        if enrolment is None:
            raise InvalidFilter("The community is not enrolled in the programme.")
        place = enrolment.community
    data, _key = figures(programme, period, place, today=today)
    targets = {t.indicator: t.target for t in programme.indicator_targets.all()}
    protected = protected_for(user, programme)
    rows = [
        {
            "code": row.indicator.code,
            "label": str(row.indicator.label),
            "section": section,
            "definition": str(row.indicator.definition),
            "unit": row.indicator.unit,
            "value": _plain(row.actual),
            "target": _plain(row.target),
        }
        for section, section_rows in indicator_rows(data, targets, protected=protected)
        for row in section_rows
        if not only or row.indicator.code.startswith(only)
    ]
    return {
        "programme": programme.pk,
        "start": period.start,
        "end": period.end,
        "as_of": period.as_of(today),
        "community": community,
        "protected": protected,
        "indicators": rows,
    }


def tracking_table(user, programme_pk: int, *, every_indicator: bool = False):
    """The IPTT, as the user sees it on its page."""
    programme = access_dashboard(user, programme_pk)
    protected = protected_for(user, programme)
    table = iptt.build(programme, protected=protected, every_indicator=every_indicator)
    periods = [
        {"label": label, "start": period.start, "end": period.end, "started": started}
        for label, period, started in zip(table.labels, table.periods, table.started, strict=True)
    ]
    rows = [
        {
            "code": row.indicator.code,
            "label": str(row.indicator.label),
            "baseline": _plain(row.baseline),
            "target": _plain(row.target),
            "to_date": _plain(row.to_date),
            "percent": row.percent,
            "periods": [
                {"target": _plain(c.target), "actual": _plain(c.actual), "percent": c.percent}
                for c in row.cells
            ],
        }
        for row in table.rows
    ]
    return {
        "programme": programme.pk,
        "frequency": table.frequency,
        "as_of": table.as_of,
        "protected": protected,
        "periods": periods,
        "rows": rows,
    }
