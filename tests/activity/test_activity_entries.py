"""Every kind of record the programme keeps history for shows on its activity page: when, who
(or "system"), what kind of record, which one (linked while it exists), what happened, and the
changes with field and choice labels in the reader's language, never a stored code."""

import datetime
import re

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.services import invitation_create
from meetings import services as meeting_services
from safetyplans import services as plan_services
from tests.activity.conftest import page_text
from tests.factories import (
    ActionItemFactory,
    MeetingFactory,
    MembershipFactory,
    RoleAssignmentFactory,
    UserFactory,
    plan_in_state,
)
from tests.workinggroups.test_history import edit_person
from workinggroups.services import working_group_change_status

pytestmark = pytest.mark.django_db

# Stored codes of the changes made below: none may reach the page.
CODES = [
    "female", "male", "member", "deputy", "forming", "active", "planned", "cancelled",
    "air_raid", "open", "done", "draft", "in_review", "street_lighting", "road_safety",
    "not_started", "in_progress", "coordinator", "donor", "True", "False",
]  # fmt: skip


@pytest.fixture
def membership(group):
    return MembershipFactory(
        group=group, person__full_name="Ірина Мельник", person__sex="female", role="member"
    )


@pytest.fixture
def changes(as_user, programme, group, coordinator, leader, membership):
    """One change of every kind in the programme: the person and the membership through the
    pages (so the history knows who), the rest through the services (the history says
    "system"), and an attendance sheet taken."""
    edit_person(as_user(leader), membership.person, sex="male")
    as_user(coordinator).post(
        reverse("workinggroups:membership_edit", args=[membership.pk]),
        {"category": membership.category_id, "organisation": "", "role": "deputy"},
    )
    working_group_change_status(
        group=group, status="active", changed_on=datetime.date(2024, 1, 15), reason="launch",
        by=coordinator,
    )  # fmt: skip
    meeting = MeetingFactory(group=group)
    meeting_services.meeting_call_off(meeting=meeting, status="cancelled", reason="air_raid")
    action = ActionItemFactory(group=group, owner=membership, description="Звернутися до ДСНС")
    meeting_services.action_item_set_status(action=action, status="done")
    plan, version = plan_in_state("draft", group=group)
    priority = version.priorities.get()
    plan_services.priority_update(
        priority=priority, revision=priority.revision, issue=priority.issue,
        category="road_safety", description="", likelihood=3, impact=4,
        evidence="safety_audit", evidence_note="", evidence_decision=None,
    )  # fmt: skip
    plan_services.version_submit(version=version)
    plan_services.version_approve(
        version=version, approving_body="Сесія сільської ради", decision_number="12-VIII",
        decision_date=datetime.date(2024, 2, 1),
    )  # fmt: skip
    tracking = version.actions.get().tracking
    plan_services.action_track(tracking=tracking, status="in_progress", progress=40)
    RoleAssignmentFactory(
        role=Role.COORDINATOR, programme=programme, user=UserFactory(full_name="Нова Координаторка")
    )
    invitation_create(
        invited_by=coordinator, email="donor.new@example.org", role=Role.DONOR, programme=programme
    )
    as_user(leader).post(reverse("meetings:attendance_sheet", args=[group.pk]))
    return {"meeting": meeting, "plan": plan}


def test_every_kind_of_record_shows_with_its_labels(activity_page, programme, coordinator, changes):
    response = activity_page(coordinator, programme)
    assert response.status_code == 200
    text = page_text(response)
    for line in [
        "Sex: Female → Male",
        "Role: Member → Deputy",
        "Status: Forming → Active",
        "Status: Planned → Cancelled",
        "Reason: — → Air-raid alert",
        "Status: Open → Done",
        "Status: Draft → In review",
        "Status: In review → Approved",
        "Status: Not started → In progress",
        "Category: Street lighting → Road safety",
    ]:
        assert line in text, (line, text)
    kinds = {entry.kind for entry in response.context["entries"]}
    assert kinds >= {
        "Person", "Membership", "Working group", "Meeting", "Action item", "Safety plan",
        "Plan version", "Priority", "Action", "Action progress", "Role assignment", "Invitation",
    }  # fmt: skip
    assert "Нова Координаторка · Coordinator" in text
    assert "donor.new@example.org (Donor)" in text
    assert "attendance sheet taken" in text
    for code in CODES:
        found = re.search(rf"(?<![\w.@-]){re.escape(code)}(?![\w.@-])", text)
        assert not found, (code, text[found.start() - 200 : found.end() + 50])


def test_entries_are_newest_first_with_who_made_them(
    activity_page, programme, coordinator, leader, changes
):
    entries = activity_page(coordinator, programme).context["entries"]
    moments = [entry.when for entry in entries]
    assert moments == sorted(moments, reverse=True)
    sheet = entries[0]  # the last thing done
    assert (sheet.action, sheet.who, sheet.kind) == (
        "attendance sheet taken",
        str(leader),
        "Working group",
    )
    person = next(entry for entry in entries if entry.kind == "Person" and entry.changes)
    assert (person.who, person.action, person.name) == (str(leader), "changed", "Ірина Мельник")
    membership = next(e for e in entries if e.kind == "Membership" and e.changes)
    assert membership.who == str(coordinator)
    meeting = next(e for e in entries if e.kind == "Meeting" and e.changes)
    assert meeting.who == "system"


def test_entries_link_the_records_that_still_exist(
    activity_page, programme, coordinator, membership, changes
):
    entries = activity_page(coordinator, programme).context["entries"]
    urls = {entry.kind: entry.url for entry in entries if entry.url}
    assert urls["Person"] == membership.person.get_absolute_url()
    assert urls["Meeting"] == changes["meeting"].get_absolute_url()
    assert urls["Safety plan"] == changes["plan"].get_absolute_url()


def test_a_deleted_record_is_named_but_not_linked(
    activity_page, programme, coordinator, other_group
):
    plan, _version = plan_in_state("draft", group=other_group)
    plan_services.plan_delete(plan=plan)
    entries = activity_page(coordinator, programme, area="plans").context["entries"]
    plans = [(e.action, e.name, e.url) for e in entries if e.kind == "Safety plan"]
    assert plans == [("deleted", other_group.name, None), ("created", other_group.name, None)]


def test_creation_and_deletion_are_named_as_such(activity_page, programme, coordinator, group):
    meeting = MeetingFactory(group=group)
    meeting.delete()
    entries = activity_page(coordinator, programme, area="meetings").context["entries"]
    assert [(e.kind, e.action, e.changes) for e in entries] == [
        ("Meeting", "deleted", []),
        ("Meeting", "created", []),
    ]
    assert entries[0].url is None


def test_another_programmes_activity_is_not_shown(
    activity_page, programme, other_programme, coordinator
):
    from tests.factories import WorkingGroupFactory

    stranger = MembershipFactory(
        group=WorkingGroupFactory(programme=other_programme), person__full_name="Чужа Людина"
    )
    MeetingFactory(group=stranger.group)
    response = activity_page(coordinator, programme)
    assert "Чужа Людина" not in response.text
    assert all(entry.kind != "Meeting" for entry in response.context["entries"])


def test_a_ukrainian_reader_reads_the_labels_in_ukrainian(
    as_user, activity_page, programme, coordinator, leader, membership
):
    edit_person(as_user(leader), membership.person, sex="male")
    response = activity_page(coordinator, programme, language="uk", area="people")
    latest = response.context["entries"][0]
    assert (latest.kind, latest.action) == ("Особа", "змінено")
    assert "Стать: Жінка → Чоловік" in page_text(response)
