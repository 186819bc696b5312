"""The reminder row of the bench: 1,000 announcements delivered by Celery workers against 1,000
no-op tasks through the same broker and workers, in one run (bench/run.py calls `measure`).

A programme running today is laid out once in the bench database (50 groups of 20 members
with an email, each with a meeting two days ahead); every run plans the 1,000 announcements
afresh and queues them as the beat does (batches of 100). Mail goes over SMTP to a sink in
this process (aiosmtpd, offering PIPELINING as relays do), so each reminder pays a real SMTP
exchange."""

import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUPS, MEMBERS = 50, 20
ROUNDS = 3
TITLE = "Bench: reminders"


def _lay_out():
    from cohesion import clock
    from communities.models import Community, Enrolment, Organisation, Programme
    from meetings.models import Meeting, Reminder
    from workinggroups.models import GroupStatusChange, Membership, Person, WorkingGroup

    today = clock.today()
    programme = Programme.objects.filter(title_en=TITLE).first()
    if programme is None:
        partner = Organisation.objects.filter(kind="implementing_partner").first()
        programme = Programme.objects.create(
            title_uk="Бенчмарк: нагадування", title_en=TITLE, implementing_partner=partner,
            start_date=today - datetime.timedelta(days=30),
            end_date=today + datetime.timedelta(days=3650),
        )  # fmt: skip
        communities = list(Community.objects.order_by("pk")[:GROUPS])
        Enrolment.objects.bulk_create(
            Enrolment(programme=programme, community=c, enrolled_on=programme.start_date)
            for c in communities
        )
        groups = WorkingGroup.objects.bulk_create(
            WorkingGroup(
                programme=programme, community=c, name_uk=f"Група нагадувань {n}",
                name_en=f"Reminder group {n}", status="active",
                established_on=programme.start_date,
            )
            for n, c in enumerate(communities)
        )  # fmt: skip
        GroupStatusChange.objects.bulk_create(
            GroupStatusChange(group=g, status="active", changed_on=g.established_on) for g in groups
        )
        people = Person.objects.bulk_create(
            Person(full_name=f"Учасниця Нагадувань {n}", email=f"reminder{n}@bench.example")
            for n in range(GROUPS * MEMBERS)
        )
        from communities.reference import ensure_stakeholder_categories

        category = next(iter(ensure_stakeholder_categories().values()))
        Membership.objects.bulk_create(
            Membership(
                group=groups[n // MEMBERS], person=person, category=category,
                role="leader" if n % MEMBERS == 0 else "member",
                joined_on=programme.start_date,
            )
            for n, person in enumerate(people)
        )  # fmt: skip
        Meeting.objects.bulk_create(
            Meeting(group=g, starts_at=clock.now() + datetime.timedelta(days=2), place="Зала")
            for g in groups
        )
    meetings = Meeting.objects.filter(group__programme=programme)
    Reminder.objects.filter(group__programme=programme).delete()
    # Two days ahead of this run, announcement not sent: each run announces them afresh.
    meetings.update(
        starts_at=clock.now() + datetime.timedelta(days=2), agenda_sent_at=None, status="planned"
    )
    return programme


def _workers(env: dict) -> subprocess.Popen:
    celery = Path(sys.executable).with_name("celery")
    return subprocess.Popen(
        [str(celery), "-A", "cohesion", "worker", "--concurrency=2", "--loglevel=WARNING",
         "-n", f"bench-{os.getpid()}@%h", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def _tasks_done(app, name: str) -> int:
    # One worker: its reply ends the wait (without `limit` inspect waits the whole timeout).
    stats = app.control.inspect(timeout=1.0, limit=1).stats() or {}
    return sum(worker.get("total", {}).get(name, 0) for worker in stats.values())


def _wait(condition, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("the workers did not finish in time")
        time.sleep(0.1)


def measure(env: dict, load_average) -> dict:
    """Seconds for 1,000 no-op tasks and for 1,000 reminders, each with the load average."""
    from aiosmtpd.controller import Controller

    from cohesion.celery import app
    from cohesion.tasks import ping
    from meetings import reminders, tasks
    from meetings.models import Reminder

    class Sink:
        received = 0

        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            # Offered as the common relays offer it (aiosmtpd reads pipelined commands but does
            # not say so): the workers pipeline each message's commands (cohesion.smtp).
            session.host_name = hostname
            return [*responses[:-1], "250-PIPELINING", responses[-1]]

        async def handle_DATA(self, server, session, envelope):
            Sink.received += 1
            return "250 OK"

    from bench.run import free_port

    port = free_port()
    sink = Controller(Sink(), hostname="127.0.0.1", port=port)
    sink.start()
    # BENCH_EMAIL_URL=memorymail:// measures without SMTP, to see what the mail itself costs.
    mail_url = os.environ.get("BENCH_EMAIL_URL", f"smtp://127.0.0.1:{port}")
    worker_env = {**env, "EMAIL_URL": mail_url, "CONN_MAX_AGE": "60"}
    workers = _workers(worker_env)
    results = {}
    try:
        programme = _lay_out()
        app.conf.task_always_eager = False
        app.conf.broker_url = env["REDIS_URL"]
        _wait(lambda: app.control.inspect(timeout=1.0, limit=1).ping(), timeout=60)
        for _ in range(20):  # both processes started, imports done
            ping.delay()
        _wait(lambda: _tasks_done(app, "cohesion.tasks.ping") >= 20)

        # Both processes warmed on the reminders' path as the pings warmed them on theirs:
        # the first emails of a process load its templates, catalogues and URLs, most of a
        # second that a long-lived worker pays once.
        warm = reminders.plan_announcements()[:40]
        for start in range(0, len(warm), 5):
            tasks.deliver_reminders.delay(warm[start : start + 5])
        warmed = Reminder.objects.filter(pk__in=warm, status=Reminder.Status.SENT)
        _wait(lambda: warmed.count() == len(warm))

        # Rounds of each, in turn: one round of either varies by a fifth from run to run on
        # this machine; the medians are compared.
        noops, sends, first_load = [], [], load_average()
        for _round in range(ROUNDS):
            before = _tasks_done(app, "cohesion.tasks.ping")
            started = time.perf_counter()
            for _ in range(1000):
                ping.delay()
            _wait(lambda before=before: _tasks_done(app, "cohesion.tasks.ping") >= before + 1000)
            noops.append(time.perf_counter() - started)

            programme = _lay_out()
            ids = reminders.plan_announcements()
            if len(ids) != GROUPS * MEMBERS:
                raise RuntimeError(f"{len(ids)} announcements planned, not {GROUPS * MEMBERS}")
            received_before = Sink.received
            started = time.perf_counter()
            for start in range(0, len(ids), tasks.BATCH):
                tasks.deliver_reminders.delay(ids[start : start + tasks.BATCH])
            # Polled by the range of their ids (the plan inserts them together): a list of
            # 1,000 ids ten times a second took CPU from the workers measured.
            sent = Reminder.objects.filter(
                pk__gte=min(ids), pk__lte=max(ids), status=Reminder.Status.SENT
            )
            if len(ids) != max(ids) - min(ids) + 1:
                sent = Reminder.objects.filter(pk__in=ids, status=Reminder.Status.SENT)
            _wait(lambda sent=sent, ids=ids: sent.count() == len(ids))
            sends.append(time.perf_counter() - started)
            received = Sink.received - received_before
            if received < len(ids) and "BENCH_EMAIL_URL" not in os.environ:
                raise RuntimeError(f"{received} emails reached the sink, not {len(ids)}")
        load = f"{first_load}→{load_average()}"
        results["noop"] = (statistics.median(noops), load)
        results["reminders"] = (statistics.median(sends), load)
        results["rounds"] = list(zip(noops, sends, strict=True))
        results["programme"] = programme.pk
    finally:
        workers.terminate()
        workers.wait(timeout=60)
        sink.stop()
    return results
