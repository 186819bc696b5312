"""State changes for working groups, people and memberships."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Role, RoleAssignment, User
from cohesion import clock
from cohesion.records import save_fields
from cohesion.text import clean_line, clean_text
from communities.models import (
    Community,
    Organisation,
    Programme,
    StakeholderCategory,
    search_key,
)
from workinggroups.access import people_visible_to
from workinggroups.models import (
    AgeBand,
    CompositionTarget,
    GroupStatusChange,
    Membership,
    Person,
    WorkingGroup,
)

Status = WorkingGroup.Status

# Which statuses may follow which: a ceased group comes back only by being re-established.
# A group continues on its own only through its programme's completion (programme_complete).
TRANSITIONS = {
    Status.FORMING: {Status.ACTIVE, Status.SUSPENDED, Status.CEASED},
    Status.ACTIVE: {Status.SUSPENDED, Status.CEASED},
    Status.SUSPENDED: {Status.ACTIVE, Status.CEASED, Status.INDEPENDENT},
    Status.CEASED: {Status.REESTABLISHED},
    Status.REESTABLISHED: {Status.SUSPENDED, Status.CEASED},
    Status.INDEPENDENT: {Status.SUSPENDED, Status.CEASED},
}
# After its programme's last day a group no longer works within it: it can pause, close, or
# go on on its own, but not start or resume within the programme (a new programme has groups of
# its own). Earlier dates are history and may be recorded at any time; "on its own" is only
# for after the last day.
AFTER_COMPLETION = {Status.SUSPENDED, Status.CEASED, Status.INDEPENDENT}


Outcome = WorkingGroup.Outcome
OUTCOME_STATUS = {Outcome.CONTINUES: Status.INDEPENDENT, Outcome.CLOSED: Status.CEASED}


class PossibleDuplicate(ValidationError):
    """The new person looks like people already on record; `matches` lists them."""

    def __init__(self, matches):
        super().__init__(_("A person with this name and year of birth is already on record."))
        self.matches = matches


def _not_in_future(day: datetime.date, field: str) -> None:
    if day > clock.today():
        raise ValidationError({field: _("The date cannot be in the future.")})


@transaction.atomic
def working_group_create(
    *,
    programme: Programme,
    community: Community,
    name_uk: str,
    name_en: str,
    established_on: datetime.date | None,
    terms_of_reference: str = "",
    meeting_cadence: str = WorkingGroup.Cadence.MONTHLY,
    by: User | None,
) -> WorkingGroup:
    """Creates a group in a community enrolled in the programme; it starts as forming."""
    if not programme.enrolments.current().filter(community=community).exists():
        raise ValidationError(
            {"community": _("The community must be enrolled in the programme first.")}
        )
    if established_on:
        _not_in_future(established_on, "established_on")
    if WorkingGroup.objects.filter(programme=programme, community=community).exists():
        raise ValidationError(
            {"community": _("This community already has a working group in the programme.")}
        )
    group = WorkingGroup.objects.create(
        programme=programme,
        community=community,
        name_uk=clean_line(name_uk),
        name_en=clean_line(name_en),
        established_on=established_on,
        terms_of_reference=clean_text(terms_of_reference),
        meeting_cadence=meeting_cadence,
        status=Status.FORMING,
    )
    GroupStatusChange.objects.create(
        group=group,
        status=Status.FORMING,
        changed_on=established_on or clock.today(),
        reason=GroupStatusChange.Reason.LAUNCH,
        recorded_by=by,
    )
    return group


@transaction.atomic
def working_group_update(*, group: WorkingGroup, fields: dict, by: User | None) -> WorkingGroup:
    """Corrects a group's names, founding date, cadence and terms of reference; its programme,
    community and status change only through their own services."""
    if fields.get("established_on"):
        _not_in_future(fields["established_on"], "established_on")
    return save_fields(group, fields)


@transaction.atomic
def working_group_change_status(
    *,
    group: WorkingGroup,
    status: str,
    changed_on: datetime.date,
    reason: str,
    note: str = "",
    by: User | None,
) -> GroupStatusChange:
    """Moves a group along its lifecycle with a dated reason; the history is never rewritten,
    so a change cannot be dated before the last one."""
    group = WorkingGroup.objects.select_for_update().select_related("programme").get(pk=group.pk)
    if status not in TRANSITIONS[group.status]:
        raise ValidationError(
            {
                "status": _("A group that is “%(current)s” cannot become “%(new)s”.")
                % {"current": group.get_status_display(), "new": Status(status).label}
            }
        )
    _not_in_future(changed_on, "changed_on")
    last_day = group.programme.ends_on.strftime("%d.%m.%Y")
    if changed_on > group.programme.ends_on and status not in AFTER_COMPLETION:
        raise ValidationError(
            {
                "changed_on": _(
                    "After the programme's last day (%(date)s) a group can only be suspended, "
                    "close or continue on its own."
                )
                % {"date": last_day}
            }
        )
    if changed_on <= group.programme.ends_on and status == Status.INDEPENDENT:
        raise ValidationError(
            {
                "changed_on": _(
                    "A group continues on its own only after the programme's last day (%(date)s)."
                )
                % {"date": last_day}
            }
        )
    last = group.status_changes.order_by("-changed_on").first()
    if last and changed_on < last.changed_on:
        raise ValidationError(
            {
                "changed_on": _("The date cannot be before the last change (%(date)s).")
                % {"date": last.changed_on.strftime("%d.%m.%Y")}
            }
        )
    return _record_status(group, status, changed_on, reason=reason, note=note, by=by)


def statuses_offered(group: WorkingGroup, today: datetime.date) -> set[str]:
    """The statuses the status form offers: those that may follow the current one, with
    "continues on its own" only once the programme is completed."""
    offered = set(TRANSITIONS[group.status])
    if not group.programme.completed_by(today):
        offered.discard(Status.INDEPENDENT)
    return offered


def _record_status(group, status, changed_on, *, reason, note, by) -> GroupStatusChange:
    group.status = status
    group.save(update_fields=["status"])
    return GroupStatusChange.objects.create(
        group=group,
        status=status,
        changed_on=changed_on,
        reason=reason,
        note=clean_line(note)[:500],
        recorded_by=by,
    )


def groups_awaiting_outcome(programme: Programme):
    """The programme's groups whose fate after the programme is not recorded yet: those still
    working within it (a ceased group's outcome is its ceasing)."""
    return programme.working_groups.exclude(status__in=WorkingGroup.AFTER_PROGRAMME)


@transaction.atomic
def programme_complete(
    *,
    programme: Programme,
    outcomes: dict[int, tuple[str, str]],
    closed_on: datetime.date | None = None,
    closure_reason: str = "",
    by: User | None,
) -> Programme:
    """Completes a programme and records what becomes of its groups. A running programme is
    closed early: `closed_on` is its last day, before today (a programme is completed the day
    after its last day), and every group still working needs an outcome; past its end date,
    outcomes may be recorded group by group. `outcomes` maps group ids to (Outcome, note).
    Each outcome is a status change dated the day after the programme's last day: until then
    the group worked within the programme."""
    today = clock.today()
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    awaiting = {group.pk: group for group in groups_awaiting_outcome(programme)}
    if programme.completed_by(today):
        if closed_on is not None:
            raise ValidationError(_("The programme is completed already."))
    else:
        if closed_on is None:
            raise ValidationError({"closed_on": _("Give the programme's last day.")})
        if closed_on >= today:
            raise ValidationError(
                {
                    "closed_on": _(
                        "The last day must be before today: the programme is completed the "
                        "day after it."
                    )
                }
            )
        if not programme.start_date <= closed_on <= programme.end_date:
            raise ValidationError(
                {"closed_on": _("The last day must fall within the programme period.")}
            )
        closure_reason = clean_text(closure_reason)
        if not closure_reason:
            raise ValidationError({"closure_reason": _("Say why the programme closes early.")})
        if set(awaiting) - set(outcomes):
            raise ValidationError(_("Record what becomes of every working group."))
        programme.closed_on, programme.closure_reason = closed_on, closure_reason[:500]
        programme.save(update_fields=["closed_on", "closure_reason"])
    unknown = set(outcomes) - set(awaiting)
    if unknown:
        raise ValidationError(_("Only groups still working within the programme get an outcome."))
    day_after = programme.ends_on + datetime.timedelta(days=1)
    for group_id, (outcome, note) in sorted(outcomes.items()):
        group = WorkingGroup.objects.select_for_update().get(pk=group_id)
        last = group.status_changes.order_by("-changed_on").first()
        changed_on = max(day_after, last.changed_on) if last else day_after
        _record_status(
            group,
            OUTCOME_STATUS[Outcome(outcome)],
            changed_on,
            reason=GroupStatusChange.Reason.PROGRAMME_ENDED,
            note=clean_text(note)[:500],
            by=by,
        )
    return programme


def _clean_person_fields(fields: dict) -> dict:
    fields = dict(fields)
    fields["full_name"] = clean_line(fields["full_name"])
    if fields.get("birth_year") and fields["birth_year"] > clock.today().year:
        raise ValidationError({"birth_year": _("The year of birth cannot be in the future.")})
    return fields


@transaction.atomic
def person_create(*, fields: dict, by: User | None, allow_similar: bool = False) -> Person:
    """Creates a person; refuses with PossibleDuplicate when someone similar exists, unless
    the user has confirmed that this is a different person."""
    fields = _clean_person_fields(fields)
    if not allow_similar:
        # Only people the user may see count as possible duplicates: naming someone from
        # another programme would reveal that they take part there.
        matches = list(
            people_visible_to(by).similar_to(
                full_name=fields["full_name"],
                birth_year=fields.get("birth_year"),
                community_id=getattr(fields.get("community"), "pk", None),
            )[:5]
        )
        if matches:
            raise PossibleDuplicate(matches)
    if fields.get("consent_given_on") and "consent_recorded_by" not in fields:
        fields["consent_recorded_by"] = by
    return Person.objects.create(**fields)


@transaction.atomic
def person_update(*, person: Person, fields: dict, by: User | None) -> Person:
    """Saves changed fields; django-simple-history records who changed what."""
    fields = _clean_person_fields(fields)
    consent_changed = fields.get("consent_given_on") != person.consent_given_on
    changed = [name for name, value in fields.items() if getattr(person, name) != value]
    for name in changed:
        setattr(person, name, fields[name])
    if consent_changed and person.consent_given_on:
        person.consent_recorded_by = by
        changed.append("consent_recorded_by")
    if changed:
        person.save(update_fields=changed)
    return person


def _check_join_date(*, group: WorkingGroup, person: Person, joined_on: datetime.date) -> None:
    """A membership starts after the person was born, after the group was founded and after
    their last membership of the same group ended: periods never overlap."""
    if person.birth_year and joined_on.year < person.birth_year:
        raise ValidationError({"joined_on": _("The person was not born yet on that date.")})
    if group.established_on and joined_on < group.established_on:
        raise ValidationError(
            {
                "joined_on": _("The group was founded on %(date)s.")
                % {"date": group.established_on.strftime("%d.%m.%Y")}
            }
        )
    last_left = (
        group.memberships.filter(person=person, left_on__isnull=False)
        .order_by("-left_on")
        .values_list("left_on", flat=True)
        .first()
    )
    if last_left and joined_on < last_left:
        raise ValidationError(
            {
                "joined_on": _(
                    "The person was a member until %(date)s: rejoining starts after that."
                )
                % {"date": last_left.strftime("%d.%m.%Y")}
            }
        )


def _check_membership(*, group: WorkingGroup, person: Person, role: str, exclude_pk=None) -> None:
    others = group.memberships.current().exclude(pk=exclude_pk)
    if exclude_pk is None and others.filter(person=person).exists():
        raise ValidationError(
            _("%(person)s is already a member of the group.") % {"person": person}
        )
    if role == Membership.Role.LEADER and others.filter(role=Membership.Role.LEADER).exists():
        raise ValidationError(
            {"role": _("The group already has a leader: end that membership or change its role.")}
        )


@transaction.atomic
def membership_add(
    *,
    group: WorkingGroup,
    person: Person,
    category: StakeholderCategory,
    organisation: Organisation | None = None,
    role: str = Membership.Role.MEMBER,
    joined_on: datetime.date,
    by: User | None = None,
) -> Membership:
    """Seats a person in a group: one open membership per person and group, one leader."""
    group = WorkingGroup.objects.select_for_update().get(pk=group.pk)
    if group.status == Status.CEASED:
        raise ValidationError(
            _("The group has ceased: it takes no new members.")
            if group.programme.is_completed
            else _("The group has ceased: re-establish it before adding members.")
        )
    _not_in_future(joined_on, "joined_on")
    _check_join_date(group=group, person=person, joined_on=joined_on)
    _check_membership(group=group, person=person, role=role)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                group=group,
                person=person,
                category=category,
                organisation=organisation,
                role=role,
                joined_on=joined_on,
            )
    except IntegrityError as exc:  # a concurrent request seated them first
        raise ValidationError(_("The membership changed meanwhile: reload and try again.")) from exc
    _sync_leader_role(membership, by=by)
    return membership


