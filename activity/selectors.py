"""The programme's activity: who changed what, and when, across the history that
django-simple-history keeps (people, memberships, groups, meetings, safety plans, access) and
the attendance sheets taken, newest first, one page at a time.

The history is kept in one table per model. A page is read as a UNION of (kind, key, moment)
over those tables, ordered and cut to the page in the database, then each page's rows are
fetched from their own tables with the record before each (to say what changed), and the
records they name in one query per model: the same few queries however long the history."""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import CharField, F, OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Invitation, Role, RoleAssignment, User
from cohesion import clock
from cohesion.history import EMPTY, changes_between
from cohesion.i18n import pick
from meetings.models import ActionItem, Meeting, SheetExport
from safetyplans.models import Action, ActionTracking, PlanVersion, Priority, SafetyPlan
from workinggroups.models import Membership, Person, WorkingGroup


class Area(models.TextChoices):
    """What the filter offers as the kind of record: the areas of a programme's work."""

    PEOPLE = "people", gettext_lazy("People")
    MEMBERSHIPS = "memberships", gettext_lazy("Memberships")
    GROUPS = "groups", gettext_lazy("Working groups")
    MEETINGS = "meetings", gettext_lazy("Meetings and action items")
    SHEETS = "sheets", gettext_lazy("Attendance sheets taken")
    PLANS = "plans", gettext_lazy("Safety plans")
    ACCESS = "access", gettext_lazy("Access")


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the activity to (None: everything)."""

    areas: frozenset[str] | None = None
    user_id: int | None = None
    group_id: int | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None


# Records an entry names, loaded once per model for a page: (model, pk) -> the live object.
Refs = dict[tuple[type, int], models.Model]
Ref = tuple[type, int | None]


@dataclass(frozen=True)
class Source:
    """One table of the history: where its rows' programme and group are, and how an entry
    names the record it is about."""

    kind: str
    area: str
    model: type[models.Model]
    # Lookups from a historical row to its programme's and its group's id; a person belongs to
    # a programme through their memberships (see _scoped).
    programme: str
    group: str | None
    refs: Callable[[models.Model], list[Ref]]
    name: Callable[[models.Model, Refs], str]
    url: Callable[[models.Model, Refs], str | None]

    @property
    def history(self) -> type[models.Model]:
        return self.model.history.model


def _live(refs: Refs, model: type, pk) -> models.Model | None:
    return refs.get((model, pk)) if pk is not None else None


def _url_of(model: type, attname: str = "id") -> Callable:
    def url(record, refs):
        target = _live(refs, model, getattr(record, attname))
        return target.get_absolute_url() if target is not None else None

    return url


def _named(refs: Refs, model: type, pk) -> str:
    """The live record's name, or a dash for one since deleted."""
    target = _live(refs, model, pk)
    return str(target) if target is not None else EMPTY


def _membership_name(record, refs: Refs) -> str:
    person = _named(refs, Person, record.person_id)
    return f"{person} · {_named(refs, WorkingGroup, record.group_id)}"


def _meeting_name(record, refs: Refs) -> str:
    group = _named(refs, WorkingGroup, record.group_id)
    return f"{group} · {timezone.localtime(record.starts_at):%d.%m.%Y %H:%M}"


def _version_name(record, refs: Refs) -> str:
    return _("%(plan)s, version %(number)s") % {
        "plan": _named(refs, SafetyPlan, record.plan_id),
        "number": record.number,
    }


def _assignment_name(record, refs: Refs) -> str:
    parts = [_named(refs, User, record.user_id), Role(record.role).label]
    if record.working_group_id:
        parts.append(_named(refs, WorkingGroup, record.working_group_id))
    return " · ".join(str(part) for part in parts)


