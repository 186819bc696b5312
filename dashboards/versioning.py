"""The figures' version, kept by the database itself.

Every programme has a version number in `dashboards_figuresversion` (row 0 stands for every
programme); the dashboard cache keys carry it (dashboards.cache). Triggers on every table the
figures are computed from raise the version of the programmes a changed row belongs to, in the
same transaction as the change, whatever wrote it: a service, `bulk_create`, `bulk_update`,
a queryset `update` or `delete`, an import, the admin, a migration or a hand-typed SQL
statement. Save signals missed the bulk paths and left the dashboard stale; a trigger cannot.

The triggers are (re)installed after every `migrate` from WATCHED below, so adding a source
here is the whole change. PostgreSQL runs one trigger per statement over its transition tables
(a bulk insert of 10,000 rows raises the version once); SQLite, for development, one per row.
"""

from dataclasses import dataclass

from django.db import connection

TABLE = "dashboards_figuresversion"
EVERY_PROGRAMME = 0
# Not a programme: the community directory, whose communities, enrolments and programmes'
# titles change its version (a page of it is kept per version, dashboards.page.kept_body).
DIRECTORY = -1


@dataclass(frozen=True)
class Source:
    table: str
    # The columns of a changed row the lookup needs.
    columns: tuple[str, ...]
    # SELECT the programme ids of the changed rows `r` (a relation with `columns`) AS pid.
    programmes: str
    # A new row of some tables (a region, a category) is in no programme's figures yet.
    on_insert: bool = True

    @property
    def events(self) -> tuple[str, ...]:
        return ("INSERT", "UPDATE", "DELETE") if self.on_insert else ("UPDATE", "DELETE")


def _through_group(column: str = "group_id") -> str:
    return (
        "SELECT g.programme_id AS pid FROM workinggroups_workinggroup g "
        f"JOIN {{rows}} r ON g.id = r.{column}"
    )


_PLAN = (
    "SELECT g.programme_id AS pid FROM safetyplans_safetyplan p "
    "JOIN workinggroups_workinggroup g ON g.id = p.group_id JOIN {rows} r ON p.id = r.plan_id"
)
_VERSION = (
    "SELECT g.programme_id AS pid FROM safetyplans_planversion v "
    "JOIN safetyplans_safetyplan p ON p.id = v.plan_id "
    "JOIN workinggroups_workinggroup g ON g.id = p.group_id JOIN {rows} r ON v.id = r.version_id"
)
_EVENT = "SELECT e.programme_id AS pid FROM engagement_event e JOIN {rows} r ON e.id = r.event_id"
_RECOMMENDATION = (
    "SELECT g.programme_id AS pid FROM recommendations_recommendation c "
    "JOIN workinggroups_workinggroup g ON g.id = c.group_id "
    "JOIN {rows} r ON c.id = r.recommendation_id"
)
_OWN = "SELECT r.programme_id AS pid FROM {rows} r"
_EVERY = f"SELECT {EVERY_PROGRAMME} AS pid FROM {{rows}} r"
_AND_DIRECTORY = f" UNION SELECT {DIRECTORY} FROM {{rows}} r"

