"""Every meetings page against every role. Anonymous visitors go to sign-in (the calendar feed
excepted: its token is the key); a leader of another group and a coordinator of another
programme get 404; a donor follows whether meetings happen and what was decided, but sees no
names, minutes, pre-reads or protocols and may change nothing; the group's leader and the
programme's coordinators do everything. No refused write changes anything."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
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
    PreRead,
    Protocol,
    Reminder,
    SignedProtocol,
)
from meetings.protocols import protocol_request, protocol_store, signed_protocol_attach
from meetings.services import (
    calendar_feed_renew,
    meeting_log,
    meeting_schedule,
    members_on,
    preread_add,
)
from tests.factories import MeetingFactory, MembershipFactory, PersonFactory, category_by_code
from workinggroups.models import GroupStatusChange, Membership, WorkingGroup

pytestmark = pytest.mark.django_db

NAMES = ["Олена Ковальчук", "Марія Левченко", "Петро Гуменюк"]
MINUTES = "Обговорили освітлення вулиць біля школи"
DECISION = "Звернутися до громади щодо освітлення"
PREREAD_NAME = "proekt-rishennia.pdf"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name=PREREAD_NAME):
    return SimpleUploadedFile(name, PDF, "application/pdf")


def local_input(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def world(programme, group, private_media):
    """An active group of a programme running today with three named members: a meeting held
    a month ago (attendance, minutes, a decision, an action), one planned next week (agenda, a
    pre-read), one two days ago still to be logged, and a calendar feed."""
    today = timezone.localdate()
    Programme.objects.filter(pk=programme.pk).update(
        start_date=today - datetime.timedelta(days=365),
        end_date=today + datetime.timedelta(days=365),
    )
    programme.refresh_from_db()
    group.programme = programme
    group.status = WorkingGroup.Status.ACTIVE
    group.save(update_fields=["status"])
    GroupStatusChange.objects.create(
        group=group, status="active", changed_on=programme.start_date, reason="launch"
    )
    leading, member, third = (
        MembershipFactory(
            group=group,
            person=PersonFactory(full_name=name, email=f"member{index}@example.org"),
            role=Membership.Role.LEADER if index == 0 else Membership.Role.MEMBER,
        )
        for index, name in enumerate(NAMES)
    )
    now = timezone.now()
    held = MeetingFactory(group=group, starts_at=now - datetime.timedelta(days=30))
    meeting_log(
        meeting=held,
        attendance={leading.pk: "present", member.pk: "present", third.pk: "absent"},
        guests={category_by_code("police").pk: 2},
        minutes=MINUTES,
        decisions=[DECISION],
        new_actions=[
            {
                "description": "Лист до військової адміністрації",
                "owner": member,
                "due_on": timezone.localdate() + datetime.timedelta(days=14),
            }
        ],
    )
    held.refresh_from_db()
    protocol = protocol_request(meeting=held, languages="uk")
    protocol_store(protocol, PDF, record_logged_at=held.recorded_at)
    planned = meeting_schedule(
        group=group,
        starts_at=now + datetime.timedelta(days=7),
        place="Бібліотека",
        agenda=["Безпечні шкільні маршрути"],
    )
    return SimpleNamespace(
        programme=programme,
        group=group,
        members=[leading, member, third],
        held=held,
        action=held.action_items.get(),
        protocol=protocol,
        signed=signed_protocol_attach(meeting=held, upload=pdf("pidpysanyi-protokol.pdf")),
        planned=planned,
        agenda_item=planned.agenda_items.get(action_item__isnull=True),
        preread=preread_add(meeting=planned, upload=pdf()),
        unlogged=MeetingFactory(group=group, starts_at=now - datetime.timedelta(days=2)),
        feed=calendar_feed_renew(group=group),
        root=private_media,
    )


def pages(w):
    """The GET pages about `group` and its meetings."""
    return {
        "group_meetings": reverse("meetings:group_meetings", args=[w.group.pk]),
        "create": reverse("meetings:create", args=[w.group.pk]),
        "record_past": reverse("meetings:record_past", args=[w.group.pk]),
        "detail_held": reverse("meetings:detail", args=[w.held.pk]),
        "detail_planned": reverse("meetings:detail", args=[w.planned.pk]),
        "edit": reverse("meetings:edit", args=[w.planned.pk]),
        "call_off": reverse("meetings:call_off", args=[w.planned.pk]),
        "log": reverse("meetings:log", args=[w.unlogged.pk]),
        "preread_download": reverse("meetings:preread_download", args=[w.preread.pk]),
        "protocol_download": reverse("meetings:protocol_download", args=[w.protocol.pk]),
        "protocol_status": reverse("meetings:protocol_status", args=[w.protocol.pk]),
        "signed_protocol_download": reverse(
            "meetings:signed_protocol_download", args=[w.signed.pk]
        ),
    }


def programme_pages(w):
    return {
        "compliance": reverse("meetings:compliance", args=[w.programme.pk]),
        "reminders": reverse("meetings:reminders", args=[w.programme.pk]),
    }


def log_data(meeting, **changes):
    """A valid record of `meeting`: everyone present, minutes, a decision and an action."""
    members = list(members_on(meeting))
    return {
        **{f"attendance_{m.pk}": "present" for m in members},
        "minutes": "Домовилися про чергування",
        "decisions": "Чергувати щопятниці",
        "action_0_description": "Скласти графік",
        "action_0_owner": str(members[0].pk),
        "action_0_due_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        **changes,
    }


WRITES = [
    "create",
    "record_past",
    "edit",
    "call_off",
    "log",
    "agenda_add",
    "agenda_remove",
    "preread_upload",
    "preread_delete",
    "action_status",
    "action_redate",
    "feed_renew",
    "send_agenda",
    "protocol_request",
    "signed_protocol_upload",
]


def writes(w):
    """Each write with valid input, so that a refusal is never about the input; the
    leader and coordinator tests below prove that each one succeeds when allowed."""
    later = timezone.now() + datetime.timedelta(days=10)
    return {
        "create": (
            reverse("meetings:create", args=[w.group.pk]),
            lambda: {
                "starts_at": local_input(later),
                "duration_minutes": "90",
                "format": "in_person",
                "place": "Школа №2",
                "online_link": "",
                "agenda": "Безпека\nОсвітлення",
            },
        ),
        "record_past": (
            reverse("meetings:record_past", args=[w.group.pk]),
            lambda: {
                "starts_at": local_input(timezone.now() - datetime.timedelta(days=3)),
                "duration_minutes": "60",
                "format": "in_person",
                "place": "Бібліотека",
                "online_link": "",
                "agenda": "Укриття",
            },
        ),
        "edit": (
            reverse("meetings:edit", args=[w.planned.pk]),
            lambda: {
                "starts_at": local_input(later),
                "duration_minutes": "120",
                "format": "in_person",
                "place": "Будинок культури",
                "online_link": "",
            },
        ),
        "call_off": (
            reverse("meetings:call_off", args=[w.planned.pk]),
            lambda: {"status": "cancelled", "reason": "air_raid", "note": "Повітряна тривога"},
        ),
        "log": (reverse("meetings:log", args=[w.unlogged.pk]), lambda: log_data(w.unlogged)),
        "agenda_add": (
            reverse("meetings:agenda_add", args=[w.planned.pk]),
            lambda: {"title": "Ремонт укриття"},
        ),
        "agenda_remove": (reverse("meetings:agenda_remove", args=[w.agenda_item.pk]), dict),
        "send_agenda": (reverse("meetings:send_agenda", args=[w.planned.pk]), dict),
        "preread_upload": (
            reverse("meetings:preread_upload", args=[w.planned.pk]),
            lambda: {"file": pdf("dodatok.pdf")},
        ),
        "preread_delete": (reverse("meetings:preread_delete", args=[w.preread.pk]), dict),
        "action_status": (
            reverse("meetings:action_status", args=[w.action.pk]),
            lambda: {"status": "done"},
        ),
        "action_redate": (
            reverse("meetings:action_redate", args=[w.action.pk]),
            lambda: {"due_on": (timezone.localdate() + datetime.timedelta(days=40)).isoformat()},
        ),
        "feed_renew": (reverse("meetings:feed_renew", args=[w.group.pk]), dict),
        "protocol_request": (
            reverse("meetings:protocol_request", args=[w.held.pk]),
            lambda: {"languages": "uk_en"},
        ),
        "signed_protocol_upload": (
            reverse("meetings:signed_protocol_upload", args=[w.held.pk]),
            lambda: {"file": pdf("skan.pdf")},
        ),
    }


def snapshot(w):
    rows = [
        list(model.objects.order_by("pk").values())
        for model in (
            Meeting,
            AgendaItem,
            PreRead,
            Attendance,
            GuestCount,
            Decision,
            ActionItem,
            CalendarFeed,
            Reminder,
            Protocol,
            SignedProtocol,
        )
    ]
    files = sorted(str(path) for path in w.root.rglob("*") if path.is_file())
    return rows, files


def test_anonymous_visitors_are_sent_to_sign_in_everywhere_but_the_feed(client, world):
    urls = {
        **pages(world),
        **programme_pages(world),
    }
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("account_login")), name
    before = snapshot(world)
    for name, (url, data) in writes(world).items():
        response = client.post(url, data())
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("account_login")), name
    assert snapshot(world) == before
    feed = client.get(reverse("meetings:feed", args=[world.feed.token]))
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")


@pytest.mark.parametrize("role", ["other_leader", "other_coordinator"])
def test_strangers_get_404_on_this_groups_meetings_and_change_nothing(
    request, as_user, world, role
):
    client = as_user(request.getfixturevalue(role))
    for name, url in pages(world).items():
        assert client.get(url).status_code == 404, name
    before = snapshot(world)
    for name, (url, data) in writes(world).items():
        assert client.post(url, data()).status_code == 404, name
    assert snapshot(world) == before


def test_leader_of_another_group_sees_only_their_group_in_the_compliance_grid(
    as_user, other_leader, other_group, world
):
    page = as_user(other_leader).get(reverse("meetings:compliance", args=[world.programme.pk]))
    assert page.status_code == 200
    assert [row.group for row in page.context["grid"].rows] == [other_group]


# The programme-wide pages: (compliance grid, reminders log) for each role.
PROGRAMME_PAGES = {
    "other_coordinator": (404, 404),
    "other_leader": (200, 403),
    "leader": (200, 403),
    "donor": (200, 403),
    "coordinator": (200, 200),
    "admin_user": (200, 200),
}


@pytest.mark.parametrize("role", sorted(PROGRAMME_PAGES))
def test_programme_pages_by_role(request, as_user, world, role):
    client = as_user(request.getfixturevalue(role))
    urls = programme_pages(world)
    expected = PROGRAMME_PAGES[role]
    assert client.get(urls["compliance"]).status_code == expected[0]
    assert client.get(urls["reminders"]).status_code == expected[1]


def test_donor_follows_meetings_without_names_minutes_or_prereads(as_user, donor, world):
    client = as_user(donor)
    urls = pages(world)
    secret = [*NAMES, MINUTES, PREREAD_NAME, world.feed.token, urls["preread_download"]]
    secret += [urls["protocol_download"], world.signed.original_name]
    for name in ("group_meetings", "detail_held", "detail_planned"):
        page = client.get(urls[name])
        assert page.status_code == 200, name
        for text in secret:
            assert text not in page.text, (name, text)
    held = client.get(urls["detail_held"])
    assert held.context["meeting"].status == Meeting.Status.HELD
    assert held.context["attendance_counts"] == {"present": 2, "absent": 1}
    assert [d.text for d in held.context["decisions"]] == [DECISION]
    assert DECISION in held.text
    assert [(g.category.code, g.count) for g in held.context["guests"]] == [("police", 2)]
    for key in ("attendance", "actions", "prereads"):
        assert key not in held.context, key
    listing = client.get(urls["group_meetings"])
    assert {m.pk for m in listing.context["meetings"]} == {
        world.held.pk,
        world.planned.pk,
        world.unlogged.pk,
    }
    assert "open_actions" not in listing.context
    assert "feed" not in listing.context
    compliance = client.get(reverse("meetings:compliance", args=[world.programme.pk]))
    assert compliance.status_code == 200
    assert [row.group for row in compliance.context["grid"].rows] == [world.group]


def test_donor_cannot_open_write_pages_or_download_prereads(as_user, donor, world):
    client = as_user(donor)
    urls = pages(world)
    for name in ("create", "edit", "call_off", "log"):
        response = client.get(urls[name])
        assert response.status_code == 403, name
        assert not any(person.encode() in response.content for person in NAMES), name
    for name in ("preread_download", "protocol_download", "protocol_status"):
        download = client.get(urls[name])
        assert download.status_code == 404, name
        assert PDF not in download.content, name
    assert client.get(urls["signed_protocol_download"]).status_code == 404


def test_donor_writes_are_refused_and_change_nothing(as_user, donor, world):
    client = as_user(donor)
    before = snapshot(world)
    for name, (url, data) in writes(world).items():
        assert client.post(url, data()).status_code in (403, 404), name
    assert snapshot(world) == before


@pytest.mark.parametrize("role", ["leader", "coordinator", "admin_user"])
def test_managers_reach_every_meetings_page(request, as_user, world, role):
    client = as_user(request.getfixturevalue(role))
    for name, url in pages(world).items():
        response = client.get(url)
        assert response.status_code == 200, name
        if name.endswith("_download"):
            assert b"".join(response.streaming_content) == PDF, name
    held = client.get(pages(world)["detail_held"])
    for person in NAMES:
        assert person in held.text
    assert MINUTES in held.text
    planned = client.get(pages(world)["detail_planned"])
    assert PREREAD_NAME in planned.text
    listing = client.get(pages(world)["group_meetings"])
    assert world.feed.token in listing.text
    assert [a.pk for a in listing.context["open_actions"]] == [world.action.pk]


@pytest.mark.parametrize("role", ["leader", "coordinator"])
@pytest.mark.parametrize("name", WRITES)
def test_managers_writes_succeed(request, as_user, world, role, name):
    url, data = writes(world)[name]
    before = snapshot(world)
    response = as_user(request.getfixturevalue(role)).post(url, data())
    assert response.status_code == 302, response.content[:500]
    assert snapshot(world) != before


def test_writes_list_covers_every_meetings_url():
    from meetings.urls import urlpatterns

    reads = {"group_meetings", "detail", "compliance", "reminders", "feed", "preread_download"}
    reads |= {"protocol_download", "protocol_status", "signed_protocol_download"}
    posts = {"create", "record_past", "edit", "call_off", "log", "agenda_add", "agenda_remove"}
    posts |= {"preread_upload", "preread_delete", "action_status", "action_redate"}
    posts |= {"feed_renew", "send_agenda", "protocol_request", "signed_protocol_upload"}
    elsewhere = {"unsubscribe"}  # reached from reminder emails: tested with the reminders
    elsewhere |= {"attendance_sheet"}  # who may take it: test_attendance_sheet
    elsewhere |= {"plan_progress"}  # who may report it: test_decision_followups
    assert {pattern.name for pattern in urlpatterns} - elsewhere == reads | posts
    assert posts == set(WRITES)


def test_leaders_writes_do_what_they_say(as_user, leader, world):
    client = as_user(leader)
    urls = dict(writes(world))
    client.post(urls["agenda_add"][0], urls["agenda_add"][1]())
    assert world.planned.agenda_items.filter(title="Ремонт укриття").exists()
    client.post(urls["agenda_remove"][0])
    assert not AgendaItem.objects.filter(pk=world.agenda_item.pk).exists()
    client.post(urls["edit"][0], urls["edit"][1]())
    world.planned.refresh_from_db()
    assert (world.planned.place, world.planned.duration_minutes) == ("Будинок культури", 120)
    client.post(urls["action_status"][0], {"status": "dropped"})
    world.action.refresh_from_db()
    assert world.action.status == ActionItem.Status.DROPPED
    client.post(urls["log"][0], urls["log"][1]())
    world.unlogged.refresh_from_db()
    assert world.unlogged.status == Meeting.Status.HELD
    assert world.unlogged.attendance.count() == 3
    old_token = world.feed.token
    client.post(urls["feed_renew"][0])
    assert CalendarFeed.objects.get(group=world.group).token != old_token
    client.post(urls["call_off"][0], urls["call_off"][1]())
    world.planned.refresh_from_db()
    assert (world.planned.status, world.planned.status_reason) == ("cancelled", "air_raid")


def test_leader_plans_a_meeting_with_its_agenda_and_the_open_actions(as_user, leader, world):
    url, data = writes(world)["create"]
    response = as_user(leader).post(url, data())
    meeting = Meeting.objects.get(place="Школа №2")
    assert response.url == meeting.get_absolute_url()
    assert (meeting.group, meeting.created_by) == (world.group, leader)
    titles = list(meeting.agenda_items.values_list("title", "action_item"))
    assert titles[:2] == [("Безпека", None), ("Освітлення", None)]
    assert [action for _title, action in titles[2:]] == [world.action.pk]


def test_donor_sees_small_attendance_counts_as_less_than_five(as_user, donor, world):
    response = as_user(donor).get(reverse("meetings:detail", args=[world.held.pk]))
    assert response.status_code == 200
    assert "&lt;5" in response.text
    for name in NAMES:
        assert name not in response.text
