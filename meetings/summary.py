"""The per-group, per-month summary (meetings_groupmonth), kept by the database itself.

At national scale the compliance grid and the indicators scanned every meeting (150,000) and
attendance row (2,000,000) of a programme on each cold page; they now read one row per group
and month. A group has a row for every month of its programme: whether it was operating on the
15th (so a meeting was due), its meetings by status, and the members present at its held
meetings by sex and youth. Meetings outside the programme's dates are not the programme's and
are left out.

Triggers on every table a row comes from refresh the rows a changed row touches, in the same
transaction, whatever wrote it (a service, a bulk update, an import, the admin, a hand-typed
statement): a meeting or its attendance the month of the meeting, a status change every month
of the group, a person's sex or age the months they were present. Meetings, attendance and
status history are refreshed once per statement on PostgreSQL (over its transition tables);
people, memberships, groups and programmes per row, and only when a column that counts
changed. A refresh recomputes its rows from the records with the same SELECT that `rebuild()`
(manage.py rebuild_summaries) runs over everything, so the kept and the rebuilt summary cannot
be computed two ways.

A group's months come from meetings_calendarmonth (fill_calendar): SQLite cannot build a series
inside a trigger. A meeting's month is its month in settings.TIME_ZONE: after changing that
setting, run rebuild_summaries.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, connections, transaction

SUMMARY = "meetings_groupmonth"
CALENDAR = "meetings_calendarmonth"
FIRST_YEAR, LAST_YEAR = 1990, 2100
OPERATING = ("active", "reestablished")
COLUMNS = (
    "group_id, month, operating, held, planned, cancelled, postponed, "
    "present, present_women, present_men, present_youth"
)


def _within_programme(vendor: str, meeting: str, programme: str) -> str:
    """SQL: the meeting starts on a day of the programme, in the project's time zone."""
    zone = settings.TIME_ZONE
    last = f"COALESCE({programme}.closed_on, {programme}.end_date)"
    if vendor == "postgresql":
        return (
            f"{meeting}.starts_at >= ({programme}.start_date::timestamp AT TIME ZONE '{zone}') "
            f"AND {meeting}.starts_at < (({last} + 1)::timestamp AT TIME ZONE '{zone}')"
        )
    # Django registers this function on each of its SQLite connections.
    day = f"django_datetime_cast_date({meeting}.starts_at, '{zone}', 'UTC')"
    return f"{day} >= {programme}.start_date AND {day} <= {last}"


def _chosen(keys: str, group: str, month: str) -> str:
    """SQL: the (group, month) is among `keys`, whose month NULL stands for every month.

    The first condition is implied by the rest, and is there for the planner: a plain
    `group IN (keys)` lets it start from the few groups a statement touched and reach their
    meetings and attendance by index. Without it, the OR below made PostgreSQL scan every
    attendance row on each refresh (2.4 s for one meeting's 20 rows at national scale)."""
    return (
        f"({group} IN (SELECT k.group_id FROM ({keys}) k) AND "
        f"(({group}, {month}) IN (SELECT k.group_id, k.month FROM ({keys}) k "
        f"WHERE k.month IS NOT NULL) OR {group} IN (SELECT k.group_id FROM ({keys}) k "
        "WHERE k.month IS NULL)))"
    )


def month_of(vendor: str, instant: str) -> str:
    """SQL: the first day of the month of `instant` in the project's time zone."""
    zone = settings.TIME_ZONE
    if vendor == "postgresql":
        return f"(date_trunc('month', {instant} AT TIME ZONE '{zone}'))::date"
    # Django registers this function on each of its SQLite connections.
    return f"substr(django_datetime_trunc('month', {instant}, '{zone}', 'UTC'), 1, 10)"


