"""The plan page (approved, with its implementation), the version page (a draft being edited)
and the programme's overview of plans cost the same number of queries with 1 row as with 50."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.models import Decision
from safetyplans import services
from safetyplans.models import ActionTracking
from tests.factories import (
    ActionFactory,
    MeetingFactory,
    OrganisationFactory,
    PriorityFactory,
    SafetyPlanFactory,
    WorkingGroupFactory,
    plan_in_state,
)

pytestmark = pytest.mark.django_db

# Upper bounds a little above today's counts. The plan page (11 for a coordinator): session,
# user, role assignments, MFA check, the plan with its group, community, programme and version
# in force; the versions; priorities; actions with responsible, priority and tracking;
# partners; decisions with their meetings; the PDFs. The overview (6): the same four for the
# request, the programme, the plans with every figure.
PLAN_PAGE_MAX = 15
OVERVIEW_MAX = 10


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def organisations():
    return [OrganisationFactory() for _ in range(4)]


def fill(version, n, organisations, *, start=0):
    """n actions over up to five priorities, each with a responsible organisation, partners and
    a meeting decision, so that every relation the page shows is present on every row."""
    group = version.plan.group
    decision = Decision.objects.create(meeting=MeetingFactory(group=group), text="Рішення групи")
    priorities = list(version.priorities.all())
    for i in range(len(priorities), min(n, 5)):
        priorities.append(
            PriorityFactory(
                version=version,
                evidence="meeting_decision" if i % 2 else "survey",
                evidence_decision=decision if i % 2 else None,
            )
        )
    cycle = itertools.cycle(priorities)
    for i in range(start, start + n):
        action = ActionFactory(
            priority=next(cycle),
            responsible=organisations[i % len(organisations)],
            responsible_other="",
            ends_on=datetime.date(2024, 4, 1) if i % 3 else datetime.date(2024, 11, 30),
        )
        action.partners.set(organisations[:2])
        action.decisions.set([decision])


def approved_plan(group, n, organisations, *, year, by):
    """An approved plan of n actions, some of them tracked."""
    plan = SafetyPlanFactory(
        group=group,
        period_start=datetime.date(year, 1, 1),
        period_end=datetime.date(year, 12, 31),
    )
    version = plan.versions.get()
    fill(version, n, organisations)
    services.version_submit(version=version, by=by)
    services.version_approve(
        version=version,
        approving_body="Сесія ради",
        decision_number="1",
        decision_date=datetime.date(2024, 2, 1),
        by=by,
    )
    for i, tracking in enumerate(ActionTracking.objects.filter(plan=plan)):
        if i % 2:
            services.action_track(
                tracking=tracking,
                status=["in_progress", "done", "delayed"][i % 3],
                progress=50,
                on=datetime.date(2024, 5, 1),
                by=by,
            )
    plan.refresh_from_db()
    return plan


@pytest.mark.parametrize("role", ["coordinator", "leader", "donor"])
def test_plan_page_query_count_is_the_same_for_1_and_50_actions(
    request, as_user, group, coordinator, organisations, role
):
    client = as_user(request.getfixturevalue(role))
    small = approved_plan(group, 1, organisations, year=2023, by=coordinator)
    large = approved_plan(group, 50, organisations, year=2024, by=coordinator)
    client.get(small.get_absolute_url())  # warm caches that every first request fills

    one = queries(client, small.get_absolute_url())
    many = queries(client, large.get_absolute_url())

    content = client.get(large.get_absolute_url()).context["content"]
    assert len(content.actions) == 50
    assert content.progress.actions == 50
    assert many == one
    assert one <= PLAN_PAGE_MAX


@pytest.mark.parametrize("role", ["coordinator", "leader"])
def test_draft_version_page_query_count_is_the_same_for_1_and_50_actions(
    request, as_user, group, organisations, role
):
    client = as_user(request.getfixturevalue(role))
    plan = SafetyPlanFactory(group=group)
    version = plan.versions.get()
    fill(version, 1, organisations)
    url = version.get_absolute_url()
    client.get(url)

    one = queries(client, url)
    fill(version, 49, organisations, start=1)
    many = queries(client, url)

    response = client.get(url)
    assert response.context["editable"]
    assert len(response.context["content"].actions) == 50
    assert many == one
    assert one <= PLAN_PAGE_MAX


def test_programme_overview_query_count_is_the_same_for_1_and_50_plans(
    as_user, coordinator, programme, group
):
    client = as_user(coordinator)
    url = reverse("safetyplans:overview", args=[programme.pk])
    plan_in_state("approved", group=group, actions=2, by=coordinator)
    client.get(url)

    one = queries(client, url)
    states = ["draft", "in_review", "returned", "approved", "superseded"]
    for i in range(49):
        plan_in_state(
            states[i % len(states)],
            group=WorkingGroupFactory(programme=programme),
            actions=1 + i % 3,
            by=coordinator,
        )
    many = queries(client, url)

    assert len(client.get(url).context["plans"]) == 50
    assert many == one
    assert one <= OVERVIEW_MAX


def test_programme_overview_shows_fifty_plans_a_page_with_totals_over_every_plan(
    as_user, coordinator, programme
):
    client = as_user(coordinator)
    url = reverse("safetyplans:overview", args=[programme.pk])
    for i in range(55):
        plan_in_state(
            "approved" if i % 5 == 0 else "draft",
            group=WorkingGroupFactory(programme=programme),
            actions=1,
            by=coordinator,
        )
    first = client.get(url)
    assert len(first.context["plans"]) == 50
    assert len(client.get(url, {"page": 2}).context["plans"]) == 5
    # The counts above the table are the programme's, not the page's.
    assert dict((s, n) for s, _label, n in first.context["counts"])["approved"] == 11
    assert first.context["in_force"] == 11
    assert queries(client, url + "?page=2") == queries(client, url)


def test_programme_overview_query_count_is_the_same_with_50_plans_under_revision(
    as_user, coordinator, programme, group
):
    """The open version beside the one in force comes with the plans, not a query a row."""
    client = as_user(coordinator)
    url = reverse("safetyplans:overview", args=[programme.pk])
    plan, _version = plan_in_state("approved", group=group, actions=2, by=coordinator)
    services.plan_revise(plan=plan, by=coordinator)
    client.get(url)

    one = queries(client, url)
    for i in range(49):
        plan, _version = plan_in_state(
            "approved" if i % 2 else "superseded",
            group=WorkingGroupFactory(programme=programme),
            by=coordinator,
        )
        draft = services.plan_revise(plan=plan, by=coordinator)
        if i % 3 == 0:
            services.version_submit(version=draft, by=coordinator)
    many = queries(client, url)

    rows = client.get(url).context["plans"]
    assert len(rows) == 50
    assert all(row.open_number and row.approved_version for row in rows)
    assert many == one
    assert one <= OVERVIEW_MAX


def resubmitted_plan(group, n, organisations, *, year, leader, coordinator):
    """A plan of n actions returned with comments and sent again, one action changed."""
    plan = SafetyPlanFactory(
        group=group,
        period_start=datetime.date(year, 1, 1),
        period_end=datetime.date(year, 12, 31),
    )
    version = plan.versions.get()
    fill(version, n, organisations)
    services.version_submit(version=version, by=leader)
    services.version_return(version=version, comments="Уточніть бюджет.", by=coordinator)
    action = version.actions.first()
    action.indicator = "Нові ліхтарі працюють"
    action.save()
    services.version_submit(version=version, by=leader)
    return version


@pytest.mark.parametrize("role", ["coordinator", "leader"])
def test_version_page_with_changes_since_comments_costs_the_same_for_1_and_50_actions(
    request, as_user, group, coordinator, leader, organisations, role
):
    client = as_user(request.getfixturevalue(role))
    small = resubmitted_plan(
        group, 1, organisations, year=2023, leader=leader, coordinator=coordinator
    )
    large = resubmitted_plan(
        group, 50, organisations, year=2024, leader=leader, coordinator=coordinator
    )
    client.get(small.get_absolute_url())

    one = queries(client, small.get_absolute_url())
    many = queries(client, large.get_absolute_url())

    changes = client.get(large.get_absolute_url()).context["since_review"]
    assert len(changes.actions.changed) == 1
    assert many == one
    assert one <= PLAN_PAGE_MAX
