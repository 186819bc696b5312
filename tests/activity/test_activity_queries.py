"""The activity page costs the same queries however long the history: the page is cut in the
database and its rows are fetched per kind of record, never one by one."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from meetings import services as meeting_services
from safetyplans import services as plan_services
from tests.factories import (
    ActionItemFactory,
    MeetingFactory,
    MembershipFactory,
    RoleAssignmentFactory,
    WorkingGroupFactory,
    plan_in_state,
)
from workinggroups.services import person_update

pytestmark = pytest.mark.django_db


def one_of_each(programme, coordinator):
    """A change of every kind the page shows, in a group of its own."""
    group = WorkingGroupFactory(programme=programme, status="active")
    membership = MembershipFactory(group=group)
    person = membership.person
    person_update(person=person, fields={"full_name": person.full_name, "phone": "050"}, by=None)
    meeting = MeetingFactory(group=group)
    meeting_services.meeting_call_off(meeting=meeting, status="cancelled", reason="air_raid")
    action = ActionItemFactory(group=group, owner=membership)
    meeting_services.action_item_set_status(action=action, status="done")
    _plan, version = plan_in_state("draft", group=group)
    plan_services.version_submit(version=version)
    plan_services.version_approve(
        version=version, approving_body="Рада", decision_number="1",
        decision_date=datetime.date(2024, 2, 1),
    )  # fmt: skip
    tracking = version.actions.get().tracking
    plan_services.action_track(tracking=tracking, status="in_progress", progress=40)
    RoleAssignmentFactory(role=Role.DONOR, programme=programme)
    meeting_services.attendance_sheet(group=group, by=coordinator)


def queries_for_page(client, programme) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("activity:programme", args=[programme.pk]))
    assert response.status_code == 200
    return [query["sql"] for query in context.captured_queries]


def test_the_page_costs_the_same_queries_with_few_and_many_entries(as_user, programme, coordinator):
    client = as_user(coordinator)
    one_of_each(programme, coordinator)
    few = queries_for_page(client, programme)
    for _ in range(6):
        one_of_each(programme, coordinator)
    many = queries_for_page(client, programme)
    # 4 the request's: session, user, roles with the second factor, programme;
    # 2 the page: its count and its rows (one UNION over the historical tables and the sheets);
    # 12 the page's rows with the row before each, per kind of record (11), and the sheets;
    # 7 the records the entries name, per model: user, group, plan action, plan, version,
    #   meeting, person;
    # 2 the filter's choices: who can change things, the programme's groups.
    assert len(few) == len(many) == 27, "\n".join(q[:120] for q in many)
