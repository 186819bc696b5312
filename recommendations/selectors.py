"""Reads across meetings, people and recommendations, each defined once:

- representation: who was present (members marked present, not guests) at the meeting that
  took a decision or adopted a recommendation, by stakeholder category and by marker
  (veterans, young people, internally displaced people, women, people with disabilities);
- the programme's figures on recommendations (adopted, sent, answered in time, accepted,
  implemented) and on decisions taken with each marker present, which the dashboard, the
  report, the IPTT and the programme's list of recommendations all read from here.

Young people are those up to the programme's youth age (Programme.youth_max_age) in the year of
the meeting, as the meetings' monthly summary counts them (meetings.summary)."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import ExtractYear
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from cohesion.i18n import pick
from meetings.models import Attendance, Decision, Meeting
from recommendations.models import Answer, Implementation, ImplementationStep, Recommendation
from workinggroups.models import Person

# The markers a decision's representation is counted by, in the order they are shown.
MARKER_LABELS = {
    "veterans": _("Veterans or servicepeople"),
    "youth": _("Young people"),
    "idp": _("Internally displaced people"),
    "women": _("Women"),
    "disability": _("People with disabilities"),
}


def marker_conditions() -> dict[str, Q]:
    """Each marker as a condition on attendance rows (meetings.Attendance)."""
    person = "membership__person__"
    youngest_adult_year = ExtractYear("meeting__starts_at") - F(
        "meeting__group__programme__youth_max_age"
    )
    return {
        "veterans": Q(**{f"{person}is_veteran": True}),
        "youth": Q(**{f"{person}birth_year__gte": youngest_adult_year}),
        "idp": Q(**{f"{person}is_idp": True}),
        "women": Q(**{f"{person}sex": Person.Sex.FEMALE}),
        "disability": Q(**{f"{person}has_disability": True}),
    }


def present():
    """The attendance rows that count as presence: members marked present."""
    return Attendance.objects.filter(status=Attendance.Status.PRESENT)


@dataclass
class Representation:
    present: int = 0
    markers: dict[str, int] = field(default_factory=dict)
    categories: list[tuple[str, int]] = field(default_factory=list)

    @property
    def marker_rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.markers.get(code, 0)) for code, label in MARKER_LABELS.items()]


def representation_of(meeting_ids) -> dict[int, Representation]:
    """Who was present at each meeting, by marker and by category. Two queries, however many
    meetings; a meeting nobody attended gets an empty Representation."""
    ids = list(meeting_ids)
    found = {pk: Representation() for pk in ids}
    if not ids:
        return found
    conditions = marker_conditions()
    rows = (
        present()
        .filter(meeting_id__in=ids)
        .values("meeting_id")
        .annotate(
            total=Count("pk"),
            **{code: Count("pk", filter=condition) for code, condition in conditions.items()},
        )
        .order_by()
    )
    for row in rows:
        found[row["meeting_id"]].present = row["total"]
        found[row["meeting_id"]].markers = {code: row[code] for code in conditions}
    categories = (
        present()
        .filter(meeting_id__in=ids)
        .values(
            "meeting_id", "membership__category__name_uk", "membership__category__name_en",
            "membership__category__position", "membership__category__code",
        )
        .annotate(n=Count("pk"))
        .order_by("membership__category__position", "membership__category__code")
    )  # fmt: skip
    for row in categories:
        name = pick(row["membership__category__name_uk"], row["membership__category__name_en"])
        found[row["meeting_id"]].categories.append((name, row["n"]))
    return found


def decisions_in(programme, period, community=None):
    """The decisions of the programme's held meetings within the period."""
    decisions = Decision.objects.filter(
        meeting__group__programme=programme,
        meeting__status=Meeting.Status.HELD,
        meeting__starts_at__gte=period.start_at,
        meeting__starts_at__lt=period.end_at,
    )
    if community is not None:
        decisions = decisions.filter(meeting__group__community=community)
    return decisions


