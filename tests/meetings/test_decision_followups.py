"""Decisions followed both ways: the meeting page shows the plan actions each decision fed,
a plan action shows the decisions behind it, and progress of the plan in force is reported
from the meeting where it was heard, remembered with that meeting. Refusals for the leader of
another group, the donor and anonymous visitors change nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cohesion import clock
from meetings.models import Decision
from safetyplans import services
from safetyplans.models import ActionTracking, ActionUpdate
from tests.factories import (
    ActionFactory,
    MeetingFactory,
    PriorityFactory,
    SafetyPlanFactory,
    WorkingGroupFactory,
)

pytestmark = pytest.mark.django_db

APPROVAL = {
    "approving_body": "Сесія сільської ради",
    "decision_number": "12-VIII",
    "decision_date": datetime.date(2024, 2, 1),
}
DECISION = "Звернутися до ради щодо освітлення вулиці Шкільної"
ACTIVITY = "Встановити ліхтарі на вулиці Шкільній"


def held_meeting(group, *, days_ago=10):
    day = clock.today() - datetime.timedelta(days=days_ago)
    starts = clock.start_of(day) + datetime.timedelta(hours=15)
    return MeetingFactory(group=group, status="held", starts_at=starts)


def plan_with_action(group, *, decisions=(), approve=True, by=None, year=2024, activity=ACTIVITY):
    plan = SafetyPlanFactory(
        group=group,
        period_start=datetime.date(year, 1, 1),
        period_end=datetime.date(year, 12, 31),
    )
    version = plan.versions.get()
    action = ActionFactory(
        priority=PriorityFactory(version=version),
        activity=activity,
        starts_on=datetime.date(year, 3, 1),
        ends_on=datetime.date(year, 6, 30),
    )
    action.decisions.set(decisions)
    if approve:
        services.version_submit(version=version, by=by)
        services.version_approve(version=version, by=by, **APPROVAL)
    return plan, action


@pytest.fixture
def meeting(group):
    return held_meeting(group)


@pytest.fixture
def decision(meeting):
    return Decision.objects.create(meeting=meeting, text=DECISION, position=1)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# --- decision → plan actions ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["leader", "coordinator", "donor"])
def test_meeting_page_shows_the_plan_actions_each_decision_fed(
    request, as_user, meeting, decision, role
):
    plan, action = plan_with_action(meeting.group, decisions=[decision])
    page = as_user(request.getfixturevalue(role)).get(meeting.get_absolute_url())

    [shown] = page.context["decisions"]
    assert [a.pk for a in shown.followups] == [action.pk]
    assert ACTIVITY in page.text
    assert f"{action.version.get_absolute_url()}#action-{action.pk}" in page.text
    assert str(plan) in page.text


def test_donor_does_not_see_draft_actions_behind_a_decision(as_user, donor, leader, decision):
    _plan, action = plan_with_action(decision.meeting.group, decisions=[decision], approve=False)
    url = decision.meeting.get_absolute_url()

    assert [a.pk for a in as_user(leader).get(url).context["decisions"][0].followups] == [action.pk]
    page = as_user(donor).get(url)
    assert page.context["decisions"][0].followups == []
    assert ACTIVITY not in page.text


def test_an_action_revised_into_a_new_version_is_shown_once_in_its_newest_version(
    as_user, leader, coordinator, decision
):
    plan, _action = plan_with_action(decision.meeting.group, decisions=[decision], by=coordinator)
    draft = services.plan_revise(plan=plan, by=leader)

    [shown] = as_user(leader).get(decision.meeting.get_absolute_url()).context["decisions"]
    assert [a.version_id for a in shown.followups] == [draft.pk]


@pytest.mark.parametrize("role", ["leader", "donor"])
def test_meeting_page_query_count_is_the_same_for_1_and_50_decisions_with_actions(
    request, as_user, group, coordinator, role
):
    client = as_user(request.getfixturevalue(role))
    small, large = held_meeting(group, days_ago=40), held_meeting(group, days_ago=20)
    one = Decision.objects.create(meeting=small, text="Рішення 0")
    plan_with_action(group, decisions=[one], by=coordinator, year=2023)
    many = [Decision.objects.create(meeting=large, text=f"Рішення {i}") for i in range(50)]
    plan_with_action(group, decisions=many, by=coordinator, year=2024)
    # Drafts (not the donor's) and another group's plan (nobody's here) change nothing.
    for i, decision in enumerate(many[:5]):
        plan_with_action(group, decisions=[decision], approve=False, year=2030 + i)
    plan_with_action(WorkingGroupFactory(programme=group.programme), by=coordinator)
    small_url, large_url = small.get_absolute_url(), large.get_absolute_url()
    client.get(small_url)

    assert count_queries(client, small_url) == count_queries(client, large_url)
    assert len(client.get(large_url).context["decisions"]) == 50


# --- plan action → decisions -----------------------------------------------------------------


def test_plan_action_shows_the_decisions_behind_it(as_user, leader, decision):
    plan, _action = plan_with_action(decision.meeting.group, decisions=[decision])
    page = as_user(leader).get(plan.get_absolute_url())

    assert DECISION in page.text
    assert decision.meeting.get_absolute_url() in page.text
    assert decision.meeting.group.name in page.text
    assert f"{decision.meeting.starts_at:%d.%m.%Y}" in page.text


# --- progress reported at a meeting ----------------------------------------------------------


def progress_url(meeting):
    return reverse("meetings:plan_progress", args=[meeting.pk])


def report(tracking, **changes):
    return {
        "tracking": str(tracking.pk),
        "status": "in_progress",
        "progress": "40",
        "note": "Закуплено ліхтарі",
        **changes,
    }


@pytest.fixture
def tracking(group, coordinator):
    _plan, action = plan_with_action(group, by=coordinator)
    return ActionTracking.objects.get(action=action)


@pytest.mark.parametrize("role", ["leader", "coordinator"])
def test_progress_logged_from_the_meeting_remembers_the_meeting(
    request, as_user, meeting, tracking, role
):
    client = as_user(request.getfixturevalue(role))
    response = client.post(progress_url(meeting), report(tracking))

    assert response.status_code == 302
    update = ActionUpdate.objects.get(tracking=tracking)
    assert update.meeting == meeting
    assert update.on == clock.day_of(meeting.starts_at)
    assert (update.status, update.progress, update.note) == ("in_progress", 40, "Закуплено ліхтарі")
    tracking.refresh_from_db()
    assert (tracking.status, tracking.progress) == ("in_progress", 40)
    page = client.get(meeting.get_absolute_url())
    assert [u.pk for u in page.context["progress_reported"]] == [update.pk]
    assert "Закуплено ліхтарі" in page.text


def test_meeting_page_offers_the_plan_actions_in_force_to_managers_only(
    as_user, leader, donor, meeting, tracking
):
    page = as_user(leader).get(meeting.get_absolute_url())
    assert list(page.context["progress_form"].fields["tracking"].queryset) == [tracking]
    assert progress_url(meeting) in page.text
    donor_page = as_user(donor).get(meeting.get_absolute_url())
    assert "progress_form" not in donor_page.context
    assert progress_url(meeting) not in donor_page.text


def test_progress_of_another_groups_action_is_refused_and_changes_nothing(
    as_user, leader, meeting, coordinator, other_group
):
    _plan, action = plan_with_action(other_group, by=coordinator)
    theirs = ActionTracking.objects.get(action=action)

    response = as_user(leader).post(progress_url(meeting), report(theirs))

    assert response.status_code == 200
    assert "tracking" in response.context["form"].errors
    assert not ActionUpdate.objects.exists()


def test_the_service_refuses_an_action_of_another_group_and_a_meeting_not_held(
    meeting, coordinator, other_group, tracking, group
):
    _plan, action = plan_with_action(other_group, by=coordinator)
    with pytest.raises(ValidationError):
        services.action_track(
            tracking=ActionTracking.objects.get(action=action),
            status="in_progress",
            progress=10,
            meeting=meeting,
        )
    planned = MeetingFactory(group=group)
    with pytest.raises(ValidationError):
        services.action_track(tracking=tracking, status="in_progress", progress=10, meeting=planned)
    assert not ActionUpdate.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"), [("other_leader", 404), ("donor", 403), ("other_coordinator", 404)]
)
def test_progress_from_a_meeting_is_refused_to_others_and_changes_nothing(
    request, as_user, meeting, tracking, role, status
):
    client = as_user(request.getfixturevalue(role))
    assert client.get(progress_url(meeting)).status_code == status
    assert client.post(progress_url(meeting), report(tracking)).status_code == status
    assert not ActionUpdate.objects.exists()
    tracking.refresh_from_db()
    assert tracking.status == "not_started"


def test_anonymous_visitors_are_sent_to_sign_in_and_report_nothing(client, meeting, tracking):
    response = client.post(progress_url(meeting), report(tracking))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not ActionUpdate.objects.exists()


def test_invalid_progress_changes_nothing(as_user, leader, meeting, tracking):
    response = as_user(leader).post(progress_url(meeting), report(tracking, progress="140"))
    assert response.status_code == 200
    assert not ActionUpdate.objects.exists()


def test_meeting_page_query_count_is_the_same_with_1_and_20_progress_reports(
    as_user, leader, coordinator, group, meeting
):
    client = as_user(leader)
    _plan, action = plan_with_action(group, by=coordinator)
    tracking = ActionTracking.objects.get(action=action)
    services.action_track(tracking=tracking, status="in_progress", progress=5, meeting=meeting)
    url = meeting.get_absolute_url()
    client.get(url)
    one = count_queries(client, url)
    for i in range(19):
        services.action_track(
            tracking=tracking, status="in_progress", progress=6 + i, meeting=meeting
        )
    assert count_queries(client, url) == one
