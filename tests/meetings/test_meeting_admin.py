"""The admin cannot move, re-place or call off a meeting: those go through the meeting's pages
(meetings.services), which raise its calendar SEQUENCE and tell the members once it is
announced. A new meeting is still entered in the admin in full."""

import datetime

import pytest
from django.urls import reverse

from cohesion import clock
from meetings.models import Meeting, Reminder
from tests.factories import MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db

PLANNING = {"starts_at", "duration_minutes", "format", "place", "online_link", "status",
            "status_reason", "agenda_sent_at"}  # fmt: skip


@pytest.fixture
def announced(group):
    MembershipFactory(group=group, person__email="member@example.org")
    starts_at = (clock.now() + datetime.timedelta(days=2)).replace(second=0, microsecond=0)
    meeting = MeetingFactory(group=group, starts_at=starts_at, place="Бібліотека")
    Meeting.objects.filter(pk=meeting.pk).update(agenda_sent_at=starts_at - datetime.timedelta(1))
    return Meeting.objects.get(pk=meeting.pk)


def test_the_admin_shows_when_where_and_whether_read_only(as_user, admin_user, announced):
    client = as_user(admin_user)
    page = client.get(reverse("admin:meetings_meeting_change", args=[announced.pk]))
    assert page.status_code == 200
    assert not PLANNING & set(page.context["adminform"].form.fields)
    assert "Бібліотека" in page.text  # shown, not editable
    add = client.get(reverse("admin:meetings_meeting_add")).context["adminform"].form
    assert PLANNING - {"agenda_sent_at"} <= set(add.fields)


def test_saving_in_the_admin_leaves_when_where_and_whether_alone(as_user, admin_user, announced):
    inlines = {f"{prefix}-{field}": "0" for prefix in ("agenda_items", "decisions", "prereads")
               for field in ("TOTAL_FORMS", "INITIAL_FORMS")}  # fmt: skip
    response = as_user(admin_user).post(
        reverse("admin:meetings_meeting_change", args=[announced.pk]),
        {"group": announced.group_id, "status_note": "Уточнено", "minutes": "",
         "starts_at_0": "01.01.2030", "starts_at_1": "18:00", "place": "Деінде",
         "status": "cancelled", "status_reason": "other", "created_at_0": "01.01.2026",
         "created_at_1": "09:00", **inlines},
    )  # fmt: skip
    assert response.status_code == 302
    meeting = Meeting.objects.get(pk=announced.pk)
    assert meeting.status_note == "Уточнено"  # saved, but only what the admin may change
    assert (meeting.starts_at, meeting.place, meeting.status, meeting.sequence) == (
        announced.starts_at, "Бібліотека", Meeting.Status.PLANNED, 0,
    )  # fmt: skip
    assert not Reminder.objects.exists()