def decision_figures(programme, period, community=None) -> dict:
    """Decisions taken in the period, and those taken with each marker present (at least one
    member with it marked present at the meeting). One query."""
    aggregates = {"decisions_taken": Count("pk")}
    for code, condition in marker_conditions().items():
        with_marker = present().filter(condition, meeting_id=OuterRef("meeting_id"))
        aggregates[f"decisions_with_{code}"] = Count("pk", filter=Q(Exists(with_marker)))
    figures = decisions_in(programme, period, community).aggregate(**aggregates)
    taken = figures["decisions_taken"]
    for code in ("veterans", "youth"):
        part = figures[f"decisions_with_{code}"]
        figures[f"decisions_{code}_share"] = round(100 * part / taken) if taken else None
    return figures


def recommendations_in(programme, period, community=None):
    """The recommendations adopted at the programme's meetings within the period."""
    rows = Recommendation.objects.filter(
        group__programme=programme,
        meeting__starts_at__gte=period.start_at,
        meeting__starts_at__lt=period.end_at,
    )
    if community is not None:
        rows = rows.filter(group__community=community)
    return rows


def recommendation_figures(programme, period, community=None, *, today: datetime.date) -> dict:
    """The recommendations adopted in the period and, as they stood on the day the period's
    figures are taken (its last day, or today while it runs): sent; answered by their
    deadline; still without an answer after it; accepted, partly accepted; implemented (the
    latest step by then says so). One query."""
    as_of = period.as_of(today)
    answers = Answer.objects.filter(recommendation=OuterRef("pk"), received_on__lte=as_of)
    step_then = Subquery(
        ImplementationStep.objects.filter(recommendation=OuterRef("pk"), on__lte=as_of)
        .order_by("-on", "-recorded_at", "-pk")
        .values("status")[:1]
    )
    sent = Q(sent_on__lte=as_of)
    rows = recommendations_in(programme, period, community)
    return rows.aggregate(
        recommendations_adopted=Count("pk"),
        recommendations_sent=Count("pk", filter=sent),
        recommendations_answered_in_time=Count(
            "pk", filter=Q(Exists(answers.filter(received_on__lte=OuterRef("answer_due_on"))))
        ),
        recommendations_overdue=Count(
            "pk", filter=sent & Q(answer_due_on__lt=as_of) & ~Q(Exists(answers))
        ),
        recommendations_accepted=Count(
            "pk", filter=Q(Exists(answers.filter(outcome=Answer.Outcome.ACCEPTED)))
        ),
        recommendations_partly_accepted=Count(
            "pk", filter=Q(Exists(answers.filter(outcome=Answer.Outcome.PARTLY)))
        ),
        recommendations_implemented=Count(
            "pk", filter=Exact(step_then, Value(Implementation.IMPLEMENTED))
        ),
    )


HISTORY_LIMIT = 50


@dataclass
class HistoryEntry:
    when: datetime.datetime
    who: str
    what: str  # the kind of record
    created: bool
    changes: list  # (field label, was, now)


def history_of(recommendation: Recommendation) -> list[HistoryEntry]:
    """Who recorded or changed the recommendation, its answer and its steps, newest first (the
    latest HISTORY_LIMIT of each kind). Three queries, and one per kind of related record
    named in the changes."""
    from cohesion.history import changes_between

    records = []
    for history, condition in (
        (Recommendation.history, {"id": recommendation.pk}),
        (Answer.history, {"recommendation_id": recommendation.pk}),
        (ImplementationStep.history, {"recommendation_id": recommendation.pk}),
    ):
        found = history.filter(**condition).select_related("history_user")
        records += list(found.order_by("-history_date", "-history_id")[:HISTORY_LIMIT])
    records.sort(key=lambda record: (record.history_date, record.history_id))
    entries = [
        HistoryEntry(
            when=record.history_date,
            who=str(record.history_user) if record.history_user else "—",
            what=str(record.instance_type._meta.verbose_name),
            created=record.history_type == "+",
            changes=changes,
        )
        for record, changes in zip(records, changes_between(records), strict=True)
        if record.history_type == "+" or changes
    ]
    return entries[::-1]
