"""A record filled on a phone without a connection and sent later (static/js/outbox.js):
saved exactly once whatever number of times it is sent (its key), and refused, not
silently replacing it, when the meeting was recorded after the form was opened."""

import re
import uuid

import pytest
from django.urls import reverse

from meetings.models import ActionItem, Attendance, Meeting
from tests.factories import MeetingFactory, MembershipFactory
from tests.meetings.test_meeting_pages import (  # noqa: F401  fixtures
    active,
    in_days,
    leader_client,
)

pytestmark = pytest.mark.django_db

OUTBOX = {"HTTP_X_COHESION_OUTBOX": "1"}


@pytest.fixture(autouse=True)
def _english(leader):
    """The new messages are checked in English whatever the catalogue says of them."""
    leader.language = "en"
    leader.save(update_fields=["language"])


@pytest.fixture
def to_log(active):  # noqa: F811
    meeting = MeetingFactory(group=active, starts_at=in_days(-2))
    meeting.members = MembershipFactory.create_batch(2, group=active)
    return meeting


def log_url(meeting):
    return reverse("meetings:log", args=[meeting.pk])


def hidden(page_text: str, name: str) -> str:
    """A hidden field's value ("" when the input has none)."""
    return re.search(rf'name="{name}"(?: value="([^"]*)")?', page_text).group(1) or ""


def record(meeting, key, basis="", **changes):
    """The fields the phone keeps and sends: every member marked, one action, minutes."""
    return {
        **{f"attendance_{m.pk}": "present" for m in meeting.members},
        "minutes": "Обговорили укриття.",
        "action_0_description": "Зустрітися з ДСНС",
        "action_0_owner": str(meeting.members[0].pk),
        "action_0_due_on": in_days(20).date().isoformat(),
        "record_key": str(key),
        "record_basis": basis,
        **changes,
    }


def test_the_form_carries_a_new_key_and_the_record_it_was_opened_on(leader_client, to_log):  # noqa: F811
    first = leader_client.get(log_url(to_log)).text
    second = leader_client.get(log_url(to_log)).text
    assert uuid.UUID(hidden(first, "record_key")) != uuid.UUID(hidden(second, "record_key"))
    assert hidden(first, "record_basis") == ""


def test_a_record_sent_twice_is_saved_once(leader_client, to_log):  # noqa: F811
    data = record(to_log, uuid.uuid4())
    first = leader_client.post(log_url(to_log), data, **OUTBOX)
    assert first.status_code == 200 and first.json()["status"] == "saved"
    to_log.refresh_from_db()
    recorded_at = to_log.recorded_at

    again = leader_client.post(log_url(to_log), data, **OUTBOX)

    assert again.status_code == 200
    assert again.json() == {
        "status": "already_saved",
        "message": "This record had already been saved.",
    }
    to_log.refresh_from_db()
    assert to_log.status == Meeting.Status.HELD and to_log.recorded_at == recorded_at
    assert ActionItem.objects.filter(meeting=to_log).count() == 1
    assert to_log.attendance.filter(status=Attendance.Status.PRESENT).count() == 2


def test_a_record_sent_again_after_the_members_changed_is_still_already_saved(
    leader_client,  # noqa: F811
    to_log,
    active,  # noqa: F811
):
    data = record(to_log, uuid.uuid4())
    leader_client.post(log_url(to_log), data, **OUTBOX)
    MembershipFactory(group=active)  # the form no longer marks every member

    again = leader_client.post(log_url(to_log), data, **OUTBOX)

    assert again.json()["status"] == "already_saved"
    assert ActionItem.objects.filter(meeting=to_log).count() == 1


def test_a_record_sent_again_without_a_script_says_it_was_saved_already(leader_client, to_log):  # noqa: F811
    data = record(to_log, uuid.uuid4())
    leader_client.post(log_url(to_log), data)
    again = leader_client.post(log_url(to_log), data, follow=True)
    assert "This record had already been saved." in again.text
    assert ActionItem.objects.filter(meeting=to_log).count() == 1


