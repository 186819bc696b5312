"""Handing work to the Celery workers without letting the broker hold a request hostage.

Work a request asks for is first recorded in the database, in the request's transaction: a
reminder row, a plan PDF row, an export row, an outbox job. After the commit it is handed to the
broker with short timeouts (CELERY_BROKER_TRANSPORT_OPTIONS) and no retry; when the broker does
not answer, the handing over is given up, logged, and not tried again by this process for
BROKER_RETRY_AFTER seconds, so that a request with much to queue waits at most once. Nothing is
lost: each kind of work has a beat task that queues what is still waiting (see the README).
"""

import logging
import time

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

_down_until = 0.0


def broker_down() -> bool:
    return time.monotonic() < _down_until


def dispatch(task, *args, countdown: float | None = None) -> bool:
    """Queues `task(*args)`, to run `countdown` seconds from now if given; False if the broker
    is down (the work stays recorded as waiting). Eager tasks (no broker configured, and the
    tests) run at once whatever the countdown, their errors their own."""
    global _down_until
    if task.app.conf.task_always_eager:
        task.apply_async(args=args)
        return True
    if broker_down():
        return False
    later = {"countdown": countdown} if countdown else {}
    try:
        task.apply_async(args=args, retry=False, **later)
    except Exception as error:  # kombu, redis and socket errors alike: the broker did not take it
        _down_until = time.monotonic() + settings.BROKER_RETRY_AFTER
        logger.warning(
            "Broker unavailable (%s: %s): %s waits for the sweep; not trying again for %s s",
            type(error).__name__,
            error,
            task.name,
            settings.BROKER_RETRY_AFTER,
        )
        return False
    return True


def dispatch_on_commit(task, *args, countdown: float | None = None) -> None:
    """dispatch(task, *args) once the current transaction commits (a worker must see the rows
    it is given), or at once outside a transaction."""

    # A named function, not a lambda: Django logs a robust callback's failure by its name.
    def queue_after_commit():
        dispatch(task, *args, countdown=countdown)

    queue_after_commit.task = task  # which work it hands over, for whoever inspects callbacks
    transaction.on_commit(queue_after_commit, robust=True)
