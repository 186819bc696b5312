"""The API's safety plans: each plan's approved versions (with the decision that adopted each),
the progress of the version in force as the plan's page and the overview compute it, and its
actions one by one; the version in preparation only for those who draft it, never a donor."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safetyplans import services
from safetyplans.models import ActionTracking
from safetyplans.selectors import version_content
from tests.api.conftest import check_against_schema, openapi_schema, url
from tests.factories import ActionFactory, WorkingGroupFactory, plan_in_state

pytestmark = pytest.mark.django_db

LIST = "/programmes/{programme_id}/safety-plans"
DETAIL = "/programmes/{programme_id}/safety-plans/{plan_id}"


def detail_url(programme, plan) -> str:
    return "/api/v1" + DETAIL.format(programme_id=programme.pk, plan_id=plan.pk)


def track(action, status, progress, note=""):
    tracking = ActionTracking.objects.get(action__key=action.key, plan=action.version.plan)
    services.action_track(
        tracking=tracking, status=status, progress=progress, on=tracking.plan.period_start,
        note=note, by=None,
    )  # fmt: skip


@pytest.fixture
def revised_plan(group, coordinator):
    """Version 1 approved then superseded by version 2, whose four actions are done, half
    way, cancelled and not started (overdue), and version 3 in review."""
    plan, _first = plan_in_state("superseded", group=group, actions=1, by=coordinator)
    plan.refresh_from_db()
    second = plan.approved_version
    draft = services.plan_revise(plan=plan, by=coordinator)
    for _ in range(3):
        ActionFactory(priority=draft.priorities.get(), version=draft)
    services.version_submit(version=draft, by=coordinator)
    services.version_approve(
        version=draft, by=coordinator, approving_body="Виконком", decision_number="5",
        decision_date=second.decision_date,
    )  # fmt: skip
    plan.refresh_from_db()
    in_force = plan.approved_version
    actions = list(in_force.actions.order_by("pk"))
    track(actions[0], "done", 100)
    track(actions[1], "in_progress", 50, note="Домовилася Оксана Тестова")
    track(actions[2], "cancelled", 0)
    preparing = services.plan_revise(plan=plan, by=coordinator)
    services.version_submit(version=preparing, by=coordinator)
    return plan


def get(client, path, headers):
    response = client.get(path, headers=headers)
    return response, response.json()


def test_a_coordinator_sees_every_approved_version_the_progress_and_the_revision(
    client, programme, revised_plan, coordinator, bearer
):
    spec = openapi_schema(client)
    response, body = get(client, url(LIST, programme), bearer(coordinator))
    check_against_schema(spec, LIST, response)
    (row,) = body["items"]
    assert [(v["number"], v["status"]) for v in row["versions"]] == [
        (1, "superseded"), (2, "superseded"), (3, "approved"),
    ]  # fmt: skip
    assert row["versions"][0]["superseded_on"] is not None
    assert row["versions"][-1]["superseded_on"] is None
    assert row["versions"][-1]["decision_number"] == "5"
    assert row["in_force"] == 3
    assert row["in_preparation"] == {"number": 4, "status": "in_review"}
    # The plan's page computes the same progress.
    in_force = revised_plan.approved_version
    in_force.plan = revised_plan
    page = version_content(in_force).progress
    assert row["progress"]["actions"] == page.actions == 4
    assert row["progress"]["done"] == page.done == 1
    assert row["progress"]["overdue"] == page.overdue
    assert row["progress"]["percent"] == page.percent == 50  # (100 + 50 + 0) / 3
    assert row["progress"]["budget_uah"] == 40000.0


def test_a_plans_actions_come_with_their_progress_and_without_notes(
    client, programme, revised_plan, coordinator, bearer
):
    spec = openapi_schema(client)
    response, body = get(client, detail_url(programme, revised_plan), bearer(coordinator))
    check_against_schema(spec, DETAIL, response)
    (priority,) = body["priorities"]
    assert [(a["status"], a["progress"]) for a in priority["actions"]] == [
        ("done", 100), ("in_progress", 50), ("cancelled", 0), ("not_started", 0),
    ]  # fmt: skip
    in_force = revised_plan.approved_version
    in_force.plan = revised_plan
    overdue = {a.activity for a in version_content(in_force).overdue}
    assert {a["activity"] for a in priority["actions"] if a["overdue"]} == overdue
    assert "Оксана" not in response.content.decode()


def test_a_donor_sees_approved_versions_and_never_the_one_in_preparation(
    client, programme, revised_plan, other_group, donor, coordinator, bearer
):
    draft_only, _version = plan_in_state("in_review", group=other_group, by=coordinator)
    spec = openapi_schema(client)
    headers = bearer(donor)
    response, body = get(client, url(LIST, programme), headers)
    check_against_schema(spec, LIST, response)
    assert [row["id"] for row in body["items"]] == [revised_plan.pk]
    assert body["items"][0]["in_preparation"] is None
    assert [v["number"] for v in body["items"][0]["versions"]] == [1, 2, 3]
    assert client.get(detail_url(programme, revised_plan), headers=headers).status_code == 200
    assert client.get(detail_url(programme, draft_only), headers=headers).status_code == 404


def test_a_leader_sees_their_groups_plan_and_not_another(
    client, programme, revised_plan, other_group, leader, coordinator, bearer
):
    other, _version = plan_in_state("approved", group=other_group, by=coordinator)
    headers = bearer(leader)
    _response, body = get(client, url(LIST, programme), headers)
    assert [row["id"] for row in body["items"]] == [revised_plan.pk]
    assert body["items"][0]["in_preparation"] == {"number": 4, "status": "in_review"}
    assert client.get(detail_url(programme, other), headers=headers).status_code == 404


def test_a_plan_asked_for_under_another_programme_is_not_found(
    client, programme, other_programme, revised_plan, admin_user, bearer
):
    response = client.get(detail_url(other_programme, revised_plan), headers=bearer(admin_user))
    assert response.status_code == 404


def test_the_list_filters_by_community(client, programme, revised_plan, coordinator, bearer):
    headers = bearer(coordinator)
    community = revised_plan.group.community_id
    here = client.get(url(LIST, programme), {"community": community}, headers=headers).json()
    elsewhere = client.get(url(LIST, programme), {"community": 0}, headers=headers).json()
    assert (here["count"], elsewhere["count"]) == (1, 0)


def test_queries_do_not_grow_with_plans_or_actions(
    client, programme, group, other_group, coordinator, bearer
):
    headers = bearer(coordinator)
    client.get("/api/v1/programmes", headers=headers)  # the token's first use is written once
    first, _version = plan_in_state("approved", group=group, actions=1, by=coordinator)

    def count(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path, headers=headers).status_code == 200
        return len(captured)

    small = (count(url(LIST, programme)), count(detail_url(programme, first)))
    plan_in_state("superseded", group=other_group, actions=6, by=coordinator)
    third = WorkingGroupFactory(programme=programme)
    big, _version = plan_in_state("approved", group=third, actions=8, by=coordinator)
    assert (count(url(LIST, programme)), count(detail_url(programme, big))) == small


def test_a_donors_answer_holds_no_person(client, programme, revised_plan, donor, bearer):
    headers = bearer(donor)
    text = json.dumps(
        [
            client.get(url(LIST, programme), headers=headers).json(),
            client.get(detail_url(programme, revised_plan), headers=headers).json(),
        ],
        ensure_ascii=False,
    )
    assert "Оксана" not in text
    assert "coordinator@example.org" not in text
