"""Reading engagement records: needs-to-opportunities matching, event attendance figures,
youth participation by age band, and what may be shown of a person to whom."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, Prefetch, Q

from cohesion import clock
from cohesion.collation import ukrainian_key
from cohesion.i18n import pick
from communities.models import Community, Organisation
from engagement.models import (
    AssessedNeed,
    Event,
    NeedsAssessment,
    Opportunity,
    Participant,
    YouthLeader,
    YouthSupport,
)
from workinggroups.models import Membership, Person

# --- matching -------------------------------------------------------------------------------


@dataclass
class NeedMatch:
    need: AssessedNeed
    opportunities: list = field(default_factory=list)

    @property
    def is_gap(self) -> bool:
        return not self.opportunities


@dataclass
class CommunityMatch:
    community: object
    assessment: NeedsAssessment
    needs: list  # of NeedMatch, the most severe first

    @property
    def gaps(self) -> list:
        return [n for n in self.needs if n.is_gap]

    @property
    def covered(self) -> list:
        return [n for n in self.needs if not n.is_gap]


def _answers(opportunity: Opportunity, need: AssessedNeed, community_id: int) -> bool:
    """An opportunity answers a need when it addresses the need's category, is open in the
    community (an opportunity naming no community is open in all of the programme's), and is
    open at some time during the assessment's period."""
    assessment = need.assessment
    return (
        need.category in opportunity.category_set
        and (not opportunity.community_ids or community_id in opportunity.community_ids)
        and opportunity.starts_on <= assessment.period_end
        and (opportunity.ends_on is None or opportunity.ends_on >= assessment.period_start)
    )


def matching(programme, *, communities=None) -> list[CommunityMatch]:
    """For each community with a needs assessment, its latest assessment's needs, each with
    the opportunities that answer it; a need with none is a gap. Three queries."""
    assessments = (
        NeedsAssessment.objects.filter(programme=programme)
        .select_related("community")
        .prefetch_related(
            Prefetch("needs", queryset=AssessedNeed.objects.order_by("-severity", "category"))
        )
        .order_by("community_id", "-period_end", "-pk")
    )
    if communities is not None:
        assessments = assessments.filter(community__in=communities)
    latest = {}
    for assessment in assessments:
        latest.setdefault(assessment.community_id, assessment)
    opportunities = list(
        Opportunity.objects.filter(programme=programme).prefetch_related("needs", "communities")
    )
    for opportunity in opportunities:
        opportunity.category_set = {n.category for n in opportunity.needs.all()}
        opportunity.community_ids = {c.pk for c in opportunity.communities.all()}
    result = []
    for community_id, assessment in latest.items():
        needs = []
        for need in assessment.needs.all():
            need.assessment = assessment
            answering = [o for o in opportunities if _answers(o, need, community_id)]
            needs.append(NeedMatch(need=need, opportunities=answering))
        result.append(CommunityMatch(assessment.community, assessment, needs))
    result.sort(key=lambda m: ukrainian_key(m.community.name_uk))
    return result


# --- events ---------------------------------------------------------------------------------


def with_attendance(events):
    """Events annotated with registered, present and absent counts and the mean change in
    self-assessment of those who gave both scores."""
    Attendance = Participant.Attendance
    return events.annotate(
        registered_count=Count("participants", distinct=True),
        present_count=Count(
            "participants", filter=Q(participants__attendance=Attendance.PRESENT), distinct=True
        ),
        absent_count=Count(
            "participants", filter=Q(participants__attendance=Attendance.ABSENT), distinct=True
        ),
        score_gain=Avg(
            F("participants__score_after") - F("participants__score_before"),
            filter=Q(
                participants__score_after__isnull=False,
                participants__score_before__isnull=False,
            ),
        ),
    )


@dataclass
class AttendanceFigures:
    registered: int
    present: int
    absent: int
    by_community: list  # (community name, registered, present)
    by_sex: dict  # sex -> present
    score_gain: float | None

    @property
    def score_change(self) -> float | None:
        return abs(self.score_gain) if self.score_gain is not None else None


def attendance_figures(event: Event) -> AttendanceFigures:
    """The attendance of one event, by community and by sex. Two queries."""
    Attendance = Participant.Attendance
    rows = list(
        # By id: two hromadas of the same name in different oblasts stay apart.
        event.participants.values("community_id", "community__name_uk", "community__name_en")
        .annotate(
            registered=Count("pk"),
            present=Count("pk", filter=Q(attendance=Attendance.PRESENT)),
            absent=Count("pk", filter=Q(attendance=Attendance.ABSENT)),
        )
        .order_by("community__name_uk")
    )
    from cohesion.i18n import pick

    by_sex = dict(
        event.participants.filter(attendance=Attendance.PRESENT)
        .values_list("person__sex")
        .annotate(n=Count("pk"))
        .order_by()
    )
    scores = event.participants.filter(score_before__isnull=False, score_after__isnull=False)
    gain = scores.aggregate(g=Avg(F("score_after") - F("score_before")))["g"]
    return AttendanceFigures(
        registered=sum(r["registered"] for r in rows),
        present=sum(r["present"] for r in rows),
        absent=sum(r["absent"] for r in rows),
        by_community=[
            (pick(r["community__name_uk"], r["community__name_en"]), r["registered"], r["present"])
            for r in rows
        ],
        by_sex=by_sex,
        # Unrounded: templates round it (floatformat, halves up) as the events list does.
        score_gain=gain,
    )


# --- youth ----------------------------------------------------------------------------------


def programme_people(programme):
    """Everyone taking part in the programme, once: group members (current and past), youth
    leaders and event participants."""
    return Person.objects.filter(
        Q(pk__in=Membership.objects.filter(group__programme=programme).values("person_id"))
        | Q(pk__in=YouthLeader.objects.filter(programme=programme).values("person_id"))
        | Q(pk__in=Participant.objects.filter(event__programme=programme).values("person_id"))
    )


def youth_support_counts(programme) -> dict:
    from engagement.models import YouthSupport

    return dict(
        YouthSupport.objects.filter(youth_leader__programme=programme)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )


# --- privacy --------------------------------------------------------------------------------


def since(days: int) -> datetime.date:
    return clock.today() - datetime.timedelta(days=days)


def counts_by_choice(queryset, field: str, choices) -> list[tuple[str, int]]:
    """(label, count) for every choice, in one query."""
    found = dict(queryset.values_list(field).annotate(n=Count("pk")).order_by())
    return [(label, found.get(value, 0)) for value, label in choices]


def youth_figures(programme) -> dict:
    """The youth page's figures, the same for everyone who may open it: youth leaders in all
    and by community, their support by kind, and the youth organisations (of the programme's
    communities, and those its youth leaders belong to wherever they are registered)."""
    leaders = YouthLeader.objects.filter(programme=programme)
    return {
        "leader_total": leaders.count(),
        "leaders_by_community": [
            (pick(row["community__name_uk"], row["community__name_en"]), row["n"])
            for row in leaders.values("community__name_uk", "community__name_en")
            .annotate(n=Count("pk"))
            .order_by("community__name_uk")
        ],
        "support_counts": counts_by_choice(
            YouthSupport.objects.filter(youth_leader__programme=programme),
            "kind",
            YouthSupport.Kind.choices,
        ),
        "organisations": Organisation.objects.filter(kind=Organisation.Kind.YOUTH_ORGANISATION)
        .filter(
            Q(community__in=programme_communities(programme))
            | Q(pk__in=leaders.values("organisation_id"))
        )
        .select_related("community"),
    }


def member_choices(event: Event):
    """Current members of the groups taking part (named, or in the host or a visiting
    community), grouped by community, leaving out those already registered."""
    communities = [
        event.host_community_id,
        *event.visiting_communities.values_list("pk", flat=True),
    ]
    registered = event.participants.values("person_id")
    memberships = (
        Membership.objects.current()
        .filter(group__programme=event.programme)
        .filter(Q(group__in=event.groups.all()) | Q(group__community_id__in=communities))
        .exclude(person_id__in=registered)
        .select_related("person", "group__community")
        .order_by("group__community__name_uk", "person__full_name")
    )
    grouped: dict[str, list] = {}
    for membership in memberships:
        grouped.setdefault(membership.group.community.full_name, []).append(
            (str(membership.pk), membership.person.full_name)
        )
    return list(grouped.items()), {str(m.pk): m for m in memberships}


def programme_communities(programme):
    """The communities ever enrolled in the programme, by name."""
    return Community.objects.filter(enrolments__programme=programme).distinct().order_by("name_uk")
