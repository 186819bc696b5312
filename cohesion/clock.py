"""The one clock. Services, tasks, selectors, views and the demo ask here for "now" and
"today", so that a task decides with the same notion of time as the service that queued it and
tests can move time for all of them at once (the `time_machine` fixture), as CI moves the whole
process with libfaketime. A project test refuses direct reads of the system clock elsewhere.

An operation reads the clock once and passes the value down: two reads a moment apart can fall
on either side of midnight.
"""

import datetime

from django.utils import timezone


def now() -> datetime.datetime:
    """The current moment, time-zone aware (UTC)."""
    return timezone.now()


def today() -> datetime.date:
    """Today's date in the project's time zone (Europe/Kyiv)."""
    return timezone.localdate(now())


def day_of(moment: datetime.datetime) -> datetime.date:
    """The date of a moment in the project's time zone."""
    return timezone.localdate(moment)


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of the day in the project's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