def people_save_many(*, created: list[Person], updated: list[Person], by: User | None) -> None:
    """A list's people saved in bulk with their history (an import of thousands): `created`
    are new records (their name keys set here, as Person.save does), `updated` are records
    whose fields were changed in place."""
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    for person in created + updated:
        person.name_key = search_key(person.full_name)
    bulk_create_with_history(created, Person, batch_size=500, default_user=by)
    if updated:
        fields = ["phone", "email", "is_veteran", "is_idp", "has_disability",
                  "consent_given_on", "consent_purpose", "consent_recorded_by"]  # fmt: skip
        bulk_update_with_history(updated, Person, fields, batch_size=500, default_user=by)


def members_add_many(*, group: WorkingGroup, seats: list[dict], by: User | None) -> None:
    """Seats many people at once (an import), in the caller's transaction, under the rules of
    membership_add, which the caller has checked row by row against the group as it is now
    locked: one open membership per person, one leader, dates after founding and leaving."""
    from simple_history.utils import bulk_create_with_history

    group = WorkingGroup.objects.select_for_update().get(pk=group.pk)
    if group.status == Status.CEASED:
        raise ValidationError(_("The group has ceased: it takes no new members."))
    memberships = [Membership(group=group, **seat) for seat in seats]
    try:
        with transaction.atomic():
            created = bulk_create_with_history(
                memberships, Membership, batch_size=500, default_user=by
            )
    except IntegrityError as exc:
        raise ValidationError(_("The membership changed meanwhile: reload and try again.")) from exc
    for membership in created:
        if membership.role == Membership.Role.LEADER and membership.person.user_id:
            _sync_leader_role(membership, by=by)


