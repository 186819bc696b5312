"""Redis stopped or hung under a running application: signing in, the dashboard, the public
pages and writes that queue work answer without a 500 and within their limits (a request waits
at most 2 s on the broker, a page about half a second on the cache), the work is kept in the
database meanwhile, and it is queued again once Redis is back.

Each test starts a Redis of its own (tests/faults/redis.py) and stops it (connections
refused) or pauses it with SIGSTOP (connections accepted, nothing answering) in the middle."""

import datetime
import re
import time

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Invitation, Role
from accounts.services import invitation_for_token
from cohesion import broker, clock
from cohesion.models import Job
from cohesion.tasks import requeue_jobs
from dashboards.models import Export
from dashboards.tasks import requeue_waiting_exports
from meetings.models import Reminder
from meetings.tasks import deliver_pending_reminders
from participation.models import Application
from tests.factories import PASSWORD, MeetingFactory, MembershipFactory
from tests.faults.conftest import BROKER_DB, queued
from tests.participation.test_applications import form_data
from tests.workers import SmtpServer, Workers

pytestmark = pytest.mark.django_db(transaction=True)

# What a request may take with Redis down or hung: the broker's 1 s connect and 1.5 s read
# timeouts bound a hand-over, and after one failure no request of the process tries again
# for BROKER_RETRY_AFTER seconds; the cache gives up after CACHE_TIMEOUT (0.5 s) and keeps to
# memory for CACHE_FALLBACK_SECONDS.
REQUEST_LIMIT = 2.0


class Timed:
    """A client whose every request is timed and checked: never a 500, never too slow."""

    def __init__(self, client, limit=REQUEST_LIMIT):
        self.client, self.limit, self.timings = client, limit, []

    def __getattr__(self, method):
        call = getattr(self.client, method)

        def timed(url, *args, **kwargs):
            started = time.perf_counter()
            response = call(url, *args, **kwargs)
            seconds = time.perf_counter() - started
            self.timings.append((method, url, response.status_code, round(seconds, 2)))
            assert response.status_code < 500, self.timings[-1]
            assert seconds < self.limit, self.timings[-1]
            return response

        return timed


@pytest.fixture
def world(programme, group, coordinator):
    """A running public programme, its group of twenty members with email addresses, and a
    meeting next week."""
    today = clock.today()
    programme.is_public = True
    programme.start_date = today - datetime.timedelta(days=60)
    programme.end_date = today + datetime.timedelta(days=300)
    programme.save()
    group.status = "active"
    group.save()
    for n in range(20):
        MembershipFactory(group=group, person__community=group.community,
                          person__email=f"member{n}@example.org")  # fmt: skip
    meeting = MeetingFactory(group=group, starts_at=clock.now() + datetime.timedelta(days=7))
    return {"programme": programme, "group": group, "meeting": meeting}


def totp_code(user) -> str:
    """The code the user's authenticator app shows now."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def everything_a_user_does(client, visitor, coordinator, world) -> None:
    """Signs in, opens the dashboard and the public page, applies, invites, sends the agenda
    and asks for an export: each answered, none with a 500, none too slow."""
    programme, meeting = world["programme"], world["meeting"]
    assert client.get(reverse("account_login")).status_code == 200
    signed_in = client.post(
        reverse("account_login"), {"login": coordinator.email, "password": PASSWORD}
    )
    # The rate limit counted in memory; the code's replay guard kept there too.
    assert signed_in["Location"] == reverse("mfa_authenticate")
    second_factor = client.post(reverse("mfa_authenticate"), {"code": totp_code(coordinator)})
    assert second_factor.status_code == 302
    assert client.get(reverse("dashboards:dashboard", args=[programme.pk])).status_code == 200
    assert visitor.get(reverse("participation:programme", args=[programme.pk])).status_code == 200
    apply = reverse("participation:apply", args=[programme.pk])
    assert visitor.get(apply).status_code == 200
    assert visitor.post(apply, form_data(programme)).status_code == 302
    invite = {"email": "new.donor@example.org", "role": Role.DONOR, "programme": programme.pk}
    assert client.post(reverse("accounts:invitation_list"), invite).status_code == 302
    agenda = client.post(reverse("meetings:send_agenda", args=[meeting.pk]))
    assert agenda.status_code == 302
    export = {"kind": "table_csv", "start": "2024-01", "end": "2024-03", "language": "uk"}
    assert (
        client.post(reverse("dashboards:exports", args=[programme.pk]), export).status_code == 302
    )
    assert client.get(reverse("health")).status_code == 200  # degraded, not down


def work_is_kept_waiting() -> None:
    """What the requests asked for is in the database, waiting for the broker."""
    assert Application.objects.count() == 1
    assert Invitation.objects.filter(email="new.donor@example.org").exists()
    assert set(Job.objects.values_list("status", flat=True)) == {Job.Status.WAITING}
    assert {"participation.tasks.send_acknowledgement", "accounts.tasks.send_invitation_email"} <= (
        set(Job.objects.values_list("function", flat=True))
    )
    assert Reminder.objects.filter(status=Reminder.Status.PENDING).count() == 20
    assert Export.objects.get().status == Export.Status.QUEUED


def sweeps_queue_it_again(server, settings) -> None:
    """Redis is back: the beat's sweeps queue every waiting piece of work on the broker."""
    settings.JOB_QUEUE_GRACE = settings.REMINDER_QUEUE_GRACE = 0
    broker._down_until = 0.0  # the breaker's pause over, as it would be after 30 s
    assert requeue_jobs() == Job.objects.count()
    assert deliver_pending_reminders() == 20
    assert requeue_waiting_exports() == 1
    names = [message for message in queued(server)]
    assert any(b"cohesion.tasks.run_jobs" in message for message in names)
    assert any(b"meetings.tasks.deliver_reminders" in message for message in names)
    assert any(b"dashboards.tasks.build_export" in message for message in names)