SOURCES = [
    Source(
        kind="person", area=Area.PEOPLE, model=Person, programme="", group=None,
        refs=lambda r: [(Person, r.id)],
        name=lambda r, refs: r.full_name,
        url=_url_of(Person),
    ),
    Source(
        kind="membership", area=Area.MEMBERSHIPS, model=Membership,
        programme="group__programme_id", group="group_id",
        refs=lambda r: [(Person, r.person_id), (WorkingGroup, r.group_id)],
        name=_membership_name,
        url=_url_of(Person, "person_id"),
    ),
    Source(
        kind="group", area=Area.GROUPS, model=WorkingGroup, programme="programme_id", group="id",
        refs=lambda r: [(WorkingGroup, r.id)],
        name=lambda r, refs: pick(r.name_uk, r.name_en),
        url=_url_of(WorkingGroup),
    ),
    Source(
        kind="meeting", area=Area.MEETINGS, model=Meeting,
        programme="group__programme_id", group="group_id",
        refs=lambda r: [(Meeting, r.id), (WorkingGroup, r.group_id)],
        name=_meeting_name,
        url=_url_of(Meeting),
    ),
    Source(
        kind="action_item", area=Area.MEETINGS, model=ActionItem,
        programme="group__programme_id", group="group_id",
        refs=lambda r: [(Meeting, r.meeting_id)],
        name=lambda r, refs: r.description,
        url=_url_of(Meeting, "meeting_id"),
    ),
    Source(
        kind="plan", area=Area.PLANS, model=SafetyPlan,
        programme="group__programme_id", group="group_id",
        refs=lambda r: [(SafetyPlan, r.id), (WorkingGroup, r.group_id)],
        name=lambda r, refs: (
            str(refs.get((SafetyPlan, r.id)) or _named(refs, WorkingGroup, r.group_id))
        ),
        url=_url_of(SafetyPlan),
    ),
    Source(
        kind="plan_version", area=Area.PLANS, model=PlanVersion,
        programme="plan__group__programme_id", group="plan__group_id",
        refs=lambda r: [(PlanVersion, r.id), (SafetyPlan, r.plan_id)],
        name=_version_name,
        url=_url_of(PlanVersion),
    ),
    Source(
        kind="priority", area=Area.PLANS, model=Priority,
        programme="version__plan__group__programme_id", group="version__plan__group_id",
        refs=lambda r: [(PlanVersion, r.version_id)],
        name=lambda r, refs: r.issue,
        url=_url_of(PlanVersion, "version_id"),
    ),
    Source(
        kind="plan_action", area=Area.PLANS, model=Action,
        programme="version__plan__group__programme_id", group="version__plan__group_id",
        refs=lambda r: [(PlanVersion, r.version_id)],
        name=lambda r, refs: r.activity,
        url=_url_of(PlanVersion, "version_id"),
    ),
    Source(
        kind="tracking", area=Area.PLANS, model=ActionTracking,
        programme="plan__group__programme_id", group="plan__group_id",
        refs=lambda r: [(Action, r.action_id), (SafetyPlan, r.plan_id)],
        name=lambda r, refs: _named(refs, Action, r.action_id),
        url=_url_of(SafetyPlan, "plan_id"),
    ),
    Source(
        kind="role", area=Area.ACCESS, model=RoleAssignment,
        programme="programme_id", group="working_group_id",
        refs=lambda r: [(User, r.user_id), (WorkingGroup, r.working_group_id)],
        name=_assignment_name,
        url=lambda r, refs: None,
    ),
    Source(
        kind="invitation", area=Area.ACCESS, model=Invitation,
        programme="programme_id", group="working_group_id",
        refs=lambda r: [],
        name=lambda r, refs: f"{r.email} ({Role(r.role).label})",
        url=lambda r, refs: None,
    ),
]  # fmt: skip
BY_KIND = {source.kind: source for source in SOURCES}
SHEETS = "sheet"

# How each model an entry names is loaded: with what its name needs.
LOADERS: dict[type, tuple[str, ...]] = {
    Meeting: ("group",),
    SafetyPlan: ("group__community",),
    PlanVersion: ("plan__group__community",),
}

HISTORY_TYPES = {
    "+": gettext_lazy("created"),
    "~": gettext_lazy("changed"),
    "-": gettext_lazy("deleted"),
}


@dataclass
class Entry:
    when: datetime.datetime
    who: str
    kind: str
    name: str
    url: str | None
    action: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def _window(rows, moment: str, filters: Filters):
    if filters.since:
        rows = rows.filter(**{f"{moment}__gte": clock.start_of(filters.since)})
    if filters.until:
        until = clock.start_of(filters.until + datetime.timedelta(days=1))
        rows = rows.filter(**{f"{moment}__lt": until})
    return rows


def _people_of(programme_id: int, group_id: int | None):
    memberships = Membership.objects.filter(group__programme_id=programme_id)
    if group_id:
        memberships = memberships.filter(group_id=group_id)
    return memberships.values("person_id")


def _scoped(source: Source, programme_id: int, filters: Filters):
    rows = source.history.objects.all()
    if source.model is Person:
        rows = rows.filter(id__in=_people_of(programme_id, filters.group_id))
    else:
        rows = rows.filter(**{source.programme: programme_id})
        if filters.group_id:
            rows = rows.filter(**{source.group: filters.group_id})
    if filters.user_id:
        rows = rows.filter(history_user_id=filters.user_id)
    return _window(rows, "history_date", filters)


