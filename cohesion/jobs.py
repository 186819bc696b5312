"""Claiming a queued job row, so that of two workers given the same job only one does it.

A job row (a plan PDF to render, an export to build, a reminder to send) has a status field,
with a value for "waiting" and one for "being worked on", and a time field saying when a
worker claimed it. A worker claims the row with one conditional UPDATE: the database applies
it to a row that is waiting, or to one claimed longer than a timeout ago, whose worker died
mid-job; two workers racing for the same row cannot both see one updated row.
"""

import datetime

from django.db import models
from django.db.models import Q


def claimed_before(running: str, cutoff: datetime.datetime, *, claimed_at: str = "started_at") -> Q:
    """Rows being worked on since before `cutoff`: their worker died, another may take them."""
    return Q(status=running, **{f"{claimed_at}__lt": cutoff})


def claim(
    model: type[models.Model],
    pk: int,
    *,
    waiting: str,
    running: str,
    now: datetime.datetime,
    timeout: datetime.timedelta,
    claimed_at: str = "started_at",
    not_before: str | None = None,
    **changes,
) -> bool:
    """Marks the row `pk` as `running`, claimed at `now`, if it is `waiting` or its claim is
    older than `timeout`; True if this call won it. `changes` are written in the same UPDATE
    (a progress, an attempt counted with F()). A row whose `not_before` field is still ahead
    is not claimed: its work is held back until then."""
    rows = model.objects.filter(pk=pk).filter(
        Q(status=waiting) | claimed_before(running, now - timeout, claimed_at=claimed_at)
    )
    if not_before:
        rows = rows.filter(Q(**{f"{not_before}__isnull": True}) | Q(**{f"{not_before}__lte": now}))
    return rows.update(status=running, **{claimed_at: now}, **changes) == 1


def claim_many(
    model: type[models.Model],
    pks: list[int],
    *,
    waiting: str,
    running: str,
    now: datetime.datetime,
    timeout: datetime.timedelta,
    claimed_at: str = "claimed_at",
    attempts: str = "attempts",
    not_before: str | None = None,
) -> list[int]:
    """`claim` for a batch of rows in one statement: the ids of those this call won (the
    others are done, gone, another worker's or held back by `not_before`), each with its
    `attempts` counted."""
    condition = "({status} = %s OR ({status} = %s AND {claimed} < %s))"
    where = [waiting, running, now - timeout]
    if not_before:
        condition += " AND ({not_before} IS NULL OR {not_before} <= %s)"
        where.append(now)
    return _update_returning(
        model, pks,
        "{status} = %s, {claimed} = %s, {tries} = {tries} + 1", condition,
        [running, now], where,
        claimed_at=claimed_at, attempts=attempts, not_before=not_before,
    )  # fmt: skip


def renew_many(
    model: type[models.Model],
    pks: list[int],
    *,
    running: str,
    held_since: datetime.datetime,
    now: datetime.datetime,
    claimed_at: str = "claimed_at",
) -> list[int]:
    """Renews this worker's claim on rows it claimed at `held_since` and still holds, to
    `now`: the ids it still holds (a row another worker took over after the claim timed out
    is no longer this worker's to do)."""
    return _update_returning(
        model, pks, "{claimed} = %s", "{status} = %s AND {claimed} = %s",
        [now], [running, held_since], claimed_at=claimed_at,
    )  # fmt: skip


def _update_returning(model, pks, assignments, condition, set_params, where_params, **fields):
    """UPDATE the rows `pks` that meet `condition`, returning the ids this very statement
    changed (PostgreSQL, and SQLite since 3.35); the ORM's update() only says how many.
    {status}, {claimed} and {tries} in the SQL name the model's columns; datetimes in the
    parameters are adapted as the ORM would; {not_before} names that field when one is given."""
    from django.db import connection

    if not pks:
        return []
    quote, field = connection.ops.quote_name, model._meta.get_field
    names = {
        "status": quote(field("status").column),
        "claimed": quote(field(fields["claimed_at"]).column),
        "tries": quote(field(fields.get("attempts", "attempts")).column),
    }
    if fields.get("not_before"):
        names["not_before"] = quote(field(fields["not_before"]).column)
    pk = quote(model._meta.pk.column)

    def adapt(values):
        return [
            connection.ops.adapt_datetimefield_value(v) if isinstance(v, datetime.datetime) else v
            for v in values
        ]

    marks = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} SET {assignments.format(**names)} "
            f"WHERE {pk} IN ({marks}) AND {condition.format(**names)} RETURNING {pk}",
            [*adapt(set_params), *pks, *adapt(where_params)],
        )
        return sorted(row[0] for row in cursor.fetchall())


def left_waiting(
    model: type[models.Model],
    *,
    waiting: str,
    running: str,
    now: datetime.datetime,
    timeout: datetime.timedelta,
    requested_at: str = "requested_at",
    claimed_at: str = "started_at",
    not_before: str | None = None,
    limit: int = 100,
) -> list[int]:
    """The rows a sweep queues again: waiting for longer than JOB_QUEUE_GRACE (the broker never
    got them) or claimed longer than `timeout` ago (their worker died); oldest first. A waiting
    row whose `not_before` field is still ahead (a retry backing off) waits on."""
    from django.conf import settings

    grace = now - datetime.timedelta(seconds=settings.JOB_QUEUE_GRACE)
    due = Q(status=waiting, **{f"{requested_at}__lt": grace})
    if not_before:
        due &= Q(**{f"{not_before}__isnull": True}) | Q(**{f"{not_before}__lte": now})
    rows = model.objects.filter(due | claimed_before(running, now - timeout, claimed_at=claimed_at))
    return list(rows.order_by(requested_at).values_list("pk", flat=True)[:limit])
