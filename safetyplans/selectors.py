"""Reading safety plans: a version's content in a fixed number of queries, the comparison of
two versions, implementation progress and the programme overview."""

import datetime
import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, F, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from cohesion import clock
from safetyplans.models import (
    Action,
    ActionTracking,
    ActionUpdate,
    Measure,
    PlanVersion,
    Priority,
    ReviewRound,
    SafetyPlan,
)
from safetyplans.snapshots import restore


@dataclass
class Progress:
    actions: int = 0
    done: int = 0
    cancelled: int = 0
    overdue: int = 0
    percent: int = 0  # the mean progress of the actions that are not cancelled

    @property
    def open(self) -> int:
        return self.actions - self.done - self.cancelled


@dataclass
class VersionContent:
    priorities: list
    actions: list
    budget: Decimal
    progress: Progress | None = None
    overdue: list = field(default_factory=list)
    overdue_ids: set = field(default_factory=set)


def _actions(version: PlanVersion, *, tracking: bool):
    queryset = version.actions.select_related(
        "responsible", "priority", "copied_from__community", "copied_from__programme", "measure"
    ).prefetch_related("partners", Prefetch("decisions", queryset=_decisions()))
    if tracking:
        queryset = queryset.select_related("tracking")
    return queryset.order_by("priority__position", "position", "pk")


def _decisions():
    from meetings.models import Decision

    return Decision.objects.select_related("meeting__group")


def version_content(version: PlanVersion, *, today=None) -> VersionContent:
    """Priorities, each with its actions, and the totals; for an approved version also the
    implementation progress, with the actions overdue today (none once the programme is
    completed). Five queries whatever the size of the plan."""
    tracking = version.status == PlanVersion.Status.APPROVED
    priorities = list(
        version.priorities.select_related("evidence_decision__meeting").order_by("position", "pk")
    )
    actions = list(_actions(version, tracking=tracking))
    by_priority = {p.pk: p for p in priorities}
    for priority in priorities:
        priority.action_list = []
    for action in actions:
        by_priority[action.priority_id].action_list.append(action)
    budget = sum((a.budget_uah or Decimal(0) for a in actions), Decimal(0))
    content = VersionContent(priorities=priorities, actions=actions, budget=budget)
    if tracking:
        trackings = [getattr(a, "tracking", None) for a in actions]
        overdue_on = version.plan.group.programme.deadlines_on(today or clock.today())
        content.progress = progress_of([t for t in trackings if t], overdue_on=overdue_on)
        content.overdue = [
            a
            for a, t in zip(actions, trackings, strict=True)
            if t and overdue_on and t.is_overdue(overdue_on)
        ]
        content.overdue_ids = {a.pk for a in content.overdue}
    return content


def progress_of(trackings, *, overdue_on: datetime.date | None) -> Progress:
    """Counts and mean progress of the trackings; overdue as of `overdue_on` (none if None)."""
    result = Progress(actions=len(trackings))
    counted = []
    for tracking in trackings:
        if tracking.status == ActionTracking.Status.DONE:
            result.done += 1
        elif tracking.status == ActionTracking.Status.CANCELLED:
            result.cancelled += 1
            continue
        if overdue_on and tracking.is_overdue(overdue_on):
            result.overdue += 1
        counted.append(tracking.progress)
    # Halves round up, as the overview's floatformat does, so both pages show the same.
    result.percent = int(sum(counted) / len(counted) + 0.5) if counted else 0
    return result


# --- decisions and the plan actions they fed ---------------------------------------------------


def followups_prefetch(user, *, drafts: bool) -> Prefetch:
    """For a list of meeting decisions: the plan actions each fed (`decision.followup_actions`),
    with their plan, version and progress, in one query. Donors (`drafts` False) see only the
    actions of approved and superseded versions, as on the plan's pages."""
    actions = Action.objects.filter(version__plan__in=SafetyPlan.objects.visible_to(user))
    if not drafts:
        actions = actions.filter(version__status__in=PlanVersion.FROZEN)
    actions = actions.select_related("version__plan__group__community", "tracking").order_by(
        "version__plan__period_start", "version__plan_id", "-version__number", "position", "pk"
    )
    return Prefetch("plan_actions", queryset=actions, to_attr="followup_actions")


