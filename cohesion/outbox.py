"""The transactional outbox: work recorded in the request's transaction, done once by a worker.

`later(send_acknowledgement, application.pk)` writes a Job row in the current transaction and
hands it to the broker after the commit (cohesion.broker). A worker claims the row (one
conditional UPDATE, so two workers given the same job do it once), runs the function and marks
it done; a failure waits JOB_RETRY_AFTER x 2^attempts and is tried again, up to
JOB_MAX_ATTEMPTS. The sweep (cohesion.tasks.requeue_jobs, every minute) queues what the broker
never got and what a dead worker left; it also clears finished jobs away.

Only functions registered with @outbox.job can be run, so that a row can name nothing else.
"""

import datetime
import importlib
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from cohesion import clock, jobs
from cohesion.broker import dispatch_on_commit
from cohesion.models import Job

logger = logging.getLogger(__name__)

FUNCTIONS: dict[str, object] = {}
Status = Job.Status


def _name(function) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def job(function):
    """Registers a function the outbox may run; it takes JSON-serialisable arguments and does
    nothing harmful when run twice (a worker may die after doing it, before saying so)."""
    FUNCTIONS[_name(function)] = function
    return function


def _registered(name: str):
    """The registered function of that name, importing its module first if this process has
    not (a worker imports the apps' tasks modules, but a job may live elsewhere)."""
    if name not in FUNCTIONS:
        module = name.rpartition(".")[0]
        try:
            importlib.import_module(module)
        except ImportError:
            return None
    return FUNCTIONS.get(name)


@transaction.atomic
def later(function, *args) -> Job:
    """Records `function(*args)`, to be done by a worker once this transaction commits."""
    name = _name(function)
    if FUNCTIONS.get(name) is not function:
        raise ValueError(f"{name} is not registered with @outbox.job")
    row = Job.objects.create(function=name, args=list(args))
    from cohesion.tasks import run_jobs

    dispatch_on_commit(run_jobs, [row.pk])
    return row


def run(job_id: int) -> bool:
    """Does the job if this call wins its claim; True when it was done."""
    now = clock.now()
    timeout = datetime.timedelta(seconds=settings.JOB_CLAIM_TIMEOUT)
    if not jobs.claim(
        Job, job_id, waiting=Status.WAITING, running=Status.RUNNING, now=now, timeout=timeout,
        attempts=F("attempts") + 1,
    ):  # fmt: skip
        return False
    row = Job.objects.get(pk=job_id)
    function = _registered(row.function)
    try:
        if function is None:
            raise LookupError(f"no registered function {row.function}")
        function(*row.args)
    except Exception as error:
        logger.exception("job %s (%s) failed", job_id, row.function)
        failed = row.attempts >= settings.JOB_MAX_ATTEMPTS or function is None
        wait = datetime.timedelta(seconds=settings.JOB_RETRY_AFTER * 2 ** (row.attempts - 1))
        Job.objects.filter(pk=job_id, status=Status.RUNNING).update(
            status=Status.FAILED if failed else Status.WAITING,
            run_after=now + wait,
            last_error=f"{type(error).__name__}: {error}"[:500],
        )
        return False
    Job.objects.filter(pk=job_id, status=Status.RUNNING).update(
        status=Status.DONE, finished_at=clock.now(), last_error="", args=[]
    )
    return True


def due(now: datetime.datetime, limit: int = 500) -> list[int]:
    """Jobs the broker never got (waiting a minute after they were due), retries that are due,
    and jobs whose worker died (claimed longer than JOB_CLAIM_TIMEOUT ago)."""
    claim_timeout = datetime.timedelta(seconds=settings.JOB_CLAIM_TIMEOUT)
    grace = datetime.timedelta(seconds=settings.JOB_QUEUE_GRACE)
    return list(
        Job.objects.filter(
            Q(status=Status.WAITING, run_after__lte=now - grace)
            | jobs.claimed_before(Status.RUNNING, now - claim_timeout)
        )
        .order_by("run_after", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def clear_finished(now: datetime.datetime) -> int:
    """Done jobs after a day, failed ones (whose arguments may name a person) after
    JOB_KEEP_FAILED_DAYS."""
    done = Job.objects.filter(status=Status.DONE, finished_at__lt=now - datetime.timedelta(days=1))
    failed = Job.objects.filter(
        status=Status.FAILED,
        run_after__lt=now - datetime.timedelta(days=settings.JOB_KEEP_FAILED_DAYS),
    )
    return done.delete()[0] + failed.delete()[0]
