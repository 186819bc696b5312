"""The group's calendar feed: a secret address that the leader or a coordinator can renew
(the old one then stops working), serving iCalendar that the `icalendar` library parses back,
with Kyiv times and the Europe/Kyiv VTIMEZONE."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from meetings import ical
from meetings.models import CalendarFeed
from meetings.services import calendar_feed_renew
from tests.factories import MeetingFactory, MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db

KYIV = ZoneInfo("Europe/Kyiv")


def feed_url(token):
    return reverse("meetings:feed", args=[token])


def renew_url(group):
    return reverse("meetings:feed_renew", args=[group.pk])


@pytest.fixture
def meetings(group):
    """Next January's meeting (winter time, UTC+2), next July's (summer time, UTC+3), one
    cancelled last week, one postponed, one from long ago."""
    year = timezone.localdate().year + 1
    winter = MeetingFactory(
        group=group, starts_at=datetime.datetime(year, 1, 13, 15, tzinfo=KYIV), place="Бібліотека"
    )
    summer = MeetingFactory(
        group=group,
        starts_at=datetime.datetime(year, 7, 14, 18, 30, tzinfo=KYIV),
        duration_minutes=60,
        format="online",
        place="",
        online_link="https://meet.example.org/grupa",
    )
    cancelled = MeetingFactory(
        group=group,
        # Whole minutes: iCalendar has no fractions of a second.
        starts_at=(timezone.now() - datetime.timedelta(days=7)).replace(second=0, microsecond=0),
        status="cancelled",
        status_reason="air_raid",
    )
    MeetingFactory(
        group=group,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        status="postponed",
        status_reason="power_outage",
    )
    MeetingFactory(group=group, starts_at=timezone.now() - datetime.timedelta(days=400))
    MeetingFactory(starts_at=datetime.datetime(year, 1, 14, 15, tzinfo=KYIV))  # another group's
    return {"winter": winter, "summer": summer, "cancelled": cancelled}


def fetch(client, token):
    response = client.get(feed_url(token))
    assert response.status_code == 200
    return response


def events(response):
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}, calendar


def test_renewing_creates_the_feed_with_a_long_secret_token(as_user, leader, group):
    assert not CalendarFeed.objects.exists()
    response = as_user(leader).post(renew_url(group))
    assert response.url == reverse("meetings:group_meetings", args=[group.pk])
    feed = CalendarFeed.objects.get(group=group)
    assert len(feed.token) >= 32


def test_the_feed_is_icalendar_with_the_groups_meetings_in_kyiv_time(client, group, meetings):
    feed = calendar_feed_renew(group=group)
    response = fetch(client, feed.token)
    assert response["Content-Type"].startswith("text/calendar")
    found, calendar = events(response)
    assert str(calendar["VERSION"]) == "2.0"
    # The postponed meeting, the one from long ago and the other group's are left out.
    assert set(found) == {f"meeting-{m.pk}@cohesion" for m in meetings.values()}
    for name, meeting in meetings.items():
        event = found[f"meeting-{meeting.pk}@cohesion"]
        assert event["DTSTART"].params["TZID"] == "Europe/Kyiv", name
        start = event.decoded("DTSTART")
        assert start == meeting.starts_at, name
        assert start.tzinfo.key == "Europe/Kyiv", name
        assert event.decoded("DTEND") - start == datetime.timedelta(
            minutes=meeting.duration_minutes
        )
        assert str(event["SUMMARY"]) == group.name
    winter = found[f"meeting-{meetings['winter'].pk}@cohesion"]
    summer = found[f"meeting-{meetings['summer'].pk}@cohesion"]
    assert (winter.decoded("DTSTART").hour, winter.decoded("DTSTART").utcoffset()) == (
        15,
        datetime.timedelta(hours=2),
    )
    assert (summer.decoded("DTSTART").hour, summer.decoded("DTSTART").utcoffset()) == (
        18,
        datetime.timedelta(hours=3),
    )
    assert str(winter["LOCATION"]) == "Бібліотека"
    assert str(summer["URL"]) == "https://meet.example.org/grupa"
    cancelled = found[f"meeting-{meetings['cancelled'].pk}@cohesion"]
    assert (str(cancelled["STATUS"]), str(winter["STATUS"])) == ("CANCELLED", "CONFIRMED")


def test_the_feed_carries_the_kyiv_timezone_definition(client, group, meetings):
    response = fetch(client, calendar_feed_renew(group=group).token)
    _found, calendar = events(response)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Kyiv"]
    assert b"DTSTART;TZID=Europe/Kyiv:" in response.content
    # Both of Kyiv's offsets are defined, for the winter and the summer meeting.
    offsets = {sub.decoded("TZOFFSETTO") for sub in calendar.walk("VTIMEZONE")[0].subcomponents}
    assert {datetime.timedelta(hours=2), datetime.timedelta(hours=3)} <= offsets


def test_the_feed_names_nobody_and_is_not_cached(client, group, meetings):
    MembershipFactory(group=group, person=PersonFactory(full_name="Олена Ковальчук"))
    response = fetch(client, calendar_feed_renew(group=group).token)
    assert "Олена Ковальчук".encode() not in response.content
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_an_empty_feed_is_still_valid_and_carries_the_kyiv_timezone(client, group):
    # RFC 5545 wants at least one component in a calendar: the VTIMEZONE is there before any
    # meeting is, and clients subscribed early learn the zone.
    response = fetch(client, calendar_feed_renew(group=group).token)
    found, calendar = events(response)
    assert found == {}
    assert str(calendar["PRODID"])
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Kyiv"]
    assert [component.name for component in calendar.subcomponents] == ["VTIMEZONE"]
    offsets = {sub.decoded("TZOFFSETTO") for sub in calendar.walk("VTIMEZONE")[0].subcomponents}
    assert {datetime.timedelta(hours=2), datetime.timedelta(hours=3)} <= offsets


def test_each_calendar_carries_the_timezone_once_before_its_events(client, group, meetings):
    calendar = events(fetch(client, calendar_feed_renew(group=group).token))[1]
    names = [component.name for component in calendar.subcomponents]
    assert names == ["VTIMEZONE", "VEVENT", "VEVENT", "VEVENT"]
    invitation = Calendar.from_ical(ical.invitation(meetings["winter"]))
    assert [component.name for component in invitation.subcomponents] == ["VTIMEZONE", "VEVENT"]


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_zone_serialised_once_gives_the_same_bytes_as_the_library(
    group, meetings, count, time_machine
):
    """The VTIMEZONE block is serialised once per process and put in the calendar's lines
    (meetings.ical._serialised): the bytes equal the calendar with the zone as a component."""
    time_machine.move_to(timezone.now(), tick=False)  # both stamped in the same second
    chosen = list(meetings.values())[:count]
    whole = ical._calendar(group.name)
    whole.add_component(ical._timezone())
    for meeting in chosen:
        whole.add_component(ical._event(meeting))
    assert ical.feed(group, chosen) == whole.to_ical()


def test_after_renewal_the_old_address_is_404(as_user, client, coordinator, group, meetings):
    old = calendar_feed_renew(group=group).token
    fetch(client, old)
    as_user(coordinator).post(renew_url(group))
    client.logout()
    new = CalendarFeed.objects.get(group=group).token
    assert new != old
    assert client.get(feed_url(old)).status_code == 404
    assert len(events(fetch(client, new))[0]) == 3


def test_an_unknown_token_is_404(client, group):
    calendar_feed_renew(group=group)
    for token in ("unknown", "x" * 32, "", "%20", "..%2F..%2Fetc"):
        assert client.get(f"/calendar/{token}.ics").status_code == 404, token


def test_a_token_with_a_nul_byte_is_404(client, group):
    calendar_feed_renew(group=group)
    client.raise_request_exception = False
    assert client.get("/calendar/%00.ics").status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [("donor", 403), ("other_leader", 404), ("other_coordinator", 404)],
)
def test_only_the_leader_or_a_coordinator_renews(request, as_user, group, role, status):
    token = calendar_feed_renew(group=group).token
    client = as_user(request.getfixturevalue(role))
    assert client.post(renew_url(group)).status_code == status
    assert CalendarFeed.objects.get(group=group).token == token


def test_anonymous_visitors_cannot_renew(client, group):
    token = calendar_feed_renew(group=group).token
    response = client.post(renew_url(group))
    assert response.url.startswith(reverse("account_login"))
    assert CalendarFeed.objects.get(group=group).token == token


def test_renewing_is_post_only(as_user, leader, group):
    assert as_user(leader).get(renew_url(group)).status_code == 405
    assert not CalendarFeed.objects.exists()
