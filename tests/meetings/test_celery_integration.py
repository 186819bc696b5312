"""End to end: real Celery workers on the real Redis deliver planned reminders through a real
SMTP server, each exactly once although every delivery task is sent twice and two workers
race for them. Needs PostgreSQL (the workers are other processes: they must see the test
database) and Redis; CI has both, a local SQLite run skips it."""

import datetime
import os
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
import time_machine
from celery import Celery
from django.db import connection
from django.utils import timezone

from meetings import reminders
from meetings.models import Reminder
from meetings.services import meeting_update
from tests.factories import (
    ActionItemFactory,
    MeetingFactory,
    MembershipFactory,
    WorkingGroupFactory,
)
from tests.workers import SmtpServer, Workers
from workinggroups.models import Membership, WorkingGroup


def _broker_url() -> str:
    """REDIS_URL's server, the database below REDIS_URL's own (15 gives 14): the suite's cache
    is flushed around every test, which would take queued messages with it, and two suites run
    side by side (CI: today and with the clock moved ahead) must not share a broker, whose
    workers would take each other's unacknowledged messages for lost."""
    server = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15")
    cache_db = int(server.path.strip("/") or 0)
    broker_db = cache_db - 1 if cache_db > 0 else 1
    return urlunsplit((server.scheme, server.netloc, f"/{broker_db}", "", ""))


BROKER_URL = _broker_url()
WORKERS = 2
DEADLINE = 60  # seconds for the workers to drain the queue

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the worker processes must share the test database: PostgreSQL only",
    ),
    pytest.mark.django_db(transaction=True),
    # The workers are other processes, on the real clock.
    pytest.mark.wall_clock,
]


@pytest.fixture
def smtp_server():
    with SmtpServer() as server:
        yield server.inbox, server.port


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {BROKER_URL}")
    yield client
    client.close()


@pytest.fixture
def workers(smtp_server, redis_client):
    """Starts WORKERS solo-pool workers on a queue of their own; yields the queue name and a
    `stop()` that shuts them down warmly (finishing the task in hand)."""
    _inbox, port = smtp_server
    queue = f"reminders-test-{uuid.uuid4().hex[:12]}"
    started = Workers(broker_url=BROKER_URL, smtp_port=port, queues=queue, count=WORKERS)
    try:
        yield queue, started.stop, started.output
    finally:
        started.close()
        for key in redis_client.scan_iter(match=f"*{queue}*"):
            redis_client.delete(key)


def _in_flight(redis_client, queue: str) -> int:
    """Messages of the queue waiting or taken but not yet acknowledged."""
    waiting = redis_client.llen(queue)
    unacked = sum(queue.encode() in value for value in redis_client.hvals("unacked"))
    return waiting + unacked


def _plan_one_of_each_kind() -> list[int]:
    """Plans a reminder of each kind; the change notices fall due CHANGE_NOTICE_DELAY later."""
    # The workers are other processes on the wall clock: plan with it, in a running programme.
    now = timezone.now()
    today = timezone.localdate(now)
    running = {
        "programme__start_date": today - datetime.timedelta(days=365),
        "programme__end_date": today + datetime.timedelta(days=365),
    }
    group = WorkingGroupFactory(status=WorkingGroup.Status.ACTIVE, **running)
    leader = MembershipFactory(
        group=group, role=Membership.Role.LEADER, person__email="l@example.org"
    )
    for n in range(3):
        MembershipFactory(group=group, person__email=f"member{n}@example.org")
    upcoming = MeetingFactory(group=group, starts_at=now + datetime.timedelta(days=2))
    start_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    MeetingFactory(group=group, starts_at=start_of_today - datetime.timedelta(hours=12))
    ActionItemFactory(group=group, owner=leader, due_on=today - datetime.timedelta(days=1))
    # The monthly reminder is only for groups of a programme that is running.
    quiet = WorkingGroupFactory(status=WorkingGroup.Status.ACTIVE, **running)
    MembershipFactory(group=quiet, role=Membership.Role.LEADER, person__email="q@example.org")
    # Late in the month, when leaders with no meeting are reminded.
    with time_machine.travel(timezone.localtime(now).replace(day=28, hour=9), tick=False):
        no_meeting = reminders.plan_no_meeting()
    announcements = reminders.plan_announcements()
    # Moved after its announcement: its delivery task, run at once here (eager), finds the
    # notices not yet due and leaves them to the workers.
    meeting_update(meeting=upcoming, place="Бібліотека, зала 2")
    return (
        announcements
        + list(
            Reminder.objects.filter(kind=Reminder.Kind.CHANGE_NOTICE).values_list("pk", flat=True)
        )
        + reminders.plan_record_missing()
        + no_meeting
        + reminders.plan_overdue_digests()
    )


def test_real_workers_deliver_each_reminder_exactly_once(
    smtp_server, redis_client, workers, settings
):
    inbox, _port = smtp_server
    queue, stop, output = workers
    settings.CHANGE_NOTICE_DELAY = 2
    ids = _plan_one_of_each_kind()
    assert len(ids) >= 11
    assert set(Reminder.objects.values_list("kind", flat=True)) == set(Reminder.Kind.values)
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.PENDING}
    time.sleep(settings.CHANGE_NOTICE_DELAY + 0.2)  # a sleep, not a timed wait: faketime-safe

    # The producer is not eager: a plain app on the same broker sends to the workers' queue.
    producer = Celery("reminders-producer", broker=BROKER_URL, set_as_current=False)
    producer.conf.task_serializer = "json"
    try:
        for _round in range(2):
            for reminder_id in ids:
                producer.send_task(
                    "meetings.tasks.deliver_reminder", args=[reminder_id], queue=queue
                )
    finally:
        producer.close()

    deadline = time.monotonic() + DEADLINE
    quiet_polls = 0
    while quiet_polls < 3:  # empty three polls running: no message between pop and unacked
        assert time.monotonic() < deadline, f"workers did not drain the queue:\n{output()}"
        quiet_polls = quiet_polls + 1 if _in_flight(redis_client, queue) == 0 else 0
        time.sleep(0.3)
    stop()
    assert _in_flight(redis_client, queue) == 0

    statuses = set(Reminder.objects.filter(pk__in=ids).values_list("status", flat=True))
    assert statuses == {Reminder.Status.SENT}, output()
    received = [(message["To"], message["Subject"]) for message in inbox.messages]
    assert len(received) == len(ids), output()
    assert len(set(received)) == len(received)
    assert sorted(to for to, _subject in received) == sorted(
        Reminder.objects.filter(pk__in=ids).values_list("email", flat=True)
    )
    announcement = next(
        message for message in inbox.messages if message.get_content_type() == "multipart/mixed"
    )
    parts = [part.get_content_type() for part in announcement.walk()]
    assert {"text/plain", "text/html", "text/calendar"} <= set(parts)
