"""The outbox's worker and sweep (cohesion.outbox)."""

from celery import shared_task

from cohesion import clock, outbox
from cohesion.broker import dispatch


@shared_task(acks_late=True)
def run_jobs(job_ids: list[int]) -> int:
    """Does each job once; a job that fails waits for the sweep to try it again."""
    return sum(outbox.run(job_id) for job_id in job_ids)


@shared_task
def requeue_jobs() -> int:
    """Queues what is due again (the broker was down, a worker died, a retry's time came), in
    batches of a hundred, and clears finished jobs away."""
    now = clock.now()
    ids = outbox.due(now)
    for start in range(0, len(ids), 100):
        dispatch(run_jobs, ids[start : start + 100])
    outbox.clear_finished(now)
    return len(ids)


@shared_task
def ping() -> str:
    """Does nothing: the round trip through the broker and a worker, the baseline bench/run.py
    measures reminder delivery against (and a way to see that a worker answers)."""
    return "pong"
