"""The import wizard's work on a worker: the check (the preview) and the save."""

from celery import shared_task

from cohesion.broker import dispatch


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def check_import(job_id: int) -> str:
    from workinggroups import wizard

    return wizard.run_check(job_id)


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def save_import(job_id: int) -> str:
    from workinggroups import wizard

    return wizard.run_save(job_id)


@shared_task
def requeue_imports() -> int:
    """Queues checks and saves left waiting (the broker was down) or whose worker died."""
    from workinggroups import wizard
    from workinggroups.models import ImportJob

    ids = wizard.left_waiting()
    for job in ImportJob.objects.filter(pk__in=ids).only("status"):
        task = check_import if job.status.startswith("check") else save_import
        dispatch(task, job.pk)
    return len(ids)


@shared_task
def purge_imports() -> int:
    """Deletes uploads a day old: they hold people's data."""
    from workinggroups import wizard

    return wizard.purge()