def summary_select(vendor: str, keys: str | None) -> str:
    """SELECT the summary rows (COLUMNS, in order) of every group and month, or of those
    `keys` names: a SELECT of (group_id, month) pairs, a NULL month for all of a group's."""
    only = (lambda group, month: "AND " + _chosen(keys, group, month)) if keys else None
    only = only or (lambda group, month: "")
    within = _within_programme(vendor, "m", "p")
    statuses = ", ".join(f"'{status}'" for status in OPERATING)
    return f"""
SELECT g.id, c.month,
  CASE WHEN c.middle <= COALESCE(p.closed_on, p.end_date) AND (
    SELECT s.status FROM workinggroups_groupstatuschange s
    WHERE s.group_id = g.id AND s.changed_on <= c.middle
    ORDER BY s.changed_on DESC, s.recorded_at DESC, s.id DESC LIMIT 1
  ) IN ({statuses}) THEN TRUE ELSE FALSE END,
  COALESCE(mm.held, 0), COALESCE(mm.planned, 0), COALESCE(mm.cancelled, 0),
  COALESCE(mm.postponed, 0), COALESCE(aa.present, 0), COALESCE(aa.women, 0),
  COALESCE(aa.men, 0), COALESCE(aa.youth, 0)
FROM workinggroups_workinggroup g
JOIN communities_programme p ON p.id = g.programme_id
JOIN {CALENDAR} c ON c.last_day >= p.start_date AND c.month <= COALESCE(p.closed_on, p.end_date)
LEFT JOIN (
  SELECT m.group_id AS group_id, c.month AS month,
    SUM(CASE WHEN m.status = 'held' THEN 1 ELSE 0 END) AS held,
    SUM(CASE WHEN m.status = 'planned' THEN 1 ELSE 0 END) AS planned,
    SUM(CASE WHEN m.status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
    SUM(CASE WHEN m.status = 'postponed' THEN 1 ELSE 0 END) AS postponed
  FROM meetings_meeting m
  JOIN workinggroups_workinggroup g ON g.id = m.group_id
  JOIN communities_programme p ON p.id = g.programme_id
  JOIN {CALENDAR} c ON c.month = {month_of(vendor, "m.starts_at")}
  WHERE {within} {only("m.group_id", "c.month")}
  GROUP BY m.group_id, c.month
) mm ON mm.group_id = g.id AND mm.month = c.month
LEFT JOIN (
  SELECT m.group_id AS group_id, c.month AS month, COUNT(*) AS present,
    SUM(CASE WHEN pe.sex = 'female' THEN 1 ELSE 0 END) AS women,
    SUM(CASE WHEN pe.sex = 'male' THEN 1 ELSE 0 END) AS men,
    SUM(CASE WHEN pe.birth_year >= c.year - p.youth_max_age THEN 1 ELSE 0 END) AS youth
  FROM meetings_attendance a
  JOIN meetings_meeting m ON m.id = a.meeting_id
  JOIN workinggroups_membership ms ON ms.id = a.membership_id
  JOIN workinggroups_person pe ON pe.id = ms.person_id
  JOIN workinggroups_workinggroup g ON g.id = m.group_id
  JOIN communities_programme p ON p.id = g.programme_id
  JOIN {CALENDAR} c ON c.month = {month_of(vendor, "m.starts_at")}
  WHERE a.status = 'present' AND m.status = 'held' AND {within} {only("m.group_id", "c.month")}
  GROUP BY m.group_id, c.month
) aa ON aa.group_id = g.id AND aa.month = c.month
{"WHERE " + _chosen(keys, "g.id", "c.month") if keys else ""}
"""


def refresh_statements(vendor: str, keys: str, locks: str | None = None) -> list[str]:
    """The statements that recompute the summary rows `keys` names (see summary_select),
    after locking the groups `locks` names (a SELECT of group ids; by default the keys')."""
    statements = []
    if vendor == "postgresql":
        # One refresh of a group at a time: a second transaction's DELETE would miss the rows
        # the first is inserting, and its INSERT then collide with them. NO KEY UPDATE does not
        # wait for the key-share locks that inserting a group's meetings takes. The statements
        # after it read afresh, so they see what the transaction waited for.
        groups = locks or f"SELECT k.group_id FROM ({keys}) k"
        statements.append(
            "PERFORM 1 FROM workinggroups_workinggroup "
            f"WHERE id IN ({groups}) ORDER BY id FOR NO KEY UPDATE"
        )
    statements += [
        f"DELETE FROM {SUMMARY} WHERE {_chosen(keys, f'{SUMMARY}.group_id', f'{SUMMARY}.month')}",
        f"INSERT INTO {SUMMARY} ({COLUMNS}) {summary_select(vendor, keys)}",
    ]
    return statements