@transaction.atomic
def member_join(
    *,
    group: WorkingGroup,
    person: Person | None = None,
    person_fields: dict | None = None,
    allow_similar: bool = False,
    by: User | None = None,
    **membership_fields,
) -> Membership:
    """Seats an existing person, or creates one and seats them, all or nothing: a refused
    membership leaves no orphan person behind."""
    if person is None:
        person = person_create(fields=person_fields, by=by, allow_similar=allow_similar)
    return membership_add(group=group, person=person, by=by, **membership_fields)


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    category: StakeholderCategory,
    organisation: Organisation | None,
    role: str,
    by: User | None = None,
) -> Membership:
    """Changes an open membership's category, organisation or role."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.is_current:
        raise ValidationError(_("This membership has ended and can no longer be changed."))
    WorkingGroup.objects.select_for_update().get(pk=membership.group_id)
    _check_membership(
        group=membership.group, person=membership.person, role=role, exclude_pk=membership.pk
    )
    membership.category, membership.organisation, membership.role = category, organisation, role
    membership.save(update_fields=["category", "organisation", "role"])
    _sync_leader_role(membership, by=by)
    return membership


@transaction.atomic
def membership_end(
    *, membership: Membership, left_on: datetime.date, reason: str, by: User | None = None
) -> Membership:
    """Ends a membership with its date and reason; the record stays."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if not membership.is_current:
        raise ValidationError(_("This membership has already ended."))
    _not_in_future(left_on, "left_on")
    if left_on < membership.joined_on:
        raise ValidationError({"left_on": _("A member cannot leave before joining.")})
    membership.left_on, membership.left_reason = left_on, clean_text(reason)
    membership.save(update_fields=["left_on", "left_reason"])
    _sync_leader_role(membership, by=by)
    return membership