WATCHED = [
    Source("communities_programme", ("id",), "SELECT r.id AS pid FROM {rows} r" + _AND_DIRECTORY),
    Source("communities_programme_required_categories", ("programme_id",), _OWN),
    Source("communities_enrolment", ("programme_id",), _OWN + _AND_DIRECTORY),
    Source(
        "communities_community",
        ("id",),
        "SELECT g.programme_id AS pid FROM workinggroups_workinggroup g "
        "JOIN {rows} r ON g.community_id = r.id" + _AND_DIRECTORY,
    ),
    # Names shown by every programme: rare changes, so every programme's figures go.
    Source("communities_region", ("id",), _EVERY, on_insert=False),
    Source("communities_raion", ("id",), _EVERY, on_insert=False),
    Source("communities_stakeholdercategory", ("id",), _EVERY, on_insert=False),
    # A member's organisation, on a group's page (kept per version: workinggroups.views).
    Source("communities_organisation", ("id",), _EVERY, on_insert=False),
    Source("workinggroups_workinggroup", ("programme_id",), _OWN),
    # The bands people are counted in, and the balance targets groups are checked against:
    # a programme's own, or the default set (no programme) that every other programme uses.
    Source(
        "workinggroups_ageband",
        ("programme_id",),
        f"SELECT COALESCE(r.programme_id, {EVERY_PROGRAMME}) AS pid FROM {{rows}} r",
    ),
    Source("workinggroups_compositiontarget", ("programme_id",), _OWN),
    Source("workinggroups_groupstatuschange", ("group_id",), _through_group()),
    Source("workinggroups_membership", ("group_id",), _through_group()),
    Source(
        "workinggroups_person",
        ("id",),
        # A person counts where they are a member, a participant or a youth leader.
        "SELECT g.programme_id AS pid FROM workinggroups_membership m "
        "JOIN workinggroups_workinggroup g ON g.id = m.group_id "
        "JOIN {rows} r ON m.person_id = r.id "
        "UNION SELECT e.programme_id FROM engagement_participant p "
        "JOIN engagement_event e ON e.id = p.event_id JOIN {rows} r ON p.person_id = r.id "
        "UNION SELECT y.programme_id FROM engagement_youthleader y "
        "JOIN {rows} r ON y.person_id = r.id",
    ),
    Source("meetings_meeting", ("group_id",), _through_group()),
    Source("safetyplans_safetyplan", ("group_id",), _through_group()),
    Source("safetyplans_planversion", ("plan_id",), _PLAN),
    Source("safetyplans_action", ("version_id",), _VERSION),
    Source("safetyplans_actiontracking", ("plan_id",), _PLAN),
    Source(
        "safetyplans_actionupdate",
        ("tracking_id",),
        "SELECT g.programme_id AS pid FROM safetyplans_actiontracking t "
        "JOIN safetyplans_safetyplan p ON p.id = t.plan_id "
        "JOIN workinggroups_workinggroup g ON g.id = p.group_id "
        "JOIN {rows} r ON t.id = r.tracking_id",
    ),
    # Who was present when a group decided (recommendations.selectors): the attendance and
    # the decisions of a meeting, which its record replaces whole.
    Source(
        "meetings_attendance",
        ("meeting_id",),
        "SELECT g.programme_id AS pid FROM meetings_meeting m "
        "JOIN workinggroups_workinggroup g ON g.id = m.group_id "
        "JOIN {rows} r ON m.id = r.meeting_id",
    ),
    Source(
        "meetings_decision",
        ("meeting_id",),
        "SELECT g.programme_id AS pid FROM meetings_meeting m "
        "JOIN workinggroups_workinggroup g ON g.id = m.group_id "
        "JOIN {rows} r ON m.id = r.meeting_id",
    ),
    Source("recommendations_recommendation", ("group_id",), _through_group()),
    Source("recommendations_answer", ("recommendation_id",), _RECOMMENDATION),
    Source("recommendations_implementationstep", ("recommendation_id",), _RECOMMENDATION),
    Source("engagement_event", ("programme_id",), _OWN),
    Source("engagement_event_visiting_communities", ("event_id",), _EVENT),
    Source("engagement_event_groups", ("event_id",), _EVENT),
    Source("engagement_participant", ("event_id",), _EVENT),
    Source("engagement_youthleader", ("programme_id",), _OWN),
    Source(
        "engagement_youthsupport",
        ("youth_leader_id",),
        "SELECT y.programme_id AS pid FROM engagement_youthleader y "
        "JOIN {rows} r ON y.id = r.youth_leader_id",
    ),
    Source("engagement_veteranorganisation", ("programme_id",), _OWN),
    Source("engagement_needsassessment", ("programme_id",), _OWN),
    Source("dashboards_indicatortarget", ("programme_id",), _OWN),
    # Not a figure, but printed beside them on the cached page.
    Source("dashboards_indicatorcomment", ("programme_id",), _OWN),
]


def trigger_name(table: str, event: str) -> str:
    # Short enough for PostgreSQL's 63-character names, whatever the table.
    return f"figures_{table}_{event[:3].lower()}"


def _bump(select: str) -> str:
    """Raises the version of every programme `select` names (a row appears on first use)."""
    return (
        f"INSERT INTO {TABLE} (programme_id, version) "
        f"SELECT DISTINCT found.pid, 1 FROM ({select}) AS found WHERE found.pid IS NOT NULL "
        f"ON CONFLICT (programme_id) DO UPDATE SET version = {TABLE}.version + 1;"
    )


