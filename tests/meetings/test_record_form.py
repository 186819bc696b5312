"""The record of a meeting as it really happens: a meeting logged without being planned, each
member marked by the leader (nothing counts as present until marked), an outcome per agenda
item, minutes that keep their paragraphs and lists, as many actions as were agreed."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from meetings.forms import minutes_as_text
from meetings.models import ActionItem, Attendance, Meeting
from meetings.services import sanitise_minutes
from tests.factories import ActionItemFactory, AgendaItemFactory, MeetingFactory, MembershipFactory
from tests.meetings.test_meeting_pages import (  # noqa: F401  fixtures
    active,
    in_days,
    leader_client,
    local_input,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def to_log(active):  # noqa: F811
    meeting = MeetingFactory(group=active, starts_at=in_days(-2))
    meeting.members = MembershipFactory.create_batch(3, group=active)
    return meeting


def log_url(meeting):
    return reverse("meetings:log", args=[meeting.pk])


def marked(meeting, *statuses):
    return {f"attendance_{m.pk}": s for m, s in zip(meeting.members, statuses, strict=False)}


def past_data(**changes):
    return {
        "starts_at": local_input(in_days(-3)),
        "duration_minutes": "60",
        "format": "in_person",
        "place": "Укриття школи №1",
        "online_link": "",
        "agenda": "Графік чергувань\nОсвітлення",
        **changes,
    }


def test_a_meeting_that_was_never_planned_is_recorded_with_the_same_form(
    leader_client,  # noqa: F811
    active,  # noqa: F811
):
    members = MembershipFactory.create_batch(2, group=active)
    url = reverse("meetings:record_past", args=[active.pk])
    page = leader_client.get(url)
    assert page.status_code == 200 and 'max="' in page.text
    response = leader_client.post(url, past_data())
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == log_url(meeting)
    assert list(meeting.agenda_items.values_list("title", flat=True)) == [
        "Графік чергувань",
        "Освітлення",
    ]
    data = {f"attendance_{m.pk}": "present" for m in members}
    response = leader_client.post(log_url(meeting), {**data, "minutes": "Зустрілися."})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert meeting.attendance.count() == 2


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (lambda: in_days(2), "A meeting that took place is in the past"),
        (lambda: timezone.now() - datetime.timedelta(days=3 * 366), "before the group was founded"),
    ],
    ids=["in the future", "before the group's life"],
)
def test_a_meeting_recorded_after_the_fact_takes_place_within_the_groups_life(
    leader_client,  # noqa: F811
    active,  # noqa: F811
    when,
    message,
):
    active.established_on = timezone.localdate() - datetime.timedelta(days=365)
    active.save(update_fields=["established_on"])
    response = leader_client.post(
        reverse("meetings:record_past", args=[active.pk]),
        past_data(starts_at=local_input(when())),
    )
    assert response.status_code == 200
    assert not Meeting.objects.exists()


def test_planning_a_past_meeting_points_to_recording_it(leader_client, active):  # noqa: F811
    response = leader_client.post(
        reverse("meetings:create", args=[active.pk]), past_data(agenda="")
    )
    assert response.status_code == 200
    assert not Meeting.objects.exists()


def test_attendance_starts_unmarked_and_an_unmarked_member_blocks_saving(
    leader_client,  # noqa: F811
    to_log,
):
    page = leader_client.get(log_url(to_log))
    assert " checked" not in page.text
    assert page.context["form"].unmarked() == 3
    response = leader_client.post(
        log_url(to_log), {**marked(to_log, "present", "absent"), "minutes": "Текст"}
    )
    assert response.status_code == 200
    assert "1 учасника ще не позначено" in response.text
    to_log.refresh_from_db()
    assert to_log.status == Meeting.Status.PLANNED and not Attendance.objects.exists()
    # What was typed stays on the page.
    assert "Текст" in response.text


def test_everyone_present_marks_only_those_not_marked_and_saves_nothing(
    leader_client,  # noqa: F811
    to_log,
):
    data = {**marked(to_log, "absent"), "all_present": "1", "minutes": "Текст"}
    response = leader_client.post(log_url(to_log), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert [field.value() for field in form.attendance_fields()] == ["absent", "present", "present"]
    assert form.unmarked() == 0 and not form.errors
    assert not Attendance.objects.exists()


def test_any_number_of_actions_is_recorded_and_another_row_comes_without_a_script(
    leader_client,  # noqa: F811
    to_log,
):
    owner = to_log.members[0]
    response = leader_client.post(log_url(to_log), {"add_action": "1", "action_0_description": "А"})
    assert response.context["form"].action_count == 2
    actions = {
        f"action_{i}_{key}": value
        for i in range(5)
        for key, value in (
            ("description", f"Дія {i + 1}"),
            ("owner", str(owner.pk)),
            ("due_on", "2030-01-0" + str(i + 1)),
        )
    }
    response = leader_client.post(
        log_url(to_log), {**marked(to_log, "present", "present", "excused"), **actions}
    )
    assert response.status_code == 302
    assert ActionItem.objects.filter(meeting=to_log).count() == 5


def test_each_agenda_item_gets_its_outcome_and_carried_actions_show_owner_and_due_date(
    leader_client,  # noqa: F811
    to_log,
):
    item = AgendaItemFactory(meeting=to_log, title="Освітлення")
    earlier = ActionItemFactory(
        group=to_log.group, owner=to_log.members[1], due_on=datetime.date(2027, 3, 15)
    )
    carried = AgendaItemFactory(
        meeting=to_log, title=f"Відкрите завдання: {earlier.description}", action_item=earlier
    )
    page = leader_client.get(log_url(to_log))
    owner_name = to_log.members[1].person.full_name
    assert (
        f"{owner_name}, термін 15.03.2027" in page.text
        or f"{owner_name}, due 15.03.2027" in page.text
    )
    data = {
        **marked(to_log, "present", "present", "present"),
        f"outcome_{item.pk}": "Домовилися:\n- звернутися до ОВА\n- скласти список вулиць",
        f"outcome_{carried.pk}": "Виконано наполовину.",
    }
    assert leader_client.post(log_url(to_log), data).status_code == 302
    item.refresh_from_db()
    assert item.outcome == (
        "<p>Домовилися:</p>\n\n<ul><li>звернутися до ОВА</li><li>скласти список вулиць</li></ul>"
    )
    detail = leader_client.get(to_log.get_absolute_url())
    assert "<li>скласти список вулиць</li>" in detail.text
    assert "Виконано наполовину." in detail.text
    # Corrected later, the outcome comes back as the leader typed it.
    form = leader_client.get(log_url(to_log)).context["form"]
    assert form[f"outcome_{item.pk}"].value() == (
        "Домовилися:\n\n- звернутися до ОВА\n- скласти список вулиць"
    )


def test_an_outcome_for_another_meetings_item_is_refused(leader_client, to_log):  # noqa: F811
    from meetings.services import meeting_log

    stranger = AgendaItemFactory()
    with pytest.raises(ValidationError, match="питань порядку денного"):
        meeting_log(
            meeting=to_log,
            attendance={m.pk: "present" for m in to_log.members},
            guests={},
            minutes="",
            decisions=[],
            new_actions=[],
            outcomes={stranger.pk: "Ні"},
        )
    to_log.refresh_from_db()
    assert to_log.status == Meeting.Status.PLANNED and not Attendance.objects.exists()


def test_minutes_keep_their_paragraphs_line_breaks_and_lists():
    text = "Присутні:\n- Оксана\n- Петро\n\nВирішили:\n1. Одне\n2. Друге\nДалі — за планом."
    html = sanitise_minutes(text)
    assert html == (
        "<p>Присутні:</p>\n\n<ul><li>Оксана</li><li>Петро</li></ul>\n\n"
        "<p>Вирішили:</p>\n\n<ol><li>Одне</li><li>Друге</li></ol>\n\n<p>Далі — за планом.</p>"
    )
    # Back in the form as typed, and saved again unchanged.
    assert sanitise_minutes(minutes_as_text(html)) == html
    # A <b> here and there does not cost the line breaks.
    assert sanitise_minutes("Рядок <b>один</b>\nрядок два") == (
        "<p>Рядок <b>один</b><br>рядок два</p>"
    )
