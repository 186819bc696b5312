"""The meetings pages: the leader's working page (next meeting, what is missing, overdue
actions, next month's proposed date), the planning and record forms, their query counts, and
whatever odd input arrives in the forms: never a 500, and nothing saved when it is refused."""

import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import Programme
from meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    CalendarFeed,
    Decision,
    GuestCount,
    Meeting,
)
from meetings.services import calendar_feed_renew, meeting_log, propose_next
from tests.factories import (
    ActionItemFactory,
    AgendaItemFactory,
    MeetingFactory,
    MembershipFactory,
    category_by_code,
)
from workinggroups.models import WorkingGroup

pytestmark = pytest.mark.django_db

KYIV = ZoneInfo("Europe/Kyiv")


def in_days(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def local_input(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def run_today(programme):
    """Moves the programme's period around today: a year behind and a year ahead."""
    today = timezone.localdate()
    Programme.objects.filter(pk=programme.pk).update(
        start_date=today - datetime.timedelta(days=365),
        end_date=today + datetime.timedelta(days=365),
    )
    programme.refresh_from_db()


@pytest.fixture
def active(group):
    """The leader's group, active in a programme that runs today."""
    run_today(group.programme)
    group.status = WorkingGroup.Status.ACTIVE
    group.save(update_fields=["status"])
    return group


def meetings_url(group):
    return reverse("meetings:group_meetings", args=[group.pk])


# The leader's working page ------------------------------------------------------------------


def test_working_page_shows_the_next_meeting_what_is_missing_and_overdue_actions(
    as_user, leader, active
):
    soon = MeetingFactory(group=active, starts_at=in_days(5))
    MeetingFactory(group=active, starts_at=in_days(40))
    unlogged = MeetingFactory(group=active, starts_at=in_days(-3))
    MeetingFactory(group=active, starts_at=in_days(-33), status="held", minutes="<p>Протокол</p>")
    MeetingFactory(group=active, starts_at=in_days(-20), status="cancelled", status_reason="other")
    today = timezone.localdate()
    stale = ActionItemFactory(group=active, due_on=today - datetime.timedelta(91))
    overdue_90 = ActionItemFactory(group=active, due_on=today - datetime.timedelta(90))
    overdue = ActionItemFactory(group=active, due_on=today - datetime.timedelta(1))
    later = ActionItemFactory(group=active, due_on=today + datetime.timedelta(9))
    ActionItemFactory(group=active, status="done", due_on=datetime.date(2024, 1, 1))
    page = as_user(leader).get(meetings_url(active))
    assert page.status_code == 200
    context = page.context
    assert context["manages"] is True
    assert context["next_meeting"] == soon
    assert context["unlogged"] == [unlogged]
    # Overdue for more than ACTION_STALE_AFTER_DAYS (90) is stale, listed apart with the
    # one-click ways to close or re-date it.
    assert [(a, a.state) for a in context["stale_actions"]] == [(stale, "stale")]
    assert [(a, a.state) for a in context["open_actions"]] == [
        (overdue_90, "overdue"),
        (overdue, "overdue"),
        (later, "due"),
    ]
    assert reverse("meetings:action_redate", args=[stale.pk]) in page.text
    assert context["proposed"] == propose_next(active)
    assert reverse("meetings:log", args=[unlogged.pk]) in page.text
    assert reverse("meetings:create", args=[active.pk]) in page.text


def test_working_page_proposes_nothing_for_a_suspended_group(as_user, leader, group):
    group.status = WorkingGroup.Status.SUSPENDED
    group.save(update_fields=["status"])
    page = as_user(leader).get(meetings_url(group))
    assert page.context["proposed"] is None
    assert page.context["next_meeting"] is None


def test_planning_page_proposes_next_months_date_and_the_last_place(as_user, leader, active):
    last = MeetingFactory(
        group=active,
        starts_at=in_days(-10),
        status="held",
        place="Ліцей №1",
        duration_minutes=120,
    )
    page = as_user(leader).get(reverse("meetings:create", args=[active.pk]))
    initial = page.context["form"].initial
    assert initial["starts_at"] == timezone.localtime(propose_next(active))
    assert (
        timezone.localtime(initial["starts_at"]).time() == timezone.localtime(last.starts_at).time()
    )
    assert (initial["place"], initial["duration_minutes"]) == ("Ліцей №1", 120)


def test_planning_a_meeting_for_a_suspended_group_is_refused_and_saves_nothing(
    as_user, coordinator, group
):
    group.status = WorkingGroup.Status.SUSPENDED
    group.save(update_fields=["status"])
    data = {
        "starts_at": local_input(in_days(5)),
        "duration_minutes": "90",
        "format": "in_person",
        "place": "Бібліотека",
    }
    response = as_user(coordinator).post(reverse("meetings:create", args=[group.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Meeting.objects.exists()


def test_planning_in_the_past_is_refused_on_the_field(as_user, leader, active):
    data = {
        "starts_at": local_input(in_days(-2)),
        "duration_minutes": "90",
        "format": "in_person",
        "place": "Бібліотека",
    }
    response = as_user(leader).post(reverse("meetings:create", args=[active.pk]), data)
    assert response.status_code == 200
    assert "starts_at" in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_calling_off_without_a_reason_changes_nothing(as_user, leader, active):
    meeting = MeetingFactory(group=active)
    url = reverse("meetings:call_off", args=[meeting.pk])
    response = as_user(leader).post(url, {"status": "cancelled", "reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.status == "planned"


def test_calling_off_a_held_meeting_is_refused(as_user, leader, active):
    meeting = MeetingFactory(group=active, starts_at=in_days(-3), status="held")
    url = reverse("meetings:call_off", args=[meeting.pk])
    response = as_user(leader).post(url, {"status": "cancelled", "reason": "air_raid"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    meeting.refresh_from_db()
    assert (meeting.status, meeting.status_reason) == ("held", "")


def test_agenda_of_a_held_meeting_does_not_change(as_user, leader, active):
    meeting = MeetingFactory(group=active, starts_at=in_days(-3), status="held")
    item = AgendaItemFactory(meeting=meeting)
    client = as_user(leader)
    client.post(reverse("meetings:agenda_add", args=[meeting.pk]), {"title": "Пізно"})
    client.post(reverse("meetings:agenda_remove", args=[item.pk]))
    assert list(meeting.agenda_items.all()) == [item]


def test_log_page_lists_the_members_of_the_day_and_current_owners(as_user, leader, active):
    meeting = MeetingFactory(group=active, starts_at=in_days(-10))
    day = timezone.localtime(meeting.starts_at).date()
    stayed = MembershipFactory(group=active)
    left_since = MembershipFactory(group=active, left_on=day + datetime.timedelta(days=2))
    MembershipFactory(group=active, joined_on=day + datetime.timedelta(days=1))
    MembershipFactory(group=active, left_on=day - datetime.timedelta(days=1))
    form = as_user(leader).get(reverse("meetings:log", args=[meeting.pk])).context["form"]
    assert {m.pk for m in form.members} == {stayed.pk, left_since.pk}
    owners = [value for value, _label in form.fields["action_0_owner"].choices if value]
    assert owners == [stayed.pk]


def test_log_through_the_page_saves_the_record(as_user, leader, active):
    meeting = MeetingFactory(group=active, starts_at=in_days(-2))
    members = MembershipFactory.create_batch(2, group=active)
    police = category_by_code("police")
    data = {
        f"attendance_{members[0].pk}": "present",
        f"attendance_{members[1].pk}": "excused",
        f"guests_{police.pk}": "3",
        "minutes": "Обговорили\n\nВирішили",
        "decisions": "Перше\n\nДруге\n",
        "action_1_description": "Підготувати лист",
        "action_1_owner": str(members[1].pk),
        "action_1_due_on": "2030-05-01",
    }
    response = as_user(leader).post(reverse("meetings:log", args=[meeting.pk]), data)
    assert response.url == meeting.get_absolute_url()
    meeting.refresh_from_db()
    assert meeting.status == "held"
    assert meeting.minutes == "<p>Обговорили</p>\n\n<p>Вирішили</p>"
    assert list(meeting.decisions.values_list("text", flat=True)) == ["Перше", "Друге"]
    assert list(meeting.guests.values_list("count", flat=True)) == [3]
    assert meeting.action_items.get().owner == members[1]
    assert dict(meeting.attendance.values_list("membership", "status")) == {
        members[0].pk: "present",
        members[1].pk: "excused",
    }


# Query counts ---------------------------------------------------------------------------------


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_meetings(group, members, n, start=0):
    """n past meetings, held ones with attendance and an action, and one upcoming."""
    for i in range(start, start + n):
        meeting = MeetingFactory(group=group, starts_at=in_days(-30 * (i + 1)))
        if i % 3 == 2:
            meeting.status, meeting.status_reason = "cancelled", "air_raid"
            meeting.save(update_fields=["status", "status_reason"])
        elif i % 3 == 1:
            meeting_log(
                meeting=meeting,
                attendance={m.pk: "present" for m in members},
                guests={},
                minutes="",
                decisions=["Рішення"],
                new_actions=[
                    {"description": "Дія", "owner": members[0], "due_on": datetime.date(2024, 1, 1)}
                ],
            )


@pytest.mark.parametrize("role", ["leader", "coordinator", "donor"])
def test_group_meetings_page_query_count_is_the_same_for_1_and_30_meetings(
    request, as_user, active, role
):
    client = as_user(request.getfixturevalue(role))
    members = MembershipFactory.create_batch(3, group=active)
    calendar_feed_renew(group=active)
    MeetingFactory(group=active, starts_at=in_days(5))
    add_meetings(active, members, 1)
    url = meetings_url(active)
    client.get(url)  # warm caches that every first request fills
    one = queries(client, url)
    add_meetings(active, members, 29, start=1)
    assert active.meetings.count() == 31
    assert queries(client, url) == one


@pytest.mark.parametrize("role", ["leader", "donor"])
def test_meeting_page_query_count_is_the_same_for_1_and_30_members(request, as_user, active, role):
    client = as_user(request.getfixturevalue(role))
    meeting = MeetingFactory(group=active, starts_at=in_days(-1))
    url = meeting.get_absolute_url()

    def record(n):
        members = MembershipFactory.create_batch(n, group=active)
        AgendaItemFactory.create_batch(n, meeting=meeting)
        meeting_log(
            meeting=meeting,
            attendance={
                m.pk: ["present", "absent", "excused"][i % 3]
                for i, m in enumerate(active.memberships.all())
            },
            guests={category_by_code("police").pk: n},
            minutes="Протокол",
            decisions=["Рішення"] * n,
            new_actions=[
                {"description": "Дія", "owner": m, "due_on": datetime.date(2030, 1, 1)}
                for m in members
            ],
        )

    record(1)
    client.get(url)
    one = queries(client, url)
    record(29)
    assert meeting.attendance.count() == 30
    assert queries(client, url) == one


def test_log_page_query_count_is_the_same_for_1_and_30_members(as_user, leader, active):
    client = as_user(leader)
    meeting = MeetingFactory(group=active, starts_at=in_days(-1))
    url = reverse("meetings:log", args=[meeting.pk])
    MembershipFactory(group=active)
    client.get(url)
    one = queries(client, url)
    MembershipFactory.create_batch(29, group=active)
    assert len(client.get(url).context["form"].members) == 30
    assert queries(client, url) == one


# Odd input ------------------------------------------------------------------------------------

HUGE = "9" * 40
ODD = [
    "",
    " ",
    "\x00",
    "Ім\x00я",
    "a" * 10_000,
    HUGE,
    "-1",
    "-" + HUGE,
    "1e309",
    "NaN",
    "٣",  # an Arabic-Indic digit
    "<script>alert(1)</script>",
    "'; DROP TABLE meetings_meeting; --",
    "😀" * 30,
    "\u202eevil",
    "\r\n",
    "[]",
    "{}",
]
DATETIMES = [
    "2030-13-45T10:00",
    "0000-00-00T00:00",
    "2030-01-01T25:61",
    "2030-01-01",
    "31.12.2030 10:00",
    "2030-03-31T03:30",  # does not exist in Kyiv: clocks go from 03:00 to 04:00
    "2030-10-27T03:30",  # happens twice in Kyiv
    "99999-01-01T10:00",
]


def snapshot():
    return [
        list(model.objects.order_by("pk").values())
        for model in (
            Meeting,
            AgendaItem,
            Attendance,
            GuestCount,
            Decision,
            ActionItem,
            CalendarFeed,
        )
    ]


@pytest.fixture
def leader_client(as_user, leader, active):
    client = as_user(leader)
    # Show any crash as a 500 response rather than an exception in the test.
    client.raise_request_exception = False
    return client


def meeting_data(**changes):
    return {
        "starts_at": local_input(in_days(10)),
        "duration_minutes": "90",
        "format": "in_person",
        "place": "Бібліотека",
        "online_link": "",
        "agenda": "Безпека",
        **changes,
    }


def pages_still_work(client, group):
    """A saved odd value must not break the pages that show it."""
    for url in (meetings_url(group), reverse("meetings:create", args=[group.pk])):
        assert client.get(url).status_code == 200, url
    for meeting in group.meetings.all():
        assert client.get(meeting.get_absolute_url()).status_code == 200
    feed = calendar_feed_renew(group=group)
    assert client.get(reverse("meetings:feed", args=[feed.token])).status_code == 200


MEETING_FIELDS = ["starts_at", "duration_minutes", "format", "place", "online_link", "agenda"]


@pytest.mark.parametrize("field", MEETING_FIELDS)
def test_odd_values_in_the_meeting_form_never_give_a_500(leader_client, active, field):
    url = reverse("meetings:create", args=[active.pk])
    values = ODD + (DATETIMES if field == "starts_at" else [])
    for value in values:
        before = snapshot()
        response = leader_client.post(url, meeting_data(**{field: value}))
        assert response.status_code in (200, 302), (field, value)
        if response.status_code == 200:
            assert snapshot() == before, (field, value)
        else:
            pages_still_work(leader_client, active)
            Meeting.objects.exclude(pk__in=[row["id"] for row in before[0]]).delete()


@pytest.mark.parametrize("field", ["starts_at", "duration_minutes", "format", "place"])
def test_a_missing_field_in_the_meeting_form_saves_nothing(leader_client, active, field):
    data = meeting_data()
    del data[field]
    response = leader_client.post(reverse("meetings:create", args=[active.pk]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("duration", ["0", "4", "721", "32768", "-90", HUGE, "1.5"])
def test_a_senseless_duration_is_refused(leader_client, active, duration):
    url = reverse("meetings:create", args=[active.pk])
    response = leader_client.post(url, meeting_data(duration_minutes=duration))
    assert response.status_code == 200
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("field", MEETING_FIELDS[:-1])
def test_odd_values_in_the_edit_form_never_give_a_500(leader_client, active, field):
    meeting = MeetingFactory(group=active)
    url = reverse("meetings:edit", args=[meeting.pk])
    values = ODD + (DATETIMES if field == "starts_at" else [])
    for value in values:
        before = snapshot()
        response = leader_client.post(url, meeting_data(**{field: value}))
        assert response.status_code in (200, 302), (field, value)
        if response.status_code == 200:
            assert snapshot() == before, (field, value)
        else:
            pages_still_work(leader_client, active)


@pytest.mark.parametrize("view", ["create", "edit"])
def test_a_meeting_in_the_year_9999_is_refused_or_harmless(leader_client, active, view):
    meeting = MeetingFactory(group=active)
    url = (
        reverse("meetings:create", args=[active.pk])
        if view == "create"
        else reverse("meetings:edit", args=[meeting.pk])
    )
    response = leader_client.post(url, meeting_data(starts_at="9999-12-31T23:59"))
    assert response.status_code in (200, 302)
    pages_still_work(leader_client, active)


def test_editing_a_meeting_to_the_year_1_is_refused(leader_client, active):
    meeting = MeetingFactory(group=active)
    url = reverse("meetings:edit", args=[meeting.pk])
    before = snapshot()
    response = leader_client.post(url, meeting_data(starts_at="0001-01-01T00:00"))
    assert response.status_code == 200
    assert snapshot() == before


@pytest.fixture
def to_log(active):
    meeting = MeetingFactory(group=active, starts_at=in_days(-2))
    meeting.members = MembershipFactory.create_batch(2, group=active)
    return meeting


def log_data(meeting, **changes):
    first, second = meeting.members
    return {
        f"attendance_{first.pk}": "present",
        f"attendance_{second.pk}": "absent",
        f"guests_{category_by_code('police').pk}": "2",
        "minutes": "Протокол",
        "decisions": "Рішення",
        "action_0_description": "Дія",
        "action_0_owner": str(first.pk),
        "action_0_due_on": "2030-01-01",
        **changes,
    }


def log_fields(meeting):
    first = meeting.members[0]
    return [
        f"attendance_{first.pk}",
        f"guests_{category_by_code('police').pk}",
        "minutes",
        "decisions",
        "action_0_description",
        "action_0_owner",
        "action_0_due_on",
        "action_2_owner",
        "action_2_due_on",
    ]


def test_odd_values_in_the_log_form_never_give_a_500(leader_client, to_log):
    url = reverse("meetings:log", args=[to_log.pk])
    dates = ["2024-13-45", "0000-00-00", "9999-12-31", "99999999-01-01", "31.02.2024"]
    for field in log_fields(to_log):
        for value in ODD + dates:
            before = snapshot()
            response = leader_client.post(url, log_data(to_log, **{field: value}))
            assert response.status_code in (200, 302), (field, value)
            if response.status_code == 200:
                assert snapshot() == before, (field, value)
            else:
                assert "<script" not in Meeting.objects.get(pk=to_log.pk).minutes
                pages_still_work(leader_client, to_log.group)


@pytest.mark.parametrize(
    "changes",
    [
        {"guests": "-1"},
        {"guests": "501"},
        {"guests": HUGE},
        {"guests": "2.5"},
        {"owner": "abc"},
        {"owner": "-1"},
        {"owner": "0x10"},
        {"owner": "999999"},
        {"owner": HUGE},
        {"owner": ""},  # a described action needs an owner
        {"due": ""},  # and a due date
        {"attendance": "maybe"},
        {"attendance": None},  # missing
        {"nobody": True},  # nobody present, no guests
    ],
    ids=str,
)
def test_invalid_log_input_saves_nothing(leader_client, to_log, changes):
    first = to_log.members[0]
    data = log_data(to_log)
    police = f"guests_{category_by_code('police').pk}"
    if "guests" in changes:
        data[police] = changes["guests"]
    if "owner" in changes:
        data["action_0_owner"] = changes["owner"]
    if "due" in changes:
        data["action_0_due_on"] = changes["due"]
    if "attendance" in changes:
        if changes["attendance"] is None:
            del data[f"attendance_{first.pk}"]
        else:
            data[f"attendance_{first.pk}"] = changes["attendance"]
    if "nobody" in changes:
        data[f"attendance_{first.pk}"] = "absent"
        data[police] = "0"
    before = snapshot()
    response = leader_client.post(reverse("meetings:log", args=[to_log.pk]), data)
    assert response.status_code == 200
    assert snapshot() == before


def test_an_owner_from_another_group_is_refused(leader_client, to_log):
    stranger = MembershipFactory()
    data = log_data(to_log, action_0_owner=str(stranger.pk))
    before = snapshot()
    response = leader_client.post(reverse("meetings:log", args=[to_log.pk]), data)
    assert response.status_code == 200
    assert "action_0_owner" in response.context["form"].errors
    assert snapshot() == before


def test_attendance_for_a_stranger_is_ignored(leader_client, to_log):
    # Only the fields of the members of the day are read.
    stranger = MembershipFactory()
    data = log_data(to_log, **{f"attendance_{stranger.pk}": "present"})
    response = leader_client.post(reverse("meetings:log", args=[to_log.pk]), data)
    assert response.status_code == 302
    assert not Attendance.objects.filter(membership=stranger).exists()


def test_logging_a_future_meeting_through_the_page_saves_nothing(leader_client, active):
    meeting = MeetingFactory(group=active, starts_at=in_days(2))
    meeting.members = MembershipFactory.create_batch(2, group=active)
    before = snapshot()
    response = leader_client.post(reverse("meetings:log", args=[meeting.pk]), log_data(meeting))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert snapshot() == before


@pytest.mark.parametrize("status", ["", "closed", "\x00", HUGE])
def test_an_odd_action_status_changes_nothing(leader_client, active, status):
    action = ActionItemFactory(group=active)
    url = reverse("meetings:action_status", args=[action.pk])
    assert leader_client.post(url, {"status": status}).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.closed_on) == ("open", None)


@pytest.mark.parametrize("title", ["", " ", "\x00", "a" * 301])
def test_an_odd_agenda_item_is_refused(leader_client, active, title):
    meeting = MeetingFactory(group=active)
    url = reverse("meetings:agenda_add", args=[meeting.pk])
    assert leader_client.post(url, {"title": title}).status_code == 302
    assert not meeting.agenda_items.exists()


def test_minutes_come_back_as_text_when_the_record_is_corrected():
    from meetings.forms import minutes_as_text
    from meetings.services import sanitise_minutes

    typed = "Обговорили укриття.\n\nПрийшло <5 людей & гості."
    assert minutes_as_text(sanitise_minutes(typed)) == typed


def post_as_a_browser(client, url, data):
    """As a browser posts a form without files: URL-encoded, six bytes for each Cyrillic
    letter, which is what the request body limit counts."""
    body = urlencode(data)
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


def test_a_long_record_of_ukrainian_minutes_is_saved(leader_client, to_log, settings):
    minutes = ("Обговорили освітлення вулиць і графік чергувань. " * 1800)[:90_000]
    url = reverse("meetings:log", args=[to_log.pk])
    response = post_as_a_browser(leader_client, url, log_data(to_log, minutes=minutes))
    assert response.status_code == 302
    assert "графік чергувань" in Meeting.objects.get(pk=to_log.pk).minutes


def test_a_megabyte_of_minutes_is_refused_by_its_length_with_the_text_kept(
    leader_client, to_log, settings
):
    minutes = "Протокол засідання робочої групи. " * 16_000  # 1 MB of UTF-8, 544,000 letters
    assert len(minutes.encode()) > 1_000_000
    # URL-encoded, more than Django's default body limit of 2.5 MB, which answered 400.
    assert len(urlencode({"minutes": minutes})) > 2.5 * 1024 * 1024
    url = reverse("meetings:log", args=[to_log.pk])
    before = snapshot()
    response = post_as_a_browser(leader_client, url, log_data(to_log, minutes=minutes))
    assert response.status_code == 200
    [error] = response.context["form"].errors["minutes"]
    # The leader's language: "at most 100000 characters (it has 543999)", the count being of
    # the text as cleaned (the trailing space dropped).
    assert f"не більше ніж {settings.TEXT_MAX_CHARS} символів" in error
    assert f"(зараз {len(minutes.strip())})" in error
    assert minutes in response.text  # nothing typed is lost
    assert snapshot() == before