def _keys(rows, kind: str, key: str, moment: str):
    # Each part unordered (the historical tables order by date): SQLite takes no ORDER BY
    # inside a compound statement, and the union is ordered as a whole.
    return (
        rows.order_by()
        .annotate(kind=Value(kind, output_field=CharField()), key=F(key), moment=F(moment))
        .values_list("kind", "key", "moment")
    )


def activity_stream(programme_id: int, filters: Filters = Filters()):
    """The programme's activity as (kind, key, moment) rows, newest first: one UNION ALL query
    over the historical tables (and the sheets taken) that the filters let through, which the
    paginator counts and cuts to a page in the database."""
    parts = [
        _keys(_scoped(source, programme_id, filters), source.kind, "history_id", "history_date")
        for source in SOURCES
        if filters.areas is None or source.area in filters.areas
    ]
    if filters.areas is None or Area.SHEETS in filters.areas:
        sheets = SheetExport.objects.filter(group__programme_id=programme_id)
        if filters.group_id:
            sheets = sheets.filter(group_id=filters.group_id)
        if filters.user_id:
            sheets = sheets.filter(exported_by_id=filters.user_id)
        parts.append(_keys(_window(sheets, "exported_at", filters), SHEETS, "pk", "exported_at"))
    if not parts:
        return []
    first, *others = parts
    return first.union(*others, all=True).order_by("-moment", "-key", "kind")


def _with_previous(history: type[models.Model], keys: list[int]):
    """The historical rows with these keys and the row before each of the same object (to
    compare with), in one query."""
    before = history.objects.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    previous = history.objects.filter(history_id__in=keys).annotate(
        previous=Subquery(before.order_by("-history_date", "-history_id").values("history_id")[:1])
    )
    return history.objects.filter(
        Q(history_id__in=keys) | Q(history_id__in=previous.values("previous"))
    ).select_related("history_user")


def _load(wanted: dict[type, set]) -> Refs:
    refs: Refs = {}
    for model, ids in wanted.items():
        ids.discard(None)
        if not ids:
            continue
        rows = model._base_manager.filter(pk__in=ids).select_related(*LOADERS.get(model, ()))
        refs.update({(model, row.pk): row for row in rows})
    return refs


def _who(user) -> str:
    return str(user) if user is not None else _("system")


def activity_entries(rows) -> list[Entry]:
    """The entries of one page of activity_stream, in its order: one query per kind of record
    on the page, one per model the entries name and one per model a change names."""
    keys: dict[str, list[int]] = defaultdict(list)
    for kind, key, _moment in rows:
        keys[kind].append(key)
    records: dict[tuple[str, int], models.Model] = {}
    compared: list = []
    for kind, ids in keys.items():
        if kind == SHEETS:
            sheets = SheetExport.objects.filter(pk__in=ids).select_related("exported_by", "group")
            records.update({(kind, sheet.pk): sheet for sheet in sheets})
            continue
        for record in _with_previous(BY_KIND[kind].history, ids):
            compared.append(record)
            records[(kind, record.history_id)] = record
    compared.sort(key=lambda r: (r.history_date, r.history_id))
    changes = {
        (type(record), record.history_id): found
        for record, found in zip(compared, changes_between(compared), strict=True)
    }
    wanted: dict[type, set] = defaultdict(set)
    for (kind, _key), record in records.items():
        if kind != SHEETS:
            for model, pk in BY_KIND[kind].refs(record):
                wanted[model].add(pk)
    refs = _load(wanted)
    entries = []
    for kind, key, moment in rows:
        record = records.get((kind, key))
        if record is None:  # gone between the two queries
            continue
        if kind == SHEETS:
            entries.append(_sheet_entry(record, moment))
            continue
        source = BY_KIND[kind]
        entries.append(
            Entry(
                when=moment,
                who=_who(record.history_user),
                kind=capfirst(source.model._meta.verbose_name),
                name=source.name(record, refs),
                url=source.url(record, refs),
                action=str(HISTORY_TYPES[record.history_type]),
                changes=changes[(type(record), record.history_id)],
            )
        )
    return entries


def _sheet_entry(sheet: SheetExport, moment) -> Entry:
    return Entry(
        when=moment,
        who=_who(sheet.exported_by),
        kind=capfirst(WorkingGroup._meta.verbose_name),
        name=str(sheet.group),
        url=sheet.group.get_absolute_url(),
        action=_("attendance sheet taken"),
    )