@transaction.atomic
def person_link_user(*, person: Person, user: User, by: User | None = None) -> None:
    """Links a person to a user account; an open leader membership then gives the role."""
    if person.user_id and person.user_id != user.pk:
        raise ValidationError(_("This person is already linked to another account."))
    if Person.objects.filter(user=user).exclude(pk=person.pk).exists():
        raise ValidationError(_("This account already belongs to another person."))
    person.user = user
    person.save(update_fields=["user"])
    for membership in person.memberships.current().filter(role=Membership.Role.LEADER):
        _sync_leader_role(membership, by=by)


def _sync_leader_role(membership: Membership, *, by: User | None) -> None:
    """The leader role over a group lasts exactly as long as an open leader membership of a
    person linked to the account."""
    user_id = membership.person.user_id
    if user_id is None:
        return
    group = membership.group
    assignments = RoleAssignment.objects.filter(user_id=user_id, working_group=group)
    if membership.is_current and membership.role == Membership.Role.LEADER:
        if not assignments.exists():
            RoleAssignment.objects.create(
                user_id=user_id,
                role=Role.LEADER,
                programme_id=group.programme_id,
                working_group=group,
                created_by=by,
            )
    else:
        assignments.filter(role=Role.LEADER).delete()


def _band_order(band: tuple[int, int | None]) -> tuple:
    low, high = band
    return (low, high is None, high or 0)


@transaction.atomic
def programme_set_composition_rules(
    *,
    programme: Programme,
    bands: list[tuple[int, int | None]],
    youth_max_age: int,
    targets: dict[str, int],
) -> None:
    """Replaces the programme's age bands and balance targets. Bands must cover every age
    from 0 without gaps or overlaps, the last one open-ended."""
    expected = 0
    for low, high in sorted(bands, key=_band_order):
        if expected is None or low != expected:
            raise ValidationError({"age_bands": _("The bands must cover every age from 0.")})
        expected = None if high is None else high + 1
    if expected is not None:
        raise ValidationError({"age_bands": _("The last band must be open-ended, like 60+.")})
    programme.age_bands.all().delete()
    AgeBand.objects.bulk_create(
        AgeBand(programme=programme, min_age=low, max_age=high) for low, high in bands
    )
    programme.youth_max_age = youth_max_age
    programme.save(update_fields=["youth_max_age"])
    programme.composition_targets.all().delete()
    CompositionTarget.objects.bulk_create(
        CompositionTarget(programme=programme, measure=measure, threshold=threshold)
        for measure, threshold in targets.items()
    )