def newest_per_action(actions) -> list:
    """One row per plan action across its versions (an action revised into a new version is the
    same action): the newest version's."""
    seen, kept = set(), []
    for action in actions:  # ordered newest version first within each plan
        if (action.version.plan_id, action.key) not in seen:
            seen.add((action.version.plan_id, action.key))
            kept.append(action)
    return kept


def decisions_with_followups(meeting, user, *, drafts: bool) -> list:
    """The meeting's decisions in order, each with `followups`: the plan actions it fed."""
    decisions = list(meeting.decisions.prefetch_related(followups_prefetch(user, drafts=drafts)))
    for decision in decisions:
        decision.followups = newest_per_action(decision.followup_actions)
    return decisions


# A group takes dozens of decisions a year: the picker shows a few at a time, found by search.
DECISION_OPTIONS_MAX = 20


def decisions_matching(
    decisions,
    *,
    text: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    keep=(),
) -> list:
    """Of `decisions` (one group's, newest first), the ones chosen already (`keep`, ids) and
    then at most DECISION_OPTIONS_MAX more that hold `text` and were taken between the dates."""
    found = decisions
    if text:
        found = found.filter(text__icontains=text)
    if since:
        found = found.filter(meeting__starts_at__gte=clock.start_of(since))
    if until:
        found = found.filter(
            meeting__starts_at__lt=clock.start_of(until + datetime.timedelta(days=1))
        )
    keep = {int(pk) for pk in keep if str(pk).isdecimal()}
    chosen = list(decisions.filter(pk__in=keep)) if keep else []
    more = list(found.exclude(pk__in=keep)[:DECISION_OPTIONS_MAX])
    return chosen + more


# --- progress reported at meetings -----------------------------------------------------------


def trackings_in_force(group):
    """The actions of the group's plans in force, by plan and order: what a meeting may report
    progress on."""
    return (
        ActionTracking.objects.filter(
            plan__group=group, action__version__status=PlanVersion.Status.APPROVED
        )
        .select_related("action__priority", "plan")
        .order_by("plan__period_start", "action__priority__position", "action__position", "pk")
    )


def progress_reported_at(meeting):
    """The progress updates reported at the meeting, with their actions."""
    return (
        ActionUpdate.objects.filter(meeting=meeting)
        .select_related("tracking__action__version", "tracking__plan", "recorded_by")
        .order_by("recorded_at", "pk")
    )


# --- the library of measures -----------------------------------------------------------------


def library(user, *, text: str = "", category: str = ""):
    """The measures the user may see (their programmes'), matching the text and category,
    newest first."""
    measures = Measure.objects.visible_to(user).search(text)
    if category:
        measures = measures.filter(category=category)
    return measures.select_related("programme", "community").order_by("-created_at", "-pk")


# --- comparing versions ---------------------------------------------------------------------


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class ItemDiff:
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed: list = field(default_factory=list)  # (old, new, [Change])

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass
class VersionDiff:
    old: PlanVersion
    new: PlanVersion
    context: Change | None
    priorities: ItemDiff
    actions: ItemDiff

    @property
    def empty(self) -> bool:
        return self.context is None and self.priorities.empty and self.actions.empty


def _display(obj, name: str) -> str:
    value = getattr(obj, name)
    getter = getattr(obj, f"get_{name}_display", None)
    if getter and value not in (None, ""):
        return str(getter())
    if value is None or value == "":
        return "—"
    if hasattr(value, "strftime"):
        return f"{value:%d.%m.%Y}"
    return str(value)


PRIORITY_COMPARED = (
    "issue", "category", "description", "likelihood", "impact", "evidence", "evidence_note",
)  # fmt: skip
ACTION_COMPARED = (
    "activity", "responsible_other", "partners_other", "starts_on", "ends_on", "budget_uah",
    "funding_source", "indicator",
)  # fmt: skip


def _field_changes(old, new, names) -> list[Change]:
    changes = []
    for name in names:
        if getattr(old, name) != getattr(new, name):
            label = str(type(new)._meta.get_field(name).verbose_name)
            changes.append(Change(capfirst(label), _display(old, name), _display(new, name)))
    return changes