def _postgresql(source: Source) -> list[str]:
    name = f"figures_{source.table}"
    old = _bump(source.programmes.format(rows="old_rows"))
    new = _bump(source.programmes.format(rows="new_rows"))
    statements = [
        f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN {old} END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN {new} END IF;
  RETURN NULL;
END $$"""
    ]
    # A trigger with transition tables takes one event only.
    referencing = {
        "INSERT": "NEW TABLE AS new_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
    }
    for event in ("INSERT", "UPDATE", "DELETE"):
        trigger = trigger_name(source.table, event)
        statements.append(f"DROP TRIGGER IF EXISTS {trigger} ON {source.table}")
        if event not in source.events:
            continue
        statements += [
            f"CREATE TRIGGER {trigger} AFTER {event} ON {source.table} "
            f"REFERENCING {referencing[event]} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return statements


def _sqlite(source: Source) -> list[str]:
    statements = []
    for event, aliases in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
        trigger = trigger_name(source.table, event)
        statements.append(f"DROP TRIGGER IF EXISTS {trigger}")
        if event not in source.events:
            continue
        bumps = []
        for alias in aliases:
            row = ", ".join(f"{alias}.{column} AS {column}" for column in source.columns)
            bumps.append(_bump(source.programmes.format(rows=f"(SELECT {row})")))
        statements.append(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {source.table} FOR EACH ROW BEGIN "
            + " ".join(bumps)
            + " END"
        )
    return statements


# A user's name is shown by kept pages (who recorded a group's status): a change to it raises
# every programme's version. Only a change of the name: signing in writes the user's row too.
NAME_TRIGGER = "figures_accounts_user_name"


def _name_trigger(vendor: str) -> list[str]:
    bump = _bump(f"SELECT {EVERY_PROGRAMME} AS pid")
    if vendor == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {NAME_TRIGGER}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {bump} RETURN NULL; END $$",
            f"DROP TRIGGER IF EXISTS {NAME_TRIGGER} ON accounts_user",
            f"CREATE TRIGGER {NAME_TRIGGER} AFTER UPDATE OF full_name ON accounts_user "
            "FOR EACH ROW WHEN (OLD.full_name IS DISTINCT FROM NEW.full_name) "
            f"EXECUTE FUNCTION {NAME_TRIGGER}()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {NAME_TRIGGER}",
        f"CREATE TRIGGER {NAME_TRIGGER} AFTER UPDATE OF full_name ON accounts_user "
        f"FOR EACH ROW WHEN OLD.full_name IS NOT NEW.full_name BEGIN {bump} END",
    ]


def install(using=None) -> None:
    """Creates (or replaces) the triggers of every watched table. On SQLite, whose triggers
    are dropped while migrations run (uninstall), every programme's version is raised too:
    whatever a migration changed meanwhile reaches no cached figure."""
    from django.db import connections, transaction

    db = connections[using] if using else connection
    build = _postgresql if db.vendor == "postgresql" else _sqlite
    # In one transaction: a write during a deploy's migrate meets the old triggers or the new.
    with transaction.atomic(using=using), db.cursor() as cursor:
        # A table not there (its app migrated back to before it) has no rows to watch.
        present = set(db.introspection.table_names(cursor))
        for source in WATCHED:
            if source.table not in present:
                continue
            for statement in build(source):
                cursor.execute(statement)
        if "accounts_user" in present:
            for statement in _name_trigger(db.vendor):
                cursor.execute(statement)
        if db.vendor == "sqlite":
            cursor.execute(_bump(f"SELECT {EVERY_PROGRAMME} AS pid"))


def uninstall(using=None) -> None:
    """Drops the triggers before migrations run on SQLite (see meetings.summary.uninstall)."""
    from django.db import connections

    from meetings.summary import drop_triggers

    drop_triggers(connections[using] if using else connection, "figures_")


def versions(programme_id: int) -> str:
    """The version of the programme's figures, with that of every programme's: one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT programme_id, version FROM {TABLE} WHERE programme_id IN (%s, %s)",
            [EVERY_PROGRAMME, programme_id],
        )
        found = dict(cursor.fetchall())
    return f"{found.get(EVERY_PROGRAMME, 0)}.{found.get(programme_id, 0)}"