def test_a_record_made_meanwhile_by_someone_else_refuses_the_phones(leader_client, to_log):  # noqa: F811
    opened = hidden(leader_client.get(log_url(to_log)).text, "record_basis")
    # Someone else records the meeting while the leader's phone is offline.
    leader_client.post(log_url(to_log), record(to_log, uuid.uuid4(), minutes="Їхній запис."))
    to_log.refresh_from_db()
    theirs = to_log.recorded_at

    response = leader_client.post(
        log_url(to_log), record(to_log, uuid.uuid4(), opened, minutes="Мій запис."), **OUTBOX
    )

    assert response.status_code == 409
    assert response.json()["status"] == "conflict"
    assert "This meeting was recorded meanwhile" in response.json()["message"]
    to_log.refresh_from_db()
    assert "Їхній запис." in to_log.minutes and to_log.recorded_at == theirs
    assert ActionItem.objects.filter(meeting=to_log).count() == 1


def test_the_refused_form_keeps_the_text_and_saving_it_again_replaces_the_record(
    leader_client,  # noqa: F811
    to_log,
):
    opened = hidden(leader_client.get(log_url(to_log)).text, "record_basis")
    leader_client.post(log_url(to_log), record(to_log, uuid.uuid4(), minutes="Їхній запис."))

    page = leader_client.post(
        log_url(to_log), record(to_log, uuid.uuid4(), opened, minutes="Мій запис.")
    )

    assert page.status_code == 200
    assert "This meeting was recorded meanwhile" in page.text and "Мій запис." in page.text
    to_log.refresh_from_db()
    assert hidden(page.text, "record_basis") == to_log.recorded_at.isoformat()
    data = record(to_log, uuid.uuid4(), hidden(page.text, "record_basis"), minutes="Мій запис.")
    assert leader_client.post(log_url(to_log), data).status_code == 302
    to_log.refresh_from_db()
    assert "Мій запис." in to_log.minutes


def test_a_record_on_the_record_it_was_opened_on_replaces_it(leader_client, to_log):  # noqa: F811
    leader_client.post(log_url(to_log), record(to_log, uuid.uuid4(), minutes="Перший."))
    opened = hidden(leader_client.get(log_url(to_log)).text, "record_basis")
    response = leader_client.post(
        log_url(to_log), record(to_log, uuid.uuid4(), opened, minutes="Другий."), **OUTBOX
    )
    assert response.json()["status"] == "saved"
    to_log.refresh_from_db()
    assert "Другий." in to_log.minutes


def test_a_record_the_server_cannot_take_is_refused_with_the_reason(leader_client, to_log):  # noqa: F811
    data = record(to_log, uuid.uuid4())
    del data[f"attendance_{to_log.members[1].pk}"]
    response = leader_client.post(log_url(to_log), data, **OUTBOX)
    assert response.status_code == 400
    assert response.json()["status"] == "invalid"
    assert "1 member is not marked yet" in response.json()["message"]
    to_log.refresh_from_db()
    assert to_log.status == Meeting.Status.PLANNED and to_log.record_key is None


def test_a_damaged_basis_saves_nothing(leader_client, to_log):  # noqa: F811
    response = leader_client.post(
        log_url(to_log), record(to_log, uuid.uuid4(), "yesterday"), **OUTBOX
    )
    assert response.status_code == 400 and "The form is damaged" in response.json()["message"]
    to_log.refresh_from_db()
    assert to_log.status == Meeting.Status.PLANNED


def test_other_leader_cannot_send_a_record_for_the_group(as_user, other_leader, to_log):
    response = as_user(other_leader).post(log_url(to_log), record(to_log, uuid.uuid4()), **OUTBOX)
    assert response.status_code == 404
    to_log.refresh_from_db()
    assert to_log.status == Meeting.Status.PLANNED