def _priority_changes(old: Priority, new: Priority) -> list[Change]:
    changes = _field_changes(old, new, PRIORITY_COMPARED)
    if old.evidence_decision_id != new.evidence_decision_id:
        changes.append(
            Change(
                _("Meeting decision"),
                str(old.evidence_decision or "—"),
                str(new.evidence_decision or "—"),
            )
        )
    return changes


def _names(items) -> str:
    return ", ".join(sorted(str(i) for i in items)) or "—"


def _linked(action: Action, name: str) -> list:
    """An action's partners or meeting decisions: prefetched, or restored from a review's
    snapshot (an unsaved action has no many-to-many of its own)."""
    restored = getattr(action, "restored_links", None)
    if restored is not None:
        return restored[name]
    return list(getattr(action, name).all())


def _action_changes(old: Action, new: Action) -> list[Change]:
    changes = _field_changes(old, new, ACTION_COMPARED)
    if old.priority.key != new.priority.key:
        changes.append(Change(_("Priority"), str(old.priority), str(new.priority)))
    if old.responsible_id != new.responsible_id:
        changes.append(
            Change(
                _("Responsible organisation"),
                str(old.responsible or "—"),
                str(new.responsible or "—"),
            )
        )
    old_partners, new_partners = _linked(old, "partners"), _linked(new, "partners")
    if {p.pk for p in old_partners} != {p.pk for p in new_partners}:
        changes.append(Change(_("Partners"), _names(old_partners), _names(new_partners)))
    old_decisions, new_decisions = _linked(old, "decisions"), _linked(new, "decisions")
    if {d.pk for d in old_decisions} != {d.pk for d in new_decisions}:
        changes.append(
            Change(_("From meeting decisions"), _names(old_decisions), _names(new_decisions))
        )
    return changes


def _diff(old_items, new_items, changes_of) -> ItemDiff:
    old_by_key = {i.key: i for i in old_items}
    new_by_key = {i.key: i for i in new_items}
    diff = ItemDiff()
    for item in new_items:
        before = old_by_key.get(item.key)
        if before is None:
            diff.added.append(item)
        elif changes := changes_of(before, item):
            diff.changed.append((before, item, changes))
    diff.removed = [i for i in old_items if i.key not in new_by_key]
    return diff


def compare(old: PlanVersion, new: PlanVersion) -> VersionDiff:
    """What changed from `old` to `new`: priorities and actions are matched across versions by
    the key they keep when a version is revised."""
    old_content, new_content = version_content(old), version_content(new)
    context = None
    if old.context_summary != new.context_summary:
        context = Change(_("Context"), old.context_summary or "—", new.context_summary or "—")
    return VersionDiff(
        old=old,
        new=new,
        context=context,
        priorities=_diff(old_content.priorities, new_content.priorities, _priority_changes),
        actions=_diff(old_content.actions, new_content.actions, _action_changes),
    )


def previous_version(version: PlanVersion) -> PlanVersion | None:
    """The version to compare a version with: the one it was revised from, else the one before."""
    if version.based_on_id:
        return version.based_on
    return version.plan.versions.filter(number__lt=version.number).order_by("-number").first()


# --- changes since the reviewer's comments ---------------------------------------------------


