"""Meetings, safety plans and access now keep their history as people and memberships did:
each change with the user who made it, without the counters and bookkeeping that change on
every save, and without an invitation's secret."""

import pytest
from django.urls import reverse

from accounts.models import Invitation, Role, RoleAssignment
from accounts.services import invitation_create, role_assignment_remove
from meetings.models import ActionItem, Meeting
from safetyplans.models import PlanVersion
from safetyplans.services import version_submit
from tests.factories import (
    ActionItemFactory,
    MeetingFactory,
    RoleAssignmentFactory,
    plan_in_state,
)

pytestmark = pytest.mark.django_db


def test_a_meeting_change_is_recorded_with_the_user_but_not_its_counters(
    as_user, coordinator, group
):
    meeting = MeetingFactory(group=group)
    as_user(coordinator).post(
        reverse("meetings:call_off", args=[meeting.pk]),
        {"status": "cancelled", "reason": "air_raid", "note": ""},
    )
    record = meeting.history.latest("history_date")
    assert (record.status, record.status_reason, record.history_user) == (
        "cancelled", "air_raid", coordinator,
    )  # fmt: skip
    kept = {field.name for field in Meeting.history.model._meta.fields}
    assert not kept & {"sequence", "recorded_at", "created_at"}
    assert "stale_reported_on" not in {f.name for f in ActionItem.history.model._meta.fields}


def test_an_action_item_keeps_its_history(group):
    action = ActionItemFactory(group=group)
    action.status = ActionItem.Status.DONE
    action.save(update_fields=["status"])
    assert [r.status for r in action.history.order_by("history_date")] == ["open", "done"]


def test_a_plan_versions_workflow_is_recorded(group):
    _plan, version = plan_in_state("draft", group=group)
    version_submit(version=version)
    statuses = list(
        PlanVersion.history.filter(id=version.pk)
        .order_by("history_date")
        .values_list("status", flat=True)
    )
    assert statuses == ["draft", "in_review"]
    assert "revision" not in {f.name for f in PlanVersion.history.model._meta.fields}


def test_granting_and_withdrawing_access_is_recorded(programme, coordinator):
    assignment = RoleAssignmentFactory(role=Role.DONOR, programme=programme)
    pk = assignment.pk
    role_assignment_remove(assignment=assignment)
    records = RoleAssignment.history.filter(id=pk).order_by("history_date")
    assert [r.history_type for r in records] == ["+", "-"]


def test_an_invitations_history_keeps_no_secret(programme, coordinator):
    invitation, _token = invitation_create(
        invited_by=coordinator, email="new@example.org", role=Role.DONOR, programme=programme
    )
    assert invitation.history.count() == 1
    kept = {field.name for field in Invitation.history.model._meta.fields}
    assert not kept & {"token_hash", "token_nonce"}
