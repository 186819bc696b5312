"""The decision picker of the plan action form: a group has dozens of decisions, so the form
shows those chosen and at most twenty more, found by words and meeting dates (HTMX as one
types, or the form's Find button without a script), always from the plan's own group."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cohesion import clock
from meetings.models import Decision
from safetyplans.models import Action
from safetyplans.selectors import DECISION_OPTIONS_MAX
from tests.factories import MeetingFactory, PriorityFactory, SafetyPlanFactory

pytestmark = pytest.mark.django_db


def held_on(group, day: datetime.date):
    return MeetingFactory(
        group=group, status="held", starts_at=clock.start_of(day) + datetime.timedelta(hours=15)
    )


@pytest.fixture
def version(group):
    return SafetyPlanFactory(group=group).versions.get()


@pytest.fixture
def priority(version):
    return PriorityFactory(version=version)


@pytest.fixture
def decisions(group):
    """Thirty decisions of the group over thirty months, three of them about shelters."""
    made = []
    for i in range(30):
        meeting = held_on(group, datetime.date(2022, 1, 10) + datetime.timedelta(days=31 * i))
        text = f"Облаштувати укриття у школі {i}" if i % 10 == 0 else f"Рішення про ліхтарі {i}"
        made.append(Decision.objects.create(meeting=meeting, text=text))
    return made


def options_url(version):
    return reverse("safetyplans:decision_options", args=[version.plan_id, version.number])


def shown(response) -> set[int]:
    return {option["value"] for option in response.context["options"]}


def test_the_search_returns_only_the_plans_groups_decisions(
    as_user, leader, version, decisions, other_group
):
    theirs = Decision.objects.create(
        meeting=held_on(other_group, datetime.date(2024, 1, 5)), text="Облаштувати укриття"
    )
    response = as_user(leader).get(
        options_url(version), {"decision_q": "укриття", "decisions": [theirs.pk]}
    )

    assert response.status_code == 200
    assert shown(response) == {d.pk for d in decisions if "укриття" in d.text}
    assert theirs.pk not in shown(response)  # not even as "ticked already"


def test_the_search_is_bounded_and_newest_first(as_user, leader, version, decisions):
    response = as_user(leader).get(options_url(version))

    assert len(response.context["options"]) == DECISION_OPTIONS_MAX == 20
    newest = sorted(decisions, key=lambda d: d.meeting.starts_at, reverse=True)[:20]
    assert [o["value"] for o in response.context["options"]] == [d.pk for d in newest]


def test_the_search_filters_by_meeting_date(as_user, leader, version, decisions):
    response = as_user(leader).get(
        options_url(version), {"decision_since": "2022-01-01", "decision_until": "2022-03-31"}
    )
    assert shown(response) == {d.pk for d in decisions[:3]}


def test_ticked_decisions_stay_ticked_whatever_is_searched(as_user, leader, version, decisions):
    response = as_user(leader).get(
        options_url(version), {"decision_q": "укриття", "decisions": [decisions[1].pk]}
    )
    ticked = [o["value"] for o in response.context["options"] if o["checked"]]
    assert ticked == [decisions[1].pk]


@pytest.mark.parametrize(
    ("role", "status"), [("donor", 403), ("other_leader", 404), ("other_coordinator", 404)]
)
def test_the_picker_is_refused_to_those_who_do_not_draft_the_plan(
    request, as_user, version, decisions, role, status
):
    client = as_user(request.getfixturevalue(role))
    assert client.get(options_url(version)).status_code == status


def test_the_action_form_shows_the_chosen_and_twenty_more(as_user, leader, version, decisions):
    url = reverse("safetyplans:action_add", args=[version.plan_id, version.number])
    response = as_user(leader).get(url)

    picker = response.context["form"].fields["decisions"].widget
    assert len(picker.decisions) == 20
    assert decisions[0].text not in response.text  # the oldest is found by searching
    assert options_url(version) in response.text


def action_data(priority, **changes):
    return {
        "priority": str(priority.pk),
        "activity": "Облаштувати укриття",
        "responsible_other": "Сільська рада",
        "starts_on": "2024-03-01",
        "ends_on": "2024-06-30",
        "indicator": "Укриття відкрите",
        **changes,
    }


def test_find_without_a_script_shows_the_form_again_and_saves_nothing(
    as_user, leader, version, priority, decisions
):
    url = reverse("safetyplans:action_add", args=[version.plan_id, version.number])
    response = as_user(leader).post(
        url, action_data(priority, decision_q="укриття", find_decisions="1", activity="")
    )

    assert response.status_code == 200
    assert not Action.objects.exists()
    assert not response.context["form"].errors  # not judged yet
    picker = response.context["form"].fields["decisions"].widget
    assert {d.pk for d in picker.decisions} == {d.pk for d in decisions if "укриття" in d.text}


def test_a_decision_found_by_search_is_saved_with_the_action(
    as_user, leader, version, priority, decisions
):
    url = reverse("safetyplans:action_add", args=[version.plan_id, version.number])
    oldest = decisions[0]
    response = as_user(leader).post(url, action_data(priority, decisions=[oldest.pk]))

    assert response.status_code == 302
    assert list(Action.objects.get().decisions.all()) == [oldest]


def test_another_groups_decision_cannot_be_chosen(as_user, leader, version, priority, other_group):
    theirs = Decision.objects.create(
        meeting=held_on(other_group, datetime.date(2024, 1, 5)), text="Чуже рішення"
    )
    url = reverse("safetyplans:action_add", args=[version.plan_id, version.number])
    response = as_user(leader).post(url, action_data(priority, decisions=[theirs.pk]))

    assert response.status_code == 200
    assert "decisions" in response.context["form"].errors
    assert not Action.objects.exists()


def test_the_action_form_costs_the_same_queries_with_5_and_60_decisions(
    as_user, leader, version, group
):
    client = as_user(leader)
    url = reverse("safetyplans:action_add", args=[version.plan_id, version.number])
    meeting = held_on(group, datetime.date(2024, 1, 10))
    for i in range(5):
        Decision.objects.create(meeting=meeting, text=f"Рішення {i}")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(55):
        Decision.objects.create(meeting=meeting, text=f"Ще рішення {i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["form"].fields["decisions"].widget.decisions) == 20
    assert len(many) == len(few)
