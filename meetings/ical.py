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
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add_component(_timezone())
    return calendar


@functools.cache
def _timezone() -> Timezone:
    """The project zone's VTIMEZONE (1970-2038), built once per process: it is most of the cost
    of a calendar (about 3 ms here), and serialising does not change it."""
    return Timezone.from_tzid(settings.TIME_ZONE)


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
    return calendar.to_ical()


def invitation(meeting: Meeting, *, description: str = "") -> bytes:
    """A single-event calendar to attach to an announcement email."""
    calendar = _calendar(meeting.group.name)
    calendar.add("method", "PUBLISH")
    calendar.add_component(_event(meeting, description=description))
    return calendar.to_ical()