def test_with_redis_stopped_everything_answers_and_the_work_waits_for_it(
    client, coordinator, world, on_own_redis, settings
):
    on_own_redis.stop()
    user, visitor = Timed(client), Timed(client.__class__())
    everything_a_user_does(user, visitor, coordinator, world)
    work_is_kept_waiting()
    health = client.get(reverse("health")).json()
    assert health["status"] == "degraded"
    assert health["checks"] == {"database": "ok", "cache": "fallback", "broker": "error"}

    on_own_redis.start()
    sweeps_queue_it_again(on_own_redis, settings)


def test_with_redis_hung_everything_answers_within_its_limits(
    client, coordinator, world, on_own_redis, settings
):
    on_own_redis.pause()
    user, visitor = Timed(client), Timed(client.__class__())
    try:
        everything_a_user_does(user, visitor, coordinator, world)
        work_is_kept_waiting()
    finally:
        on_own_redis.resume()
    sweeps_queue_it_again(on_own_redis, settings)


def test_sending_the_agenda_to_fifty_members_waits_once_on_a_hung_broker(
    client, coordinator, world, on_own_redis
):
    for n in range(30):
        MembershipFactory(group=world["group"], person__community=world["group"].community,
                          person__email=f"more{n}@example.org")  # fmt: skip
    client.force_login(coordinator)
    on_own_redis.pause()
    try:
        started = time.perf_counter()
        response = client.post(reverse("meetings:send_agenda", args=[world["meeting"].pk]))
        seconds = time.perf_counter() - started
    finally:
        on_own_redis.resume()
    assert response.status_code == 302
    assert seconds < REQUEST_LIMIT
    assert Reminder.objects.filter(status=Reminder.Status.PENDING).count() == 50


def test_the_cache_comes_back_by_itself_when_redis_does(client, world, on_own_redis, settings):
    from django.core.cache import cache

    on_own_redis.stop()
    cache.set("key", "kept in memory")
    assert cache.get("key") == "kept in memory"
    on_own_redis.start()
    settings.CACHE_FALLBACK_SECONDS = 0
    cache._down_until = 0.0
    cache.set("key", "in Redis")
    assert on_own_redis.client(1).keys("*key*")
    assert client.get(reverse("health")).json()["status"] == "ok"


@pytest.mark.wall_clock  # the workers are other processes, on the real clock
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the worker processes must share the test database: PostgreSQL only",
)
def test_work_asked_for_during_an_outage_is_done_by_real_workers_once_redis_is_back(
    client, coordinator, world, on_own_redis, settings
):
    on_own_redis.stop()
    everything_a_user_does(Timed(client), Timed(client.__class__()), coordinator, world)
    work_is_kept_waiting()

    on_own_redis.start()
    with SmtpServer() as smtp:
        workers = Workers(
            broker_url=on_own_redis.url(BROKER_DB), smtp_port=smtp.port, queues="celery", count=1
        )
        try:
            sweeps_queue_it_again(on_own_redis, settings)
            deadline = time.monotonic() + 60
            while not done():
                assert time.monotonic() < deadline, workers.output()
                time.sleep(0.5)
        finally:
            workers.close()
        received = {(message["To"], message["Subject"]) for message in smtp.inbox.messages}

    recipients = sorted(to for to, _subject in received)
    assert len(received) == 22, recipients  # agenda x 20, acknowledgement, invitation
    assert "oksana@example.org" in recipients
    invitation_email = next(
        message for message in smtp.inbox.messages if message["To"] == "new.donor@example.org"
    )
    token = re.search(r"/join/([0-9a-f]{64})/", invitation_email.get_body(("plain",)).get_content())
    assert invitation_for_token(token[1]).email == "new.donor@example.org"  # the link works
    assert Export.objects.get().status == Export.Status.READY


def done() -> bool:
    return (
        not Job.objects.exclude(status=Job.Status.DONE).exists()
        and not Reminder.objects.exclude(status=Reminder.Status.SENT).exists()
        and Export.objects.filter(status=Export.Status.READY).exists()
    )
