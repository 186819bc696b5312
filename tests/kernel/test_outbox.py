"""The outbox: work recorded with the change that asks for it, done once, tried again after a
failure or a dead worker, queued again by the sweep when the broker never got it, and cleared
away once done."""

import datetime

import pytest
from django.db import transaction

from cohesion import broker, clock, outbox
from cohesion.models import Job
from cohesion.tasks import requeue_jobs, run_jobs

pytestmark = pytest.mark.django_db

CALLS = []


@outbox.job
def remember(value):
    CALLS.append(value)


@outbox.job
def fail(message):
    raise OSError(message)


def unregistered(value):
    CALLS.append(value)


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    CALLS.clear()


def later(moment: datetime.timedelta) -> datetime.datetime:
    return clock.now() + moment


def test_a_job_is_recorded_with_the_change_and_done_once_it_commits(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        row = outbox.later(remember, "лист")
        assert CALLS == []  # nothing before the commit
    assert CALLS == ["лист"]
    row.refresh_from_db()
    assert row.status == Job.Status.DONE
    assert row.args == []  # an email's arguments can name a person: gone once it is sent


def test_a_change_rolled_back_leaves_no_job_and_does_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.later(remember, "x")
        transaction.set_rollback(True)
    assert not Job.objects.exists()
    assert CALLS == []


def test_only_registered_functions_can_be_recorded():
    with pytest.raises(ValueError, match="not registered"):
        outbox.later(unregistered, "x")
    assert not Job.objects.exists()


def test_a_job_is_done_once_however_often_it_is_run():
    row = Job.objects.create(function="tests.kernel.test_outbox.remember", args=["once"])
    assert run_jobs([row.pk, row.pk]) == 1
    assert outbox.run(row.pk) is False
    assert CALLS == ["once"]


def test_a_failed_job_waits_longer_each_time_and_fails_for_good_after_the_last_attempt(settings):
    settings.JOB_MAX_ATTEMPTS = 3
    settings.JOB_RETRY_AFTER = 60
    row = Job.objects.create(function="tests.kernel.test_outbox.fail", args=["SMTP down"])
    waits = []
    for _attempt in range(3):
        Job.objects.filter(pk=row.pk).update(run_after=clock.now())
        before = clock.now()
        assert outbox.run(row.pk) is False
        row.refresh_from_db()
        waits.append(round((row.run_after - before).total_seconds() / 60))
    assert waits == [1, 2, 4]
    assert row.status == Job.Status.FAILED
    assert row.last_error == "OSError: SMTP down"
    assert row.attempts == 3


def test_a_job_naming_a_function_that_no_longer_exists_fails_at_once():
    row = Job.objects.create(function="tests.kernel.test_outbox.gone", args=[])
    assert outbox.run(row.pk) is False
    row.refresh_from_db()
    assert row.status == Job.Status.FAILED
    assert "no registered function" in row.last_error


def test_the_sweep_finds_what_the_broker_never_got_what_is_due_again_and_dead_workers_left(
    settings,
):
    settings.JOB_QUEUE_GRACE = 60
    settings.JOB_CLAIM_TIMEOUT = 600
    never_sent = Job.objects.create(function="x", run_after=later(-datetime.timedelta(minutes=2)))
    just_sent = Job.objects.create(function="x", run_after=later(-datetime.timedelta(seconds=10)))
    retry_due = Job.objects.create(function="x", attempts=1,
                                   run_after=later(-datetime.timedelta(minutes=5)))  # fmt: skip
    retry_later = Job.objects.create(function="x", attempts=1,
                                     run_after=later(datetime.timedelta(minutes=5)))  # fmt: skip
    dead = Job.objects.create(function="x", status=Job.Status.RUNNING,
                              started_at=later(-datetime.timedelta(minutes=11)))  # fmt: skip
    alive = Job.objects.create(function="x", status=Job.Status.RUNNING,
                               started_at=later(-datetime.timedelta(minutes=1)))  # fmt: skip
    Job.objects.create(function="x", status=Job.Status.DONE)
    Job.objects.create(function="x", status=Job.Status.FAILED)
    due = set(outbox.due(clock.now()))
    assert due == {never_sent.pk, retry_due.pk, dead.pk}
    assert not due & {just_sent.pk, retry_later.pk, alive.pk}


def test_the_sweep_runs_what_waited_for_the_broker(settings):
    settings.JOB_QUEUE_GRACE = 0
    row = Job.objects.create(function="tests.kernel.test_outbox.remember", args=["late"],
                             run_after=later(-datetime.timedelta(minutes=5)))  # fmt: skip
    assert requeue_jobs() == 1  # eager here: queued and run
    row.refresh_from_db()
    assert row.status == Job.Status.DONE
    assert CALLS == ["late"]


def test_finished_jobs_are_cleared_away_failed_ones_kept_a_while(settings):
    settings.JOB_KEEP_FAILED_DAYS = 30
    old_done = Job.objects.create(function="x", status=Job.Status.DONE,
                                  finished_at=later(-datetime.timedelta(days=2)))  # fmt: skip
    new_done = Job.objects.create(function="x", status=Job.Status.DONE, finished_at=clock.now())
    old_failed = Job.objects.create(function="x", status=Job.Status.FAILED,
                                    run_after=later(-datetime.timedelta(days=31)))  # fmt: skip
    new_failed = Job.objects.create(function="x", status=Job.Status.FAILED,
                                    run_after=later(-datetime.timedelta(days=3)))  # fmt: skip
    assert outbox.clear_finished(clock.now()) == 2
    remaining = set(Job.objects.values_list("pk", flat=True))
    assert remaining == {new_done.pk, new_failed.pk}
    assert not remaining & {old_done.pk, old_failed.pk}


class Unreachable:
    """A task whose broker refuses it, as kombu does when Redis is down."""

    class app:
        class conf:
            task_always_eager = False

    name = "tests.unreachable"

    def __init__(self):
        self.attempts = 0

    def apply_async(self, args, retry):
        self.attempts += 1
        assert retry is False  # one attempt: the beat sweeps retry, not the request
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")


def test_a_broker_that_refuses_is_tried_once_and_then_left_alone_for_a_while(settings, caplog):
    settings.BROKER_RETRY_AFTER = 30
    task = Unreachable()
    broker._down_until = 0.0
    try:
        assert broker.dispatch(task, 1) is False
        assert broker.dispatch(task, 2) is False
        assert broker.dispatch(task, 3) is False
        assert task.attempts == 1  # a request queuing fifty things waits once, not fifty times
        assert "waits for the sweep" in caplog.text
        broker._down_until = 0.0  # 30 s later
        assert broker.dispatch(task, 4) is False
        assert task.attempts == 2
    finally:
        broker._down_until = 0.0