@dataclass(frozen=True)
class Source:
    table: str
    # SELECT the (group_id, month) pairs a changed row `r` touches, a NULL month for all of the
    # group's months ({rows} is the changed rows).
    keys: str
    # The columns of a row that, changed, change the summary (all events count if empty).
    changed: tuple[str, ...] = ()
    events: tuple[str, ...] = ("INSERT", "UPDATE", "DELETE")
    # Rare, single-row changes are refreshed per row (PostgreSQL too) and only when `changed`
    # columns moved; frequent and bulk ones once per statement on PostgreSQL.
    per_row: bool = False
    # SELECT the groups to lock before the keys are read, when the keys come through rows
    # another transaction may be adding (a person's first attendance): the groups of the
    # person's memberships, which that transaction locks too.
    locks: str | None = None


EVERY_MONTH = "CAST(NULL AS DATE)"
# {month_of_m} and {month_of_r}: the month of the meeting m, or of the changed meeting r.
_ATTENDED = (
    "SELECT m.group_id AS group_id, {month_of_m} AS month FROM meetings_attendance a "
    "JOIN meetings_meeting m ON m.id = a.meeting_id "
)
SOURCES = [
    # A meeting or its attendance changes its own month only.
    Source(
        "meetings_meeting",
        "SELECT r.group_id AS group_id, {month_of_r} AS month FROM {rows} r",
        changed=("group_id", "starts_at", "status"),
    ),
    Source(
        "meetings_attendance",
        "SELECT m.group_id AS group_id, {month_of_m} AS month FROM meetings_meeting m "
        "JOIN {rows} r ON m.id = r.meeting_id",
        changed=("meeting_id", "membership_id", "status"),
    ),
    # A status change may move every month after it.
    Source(
        "workinggroups_groupstatuschange",
        f"SELECT r.group_id AS group_id, {EVERY_MONTH} AS month FROM {{rows}} r",
        changed=("group_id", "status", "changed_on", "recorded_at"),
    ),
    Source(
        "workinggroups_workinggroup",
        f"SELECT r.id AS group_id, {EVERY_MONTH} AS month FROM {{rows}} r",
        events=("INSERT",),
    ),
    Source(
        "workinggroups_workinggroup",
        f"SELECT r.id AS group_id, {EVERY_MONTH} AS month FROM {{rows}} r",
        changed=("programme_id",),
        events=("UPDATE",),
        per_row=True,
    ),
    # A person's sex or age counts in the months they were present.
    Source(
        "workinggroups_person",
        _ATTENDED + "JOIN workinggroups_membership ms ON ms.id = a.membership_id "
        "JOIN {rows} r ON ms.person_id = r.id",
        changed=("sex", "birth_year"),
        events=("UPDATE",),
        per_row=True,
        locks="SELECT ms.group_id FROM workinggroups_membership ms "
        "JOIN {rows} r ON ms.person_id = r.id",
    ),
    Source(
        "workinggroups_membership",
        _ATTENDED + "JOIN {rows} r ON a.membership_id = r.id",
        changed=("group_id", "person_id"),
        events=("UPDATE",),
        per_row=True,
        locks="SELECT r.group_id FROM {rows} r",
    ),
    Source(
        "communities_programme",
        f"SELECT g.id AS group_id, {EVERY_MONTH} AS month FROM workinggroups_workinggroup g "
        "JOIN {rows} r ON g.programme_id = r.id",
        changed=("start_date", "end_date", "closed_on", "youth_max_age"),
        events=("UPDATE",),
        per_row=True,
    ),
]
# A deleted group's rows go with it (the summary has no foreign key to cascade).
DROP_GROUP = f"DELETE FROM {SUMMARY} WHERE group_id IN (SELECT r.id FROM {{rows}} r)"