def word_diff(old: str, new: str) -> SafeString:
    """`new` with the words it gained in <ins> and those it lost from `old` in <del>, every
    piece of text escaped; line breaks kept as <br>."""
    before, after = _words(old), _words(new)
    pieces = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(_html("".join(after[b1:b2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(_marked("del", "".join(before[a1:a2])))
        if op in ("insert", "replace"):
            pieces.append(_marked("ins", "".join(after[b1:b2])))
    # Every piece of text was escaped above.
    return mark_safe("".join(pieces))


def _words(text: str) -> list[str]:
    # Words and the spaces between them, so that joining the pieces gives the text back.
    return [piece for piece in re.split(r"(\s+)", text or "") if piece]


def _marked(tag: str, text: str) -> str:
    # Spaces at the edges stay outside the mark ("б. <ins>Є укриття.</ins>"); line breaks
    # stay inside, so that a removed line break does not show as one.
    core = text.strip(" \t")
    lead, trail = text[: len(text) - len(text.lstrip(" \t"))], text[len(text.rstrip(" \t")) :]
    if not core:
        return f"<{tag}>{_html(text)}</{tag}>"
    return f"{_html(lead)}<{tag}>{_html(core)}</{tag}>{_html(trail)}"


def _html(text: str) -> str:
    return str(escape(text)).replace("\r\n", "\n").replace("\n", "<br>")


@dataclass
class ReviewChanges:
    """What changed in a version since it was last returned: `round` is that return (its
    comments, reviewer and date), `earlier` the rounds before it, newest first."""

    round: ReviewRound
    earlier: list
    context: SafeString | None
    priorities: ItemDiff
    actions: ItemDiff

    @property
    def empty(self) -> bool:
        return self.context is None and self.priorities.empty and self.actions.empty


def changes_since_review(version: PlanVersion, content: VersionContent) -> ReviewChanges | None:
    """The version's content (`content`, as version_content read it) against the snapshot of
    its latest return, or None if it was never returned. Three queries at most: the rounds,
    and the organisations and meeting decisions the snapshot names."""
    rounds = list(version.review_rounds.select_related("reviewer").order_by("-number"))
    if not rounds:
        return None
    latest = rounds[0]
    context, priorities, actions = restore(latest.snapshot)
    return ReviewChanges(
        round=latest,
        earlier=rounds[1:],
        context=word_diff(context, version.context_summary)
        if context != version.context_summary
        else None,
        priorities=_diff(priorities, content.priorities, _priority_changes),
        actions=_diff(actions, content.actions, _action_changes),
    )


# --- overview -------------------------------------------------------------------------------


def programme_plan_ids(programme):
    """The programme's plans in the overview's order, ids only: the page is chosen on these
    before any plan's figures are computed."""
    return (
        SafetyPlan.objects.filter(group__programme=programme)
        .order_by("group__community__name_uk", "-period_start")
        .values_list("pk", flat=True)
    )


def programme_plans(programme, *, today=None):
    """Every plan of the programme with its status, the version in force (approval and
    progress) and the version being prepared beside it, in two queries; actions overdue
    today, none once the programme is completed."""
    overdue_on = programme.deadlines_on(today or clock.today())
    in_force = Q(trackings__action__version=F("approved_version"))
    not_cancelled = in_force & ~Q(trackings__status=ActionTracking.Status.CANCELLED)
    open_version = PlanVersion.objects.filter(plan=OuterRef("pk"), status__in=PlanVersion.OPEN)
    return (
        SafetyPlan.objects.filter(group__programme=programme)
        .select_related("group__community", "approved_version")
        .annotate(
            actions_count=Count("trackings", filter=in_force),
            done_count=Count("trackings", filter=in_force & Q(trackings__status="done")),
            overdue_count=Count(
                "trackings",
                filter=in_force
                & ~Q(trackings__status__in=ActionTracking.CLOSED)
                & Q(trackings__action__ends_on__lt=overdue_on),
            )
            if overdue_on
            else Value(0),
            progress_percent=Avg("trackings__progress", filter=not_cancelled),
            budget=Sum("trackings__action__budget_uah", filter=in_force),
            # The version being prepared beside the one in force (one at most).
            open_number=Subquery(open_version.values("number")[:1]),
            open_status=Subquery(open_version.values("status")[:1]),
        )
        .order_by("group__community__name_uk", "-period_start")
    )


def overview_rows(plans) -> list[SafetyPlan]:
    """The overview's plans, each with the label of its open version's status."""
    rows = list(plans)
    for plan in rows:
        plan.open_label = PlanVersion.Status(plan.open_status).label if plan.open_status else ""
    return rows


# --- what is saved, for the conflict messages of the editing pages ---------------------------


def saved_version(version: PlanVersion) -> PlanVersion:
    """The version as saved now (someone else may have changed it meanwhile)."""
    return PlanVersion.objects.get(pk=version.pk)


def saved_item(model, item):
    """The priority or action as saved now, or None if it was removed meanwhile."""
    return model.objects.filter(pk=item.pk).first()


def version_still_editable(version: PlanVersion) -> bool:
    return PlanVersion.objects.filter(pk=version.pk, status__in=PlanVersion.EDITABLE).exists()


def edited_item(model, version: PlanVersion, pk: int):
    """The priority or action `pk` of this version, or None if it is not (or no longer) there."""
    return model.objects.filter(version=version, pk=pk).select_related("version").first()
