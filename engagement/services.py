"""State changes for youth leaders, the veteran sphere and events. Views decide who may call
these (coordinators of the programme); these functions keep the records consistent."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from cohesion import clock
from cohesion.text import clean_text
from communities.models import Community, Programme
from engagement.models import (
    AssessedNeed,
    Event,
    EventTopic,
    NeedsAssessment,
    Opportunity,
    OpportunityNeed,
    Participant,
    VeteranOrganisation,
    YouthLeader,
    YouthSupport,
)
from workinggroups.models import Person, WorkingGroup


def _enrolled(programme: Programme, community: Community, field: str = "community") -> None:
    if not programme.enrolments.filter(community=community).exists():
        raise ValidationError({field: _("The community is not part of this programme.")})


def _ordered(start, end, field: str = "ends_on") -> None:
    if start and end and end < start:
        raise ValidationError({field: _("The end is before the start.")})


# --- youth ----------------------------------------------------------------------------------


def _check_youth(programme: Programme, person: Person, since: datetime.date) -> None:
    if person.birth_year and since.year - person.birth_year > programme.youth_max_age:
        raise ValidationError(
            {
                "person": _(
                    "%(name)s is older than %(age)s, the programme's age limit for young people."
                )
                % {"name": person.full_name, "age": programme.youth_max_age}
            }
        )


@transaction.atomic
def youth_leader_save(
    *,
    programme: Programme,
    person: Person,
    community: Community,
    focus: str,
    since: datetime.date,
    until: datetime.date | None = None,
    organisation=None,
    notes: str = "",
    leader: YouthLeader | None = None,
    by: User | None = None,
) -> YouthLeader:
    """Adds a youth leader, or updates `leader`."""
    _enrolled(programme, community)
    _ordered(since, until, "until")
    _check_youth(programme, person, since)
    if not clean_text(focus):
        raise ValidationError({"focus": _("Say what they work on.")})
    leader = leader or YouthLeader(programme=programme)
    leader.person, leader.community, leader.organisation = person, community, organisation
    leader.focus, leader.since, leader.until, leader.notes = (
        clean_text(focus),
        since,
        until,
        clean_text(notes),
    )
    try:
        with transaction.atomic():
            leader.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"person": _("This person is already a youth leader in the programme.")}
        ) from exc
    return leader


@transaction.atomic
def youth_support_save(
    *,
    youth_leader: YouthLeader,
    kind: str,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    provider=None,
    provider_other: str = "",
    amount_uah=None,
    outcome: str = "",
    event: Event | None = None,
    support: YouthSupport | None = None,
    by: User | None = None,
) -> YouthSupport:
    _ordered(starts_on, ends_on)
    if not clean_text(title):
        raise ValidationError({"title": _("Say what the support was.")})
    if event is not None and event.programme_id != youth_leader.programme_id:
        raise ValidationError({"event": _("Choose an event of this programme.")})
    support = support or YouthSupport(youth_leader=youth_leader)
    support.kind, support.title, support.starts_on, support.ends_on = (
        kind, clean_text(title), starts_on, ends_on,
    )  # fmt: skip
    support.provider, support.provider_other = provider, clean_text(provider_other)
    support.amount_uah, support.outcome, support.event = amount_uah, clean_text(outcome), event
    support.save()
    return support


# --- veteran sphere -------------------------------------------------------------------------


@transaction.atomic
def youth_support_delete(*, support: YouthSupport, by: User | None = None) -> None:
    """Removes a record of support given in error; the youth leader stays."""
    support.delete()


@transaction.atomic
def veteran_organisation_save(
    *,
    programme: Programme,
    community: Community,
    organisation,
    kind: str,
    relationship: str,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    services: str = "",
    notes: str = "",
    entry: VeteranOrganisation | None = None,
    by: User | None = None,
) -> VeteranOrganisation:
    _enrolled(programme, community)
    entry = entry or VeteranOrganisation(programme=programme)
    entry.community, entry.organisation, entry.kind = community, organisation, kind
    entry.relationship = relationship
    entry.contact_name, entry.contact_phone = clean_text(contact_name), clean_text(contact_phone)
    entry.contact_email, entry.services, entry.notes = (
        contact_email,
        clean_text(services),
        clean_text(notes),
    )
    entry.updated_on = clock.today()
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"organisation": _("This organisation is already in the community's registry.")}
        ) from exc
    return entry


@transaction.atomic
def assessment_save(
    *,
    programme: Programme,
    community: Community,
    period_start: datetime.date,
    period_end: datetime.date,
    method: str,
    respondents: int,
    needs: list[tuple[str, int, str]],
    conducted_by=None,
    summary: str = "",
    assessment: NeedsAssessment | None = None,
    by: User | None = None,
) -> NeedsAssessment:
    """Creates or updates an assessment with its needs: (category, severity 1-4, note)."""
    _enrolled(programme, community)
    _ordered(period_start, period_end, "period_end")
    if period_start > clock.today():
        raise ValidationError({"period_start": _("The assessment cannot start in the future.")})
    if respondents is None or respondents < 1:
        raise ValidationError({"respondents": _("Give the number of respondents.")})
    categories = [category for category, _severity, _note in needs]
    if len(set(categories)) != len(categories):
        raise ValidationError(_("Each need can be listed once."))
    if not needs:
        raise ValidationError(_("Record at least one need."))
    assessment = assessment or NeedsAssessment(programme=programme)
    assessment.community, assessment.period_start = community, period_start
    assessment.period_end, assessment.method = period_end, method
    assessment.respondents, assessment.conducted_by = respondents, conducted_by
    assessment.summary = clean_text(summary)
    assessment.save()
    assessment.needs.all().delete()
    AssessedNeed.objects.bulk_create(
        AssessedNeed(assessment=assessment, category=c, severity=s, note=clean_text(n)[:500])
        for c, s, n in needs
    )
    return assessment


@transaction.atomic
def opportunity_save(
    *,
    programme: Programme,
    kind: str,
    title: str,
    categories: list[str],
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    communities=(),
    provider=None,
    provider_other: str = "",
    link: str = "",
    description: str = "",
    opportunity: Opportunity | None = None,
    by: User | None = None,
) -> Opportunity:
    _ordered(starts_on, ends_on)
    if not clean_text(title):
        raise ValidationError({"title": _("Give the opportunity a title.")})
    if not categories:
        raise ValidationError({"categories": _("Choose the needs it answers.")})
    enrolled = set(programme.enrolments.values_list("community_id", flat=True))
    if any(c.pk not in enrolled for c in communities):
        raise ValidationError({"communities": _("Choose communities of this programme.")})
    opportunity = opportunity or Opportunity(programme=programme)
    opportunity.kind, opportunity.title = kind, clean_text(title)
    opportunity.starts_on, opportunity.ends_on = starts_on, ends_on
    opportunity.provider, opportunity.provider_other = provider, clean_text(provider_other)
    opportunity.link, opportunity.description = link, clean_text(description)
    opportunity.save()
    opportunity.communities.set(communities)
    opportunity.needs.all().delete()
    OpportunityNeed.objects.bulk_create(
        OpportunityNeed(opportunity=opportunity, category=c) for c in dict.fromkeys(categories)
    )
    return opportunity


# --- events ---------------------------------------------------------------------------------


@transaction.atomic
def event_save(
    *,
    programme: Programme,
    kind: str,
    title: str,
    topics: list[str],
    starts_on: datetime.date,
    ends_on: datetime.date,
    host_community: Community,
    visiting_communities=(),
    groups=(),
    other_topic: str = "",
    place: str = "",
    facilitator: str = "",
    facilitator_organisation=None,
    status: str = Event.Status.PLANNED,
    report: str = "",
    event: Event | None = None,
    by: User | None = None,
) -> Event:
    _ordered(starts_on, ends_on)
    if not clean_text(title):
        raise ValidationError({"title": _("Give the event a title.")})
    _enrolled(programme, host_community, "host_community")
    enrolled = set(programme.enrolments.values_list("community_id", flat=True))
    visiting = list(visiting_communities)
    if any(c.pk not in enrolled for c in visiting):
        raise ValidationError({"visiting_communities": _("Choose communities of this programme.")})
    if any(c.pk == host_community.pk for c in visiting):
        raise ValidationError(
            {"visiting_communities": _("The host community is not one of its visitors.")}
        )
    if kind == Event.Kind.EXCHANGE_VISIT and not visiting:
        raise ValidationError(
            {"visiting_communities": _("An exchange visit has at least one visiting community.")}
        )
    groups = list(groups)
    if any(g.programme_id != programme.pk for g in groups):
        raise ValidationError({"groups": _("Choose working groups of this programme.")})
    if not topics and not clean_text(other_topic):
        raise ValidationError({"topics": _("Choose at least one topic.")})
    if status == Event.Status.HELD and starts_on > clock.today():
        raise ValidationError({"status": _("An event in the future cannot have been held.")})
    event = event or Event(programme=programme, created_by=by)
    event.kind, event.title, event.other_topic = kind, clean_text(title), clean_text(other_topic)
    event.starts_on, event.ends_on, event.status = starts_on, ends_on, status
    event.host_community, event.place = host_community, clean_text(place)
    event.facilitator, event.facilitator_organisation = (
        clean_text(facilitator),
        facilitator_organisation,
    )
    event.report = clean_text(report)
    event.save()
    event.visiting_communities.set(visiting)
    event.groups.set(groups)
    event.topics.all().delete()
    EventTopic.objects.bulk_create(EventTopic(event=event, topic=t) for t in dict.fromkeys(topics))
    return event


def _origin(event: Event, person: Person, group: WorkingGroup | None):
    """The community and group a participant comes from: the group's, else the person's own
    group in the programme, else where they live, else the host community."""
    if group is None:
        membership = (
            person.memberships.current()
            .filter(group__programme=event.programme)
            .select_related("group")
            .first()
        )
        group = membership.group if membership else None
    if group is not None:
        return group.community, group
    return person.community or event.host_community, None


@transaction.atomic
def participants_add(
    *, event: Event, people, group: WorkingGroup | None = None, by: User | None = None
) -> int:
    """Registers people for an event; anyone already on the list is left as they are.
    Returns how many were added."""
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("The event was cancelled."))
    if group is not None and group.programme_id != event.programme_id:
        raise ValidationError(_("Choose a working group of this programme."))
    existing = set(event.participants.values_list("person_id", flat=True))
    added = []
    for person in people:
        if person.pk in existing:
            continue
        community, origin = _origin(event, person, group)
        added.append(Participant(event=event, person=person, community=community, group=origin))
        existing.add(person.pk)
    Participant.objects.bulk_create(added, ignore_conflicts=True)
    return len(added)


def participants_register(*, event: Event, rows: list[dict], by: User | None = None) -> int:
    """Registers many people at once (an import), in the caller's transaction: each row a
    person with their attendance and scores; where each comes from as participants_add has
    it, their current group in the programme read in one query."""
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("The event was cancelled."))
    from workinggroups.models import Membership

    people = [row["person"] for row in rows]
    groups = {
        m.person_id: m.group
        for m in Membership.objects.current()
        .filter(group__programme=event.programme, person__in=people)
        .select_related("group")
    }
    added = []
    for row in rows:
        person = row["person"]
        group = groups.get(person.pk)
        community = (
            group.community_id if group else (person.community_id or event.host_community_id)
        )
        added.append(
            Participant(
                event=event, person=person, community_id=community, group=group,
                attendance=row["attendance"], score_before=row.get("score_before"),
                score_after=row.get("score_after"),
            )
        )  # fmt: skip
    try:
        with transaction.atomic():
            Participant.objects.bulk_create(added, batch_size=500)
    except IntegrityError as exc:
        raise ValidationError(_("The list changed meanwhile: check the file again.")) from exc
    present = any(row["attendance"] == Participant.Attendance.PRESENT for row in rows)
    if present and event.status == Event.Status.PLANNED:
        # As on the sign-in sheet: someone present makes a planned event held.
        Event.objects.filter(pk=event.pk).update(status=Event.Status.HELD)
        event.status = Event.Status.HELD
    return len(added)


@transaction.atomic
def attendance_record(*, event: Event, marks: dict[int, dict], by: User | None = None) -> int:
    """The sign-in sheet: `marks` maps participant ids to attendance and optional scores.
    Marking anyone present makes a planned event that has started "held"."""
    if event.status == Event.Status.CANCELLED:
        raise ValidationError(_("The event was cancelled."))
    if event.starts_on > clock.today() and any(
        m.get("attendance") != Participant.Attendance.REGISTERED for m in marks.values()
    ):
        raise ValidationError(_("Attendance is recorded once the event has started."))
    participants = {p.pk: p for p in event.participants.select_for_update()}
    changed = []
    for participant_id, mark in marks.items():
        participant = participants.get(participant_id)
        if participant is None:
            raise ValidationError(_("Someone on the sheet is not a participant of this event."))
        attendance = mark.get("attendance", participant.attendance)
        if attendance not in Participant.Attendance.values:
            raise ValidationError(_("Choose present or absent."))
        for field in ("score_before", "score_after"):
            value = mark.get(field, getattr(participant, field))
            if value is not None and not 1 <= value <= 10:
                raise ValidationError(_("Self-assessment scores are from 1 to 10."))
            setattr(participant, field, value)
        participant.attendance = attendance
        changed.append(participant)
    Participant.objects.bulk_update(changed, ["attendance", "score_before", "score_after"])
    present = any(p.attendance == Participant.Attendance.PRESENT for p in participants.values())
    if present and event.status == Event.Status.PLANNED:
        Event.objects.filter(pk=event.pk).update(status=Event.Status.HELD)
        event.status = Event.Status.HELD
    return len(changed)


@transaction.atomic
def participant_remove(*, participant: Participant, by: User | None = None) -> None:
    participant.delete()