def _name(table: str, event: str, suffix: str = "") -> str:
    return f"summary_{table}_{event[:3].lower()}{suffix}"


def _postgresql() -> list[str]:
    statements = []
    for index, source in enumerate(SOURCES):
        for event in source.events:
            name = _name(source.table, event)
            aliases = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[event]
            if source.per_row:
                relations = [
                    "(SELECT " + ", ".join(f"{a}.{c} AS {c}" for c in _row_columns(source)) + ")"
                    for a in aliases
                ]
            elif event == "UPDATE" and source.changed:
                # Only the rows whose counted columns moved (a reminder stamping a meeting's
                # agenda_sent_at refreshes nothing).
                moved = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in source.changed)
                relations = [
                    f"(SELECT {side}.* FROM old_rows o JOIN new_rows n ON o.id = n.id "
                    f"WHERE {moved})"
                    for side in ("o", "n")
                ]
            else:
                relations = [{"OLD": "old_rows", "NEW": "new_rows"}[a] for a in aliases]
            keys = " UNION ".join(_keys(source, "postgresql", rel) for rel in relations)
            locks = (
                " UNION ".join(source.locks.format(rows=rel) for rel in relations)
                if source.locks
                else None
            )
            body = ";\n  ".join(refresh_statements("postgresql", keys, locks))
            statements.append(
                f"CREATE OR REPLACE FUNCTION {name}{index}() RETURNS trigger LANGUAGE plpgsql "
                f"AS $$ BEGIN\n  {body};\n  RETURN NULL;\nEND $$"
            )
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {source.table}")
            if source.per_row:
                when = ""
                if event == "UPDATE" and source.changed:
                    moved = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in source.changed)
                    when = f"WHEN ({moved}) "
                statements.append(
                    f"CREATE TRIGGER {name} AFTER {event} ON {source.table} FOR EACH ROW "
                    f"{when}EXECUTE FUNCTION {name}{index}()"
                )
            else:
                referencing = {
                    "INSERT": "NEW TABLE AS new_rows",
                    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                    "DELETE": "OLD TABLE AS old_rows",
                }[event]
                statements.append(
                    f"CREATE TRIGGER {name} AFTER {event} ON {source.table} "
                    f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}{index}()"
                )
    drop = _name("workinggroups_workinggroup", "DELETE")
    statements += [
        f"CREATE OR REPLACE FUNCTION {drop}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN\n  "
        f"{DROP_GROUP.format(rows='old_rows')};\n  RETURN NULL;\nEND $$",
        f"DROP TRIGGER IF EXISTS {drop} ON workinggroups_workinggroup",
        f"CREATE TRIGGER {drop} AFTER DELETE ON workinggroups_workinggroup "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {drop}()",
    ]
    return statements


def _keys(source: Source, vendor: str, rows: str) -> str:
    return source.keys.format(
        rows=rows,
        month_of_m=month_of(vendor, "m.starts_at"),
        month_of_r=month_of(vendor, "r.starts_at"),
    )


def _row_columns(source: Source) -> tuple[str, ...]:
    """The columns of a changed row its `keys` SELECT reads."""
    import re

    read = re.findall(r"\br\.(\w+)", f"{_keys(source, 'sqlite', 'rows')} {source.locks or ''}")
    return tuple(sorted({"id", *source.changed, *read}))


def _sqlite() -> list[str]:
    statements = []
    for source in SOURCES:
        for event in source.events:
            name = _name(source.table, event)
            aliases = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[event]
            relations = [
                "(SELECT " + ", ".join(f"{a}.{c} AS {c}" for c in _row_columns(source)) + ")"
                for a in aliases
            ]
            keys = " UNION ".join(_keys(source, "sqlite", rel) for rel in relations)
            when = ""
            if event == "UPDATE" and source.changed:
                when = "WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in source.changed)
            body = "; ".join(refresh_statements("sqlite", keys))
            statements += [
                f"DROP TRIGGER IF EXISTS {name}",
                f"CREATE TRIGGER {name} AFTER {event} ON {source.table} FOR EACH ROW {when} "
                f"BEGIN {body}; END",
            ]
    drop = _name("workinggroups_workinggroup", "DELETE")
    statements += [
        f"DROP TRIGGER IF EXISTS {drop}",
        f"CREATE TRIGGER {drop} AFTER DELETE ON workinggroups_workinggroup FOR EACH ROW BEGIN "
        f"{DROP_GROUP.format(rows='(SELECT OLD.id AS id)')}; END",
    ]
    return statements


