"""iCalendar for meetings: the group's subscription feed and the invitation attached to an
announcement or a change notice. Times are given in Europe/Kyiv, and every calendar carries its
VTIMEZONE, an empty feed too: RFC 5545 wants at least one component in a calendar, and a
client subscribed before the first meeting is planned learns the zone from the start."""

import datetime
import functools

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone

from cohesion import clock
from meetings.models import Meeting

PRODID = "-//Cohesion//Working group meetings//UK"


def _calendar(name: str) -> Calendar:
    """A calendar without its VTIMEZONE: _serialised puts the zone's block in."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    return calendar


@functools.cache
def _timezone() -> Timezone:
    return Timezone.from_tzid(settings.TIME_ZONE)


@functools.cache
def _timezone_block() -> bytes:
    """The project zone's VTIMEZONE (1970-2038) as iCalendar lines, built and serialised once
    per process: serialising its 1,100 transitions was most of an invitation's cost (about
    10 ms a meeting announced), and they never change."""
    return _timezone().to_ical()


def _serialised(calendar: Calendar) -> bytes:
    """The calendar's lines with the zone's block first among its components, where
    add_component(_timezone()) would have put it: the same bytes, without serialising it."""
    ical = calendar.to_ical()
    events = ical.find(b"BEGIN:VEVENT\r\n")
    at = events if events >= 0 else ical.rindex(b"END:VCALENDAR\r\n")
    return ical[:at] + _timezone_block() + ical[at:]


def _event(meeting: Meeting, *, description: str = "") -> Event:
    local = timezone.localtime(meeting.starts_at)  # Europe/Kyiv, the project's time zone
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@cohesion")
    event.add("dtstamp", clock.now().astimezone(datetime.UTC))
    event.add("dtstart", local)
    event.add("dtend", timezone.localtime(meeting.ends_at))  # right across a clock change
    event.add("summary", meeting.group.name)
    if meeting.place:
        event.add("location", meeting.place)
    if meeting.online_link:
        event.add("url", meeting.online_link)
    if description:
        event.add("description", description)
    # A postponed meeting does not take place at its time either (a new one is planned).
    called_off = meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.POSTPONED)
    event.add("status", "CANCELLED" if called_off else "CONFIRMED")
    event.add("sequence", meeting.sequence)
    return event


def feed(group, meetings) -> bytes:
    """The group's meetings as a subscribable calendar."""
    calendar = _calendar(group.name)
    for meeting in meetings:
        calendar.add_component(_event(meeting))
    return _serialised(calendar)


def invitation(meeting: Meeting, *, description: str = "") -> bytes:
    """A single-event calendar to attach to an announcement email."""
    calendar = _calendar(meeting.group.name)
    calendar.add("method", "PUBLISH")
    calendar.add_component(_event(meeting, description=description))
    return _serialised(calendar)