def calendar_rows() -> list[tuple]:
    """(month, year, middle, last day) for every month of the calendar."""
    rows = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for number in range(1, 13):
            month = datetime.date(year, number, 1)
            following = (month + datetime.timedelta(days=32)).replace(day=1)
            rows.append(
                (month, year, month.replace(day=15), following - datetime.timedelta(days=1))
            )
    return rows


def fill_calendar(using=None) -> bool:
    """Writes the calendar when it is missing; says whether it did."""
    from meetings.models import CalendarMonth

    manager = CalendarMonth.objects.using(using or "default")
    rows = calendar_rows()
    if manager.count() == len(rows):
        return False
    with transaction.atomic(using=using):
        manager.all().delete()
        manager.bulk_create(
            CalendarMonth(month=month, year=year, middle=middle, last_day=last)
            for month, year, middle, last in rows
        )
    return True


def install(using=None) -> None:
    """Fills the calendar and creates (or replaces) the triggers; rebuilds the summary when
    the calendar was (re)written, and on SQLite, whose triggers are dropped while migrations
    run (uninstall)."""
    db = connections[using] if using else connection
    refilled = fill_calendar(using)
    build = _postgresql if db.vendor == "postgresql" else _sqlite
    # Replaced in one transaction: a write during a deploy's migrate meets either the old
    # triggers or the new, never none.
    with transaction.atomic(using=using), db.cursor() as cursor:
        for statement in build():
            cursor.execute(statement)
    if refilled or db.vendor == "sqlite":
        rebuild(using)


def uninstall(using=None) -> None:
    """Drops the triggers before migrations run on SQLite: a migration that remakes a table
    (SQLite's way of altering a column) renames it, and SQLite refuses the rename while a
    trigger elsewhere names a table that is, for that moment, gone. PostgreSQL alters in
    place and keeps its triggers, so that data migrations keep the summary."""
    drop_triggers(connections[using] if using else connection, "summary_")


def drop_triggers(db, prefix: str) -> None:
    if db.vendor != "sqlite":
        return
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
            [prefix + "%"],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def rebuild(using=None) -> int:
    """Computes the whole summary afresh from the records; returns its number of rows."""
    db = connections[using] if using else connection
    with transaction.atomic(using=using), db.cursor() as cursor:
        if db.vendor == "postgresql":
            # Triggers refreshing rows meanwhile would collide with the INSERT below: they wait.
            cursor.execute(f"LOCK TABLE {SUMMARY} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {SUMMARY}")
        cursor.execute(f"INSERT INTO {SUMMARY} ({COLUMNS}) {summary_select(db.vendor, None)}")
        cursor.execute(f"SELECT COUNT(*) FROM {SUMMARY}")
        return cursor.fetchone()[0]


def computed(using=None) -> set[tuple]:
    """The summary as the records give it now, without touching the kept one (for checks)."""
    db = connections[using] if using else connection
    with db.cursor() as cursor:
        cursor.execute(summary_select(db.vendor, None))
        return {_normal(row) for row in cursor.fetchall()}


def kept(using=None) -> set[tuple]:
    """The summary as the triggers kept it."""
    db = connections[using] if using else connection
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} FROM {SUMMARY}")
        return {_normal(row) for row in cursor.fetchall()}


def _normal(row) -> tuple:
    group_id, month, operating, *counts = row
    if isinstance(month, str):
        month = datetime.date.fromisoformat(month)
    return (group_id, month, bool(operating), *map(int, counts))
