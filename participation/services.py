"""Applying to take part, and the coordinators' review: accept (one person and one membership,
however often it is pressed) or decline (the application and its personal data are deleted)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cohesion import clock, outbox
from cohesion.text import clean_line, clean_text
from communities.models import (
    Community,
    Organisation,
    Programme,
    StakeholderCategory,
    search_key,
)
from participation.models import Application
from workinggroups.models import Membership, Person, WorkingGroup
from workinggroups.services import membership_add, person_create

# The ages an applicant can plausibly have: a check on mistyped years ("1099", "2099"), not a
# rule on who may take part.
APPLICANT_AGES = (10, 100)


def check_birth_year(
    *, programme: Programme, birth_year: int | None, is_youth: bool, year: int
) -> None:
    """A year of birth an applicant can have, agreeing with their "young person" tick by the
    programme's one measure of youth: age in a year is that year minus the year of birth (as
    the composition, the summaries and the dashboards count it), up to the programme's limit."""
    if birth_year is None:
        return
    first, last = year - APPLICANT_AGES[1], year - APPLICANT_AGES[0]
    if not first <= birth_year <= last:
        raise ValidationError(
            {
                "birth_year": _("Give the year you were born, between %(first)s and %(last)s.")
                % {"first": first, "last": last}
            }
        )
    if is_youth and year - birth_year > programme.youth_max_age:
        raise ValidationError(
            {
                "birth_year": _(
                    "You ticked “I am a young person”, but someone born in %(year)s is older "
                    "than %(age)s this year. Check the year, or untick the box."
                )
                % {"year": birth_year, "age": programme.youth_max_age}
            }
        )


def programme_open(programme: Programme) -> bool:
    """A programme takes applications while it is public and has not ended."""
    return programme.is_public and not programme.completed_by(clock.today())


@transaction.atomic
def application_submit(
    *,
    programme: Programme,
    community: Community,
    full_name: str,
    phone: str,
    email: str,
    category: StakeholderCategory,
    organisation_name: str = "",
    birth_year: int | None = None,
    is_youth: bool = False,
    is_veteran: bool = False,
    motivation: str = "",
    consent: bool,
    language: str = "uk",
) -> Application:
    if not programme_open(programme):
        raise ValidationError(_("This programme does not take applications now."))
    if not consent:
        raise ValidationError({"consent": _("Agree to the processing of your data to apply.")})
    if not programme.enrolments.filter(community=community, withdrawn_on__isnull=True).exists():
        raise ValidationError({"community": _("Choose one of the programme's communities.")})
    full_name = clean_line(full_name)[:200]
    if len(full_name) < 3:
        raise ValidationError({"full_name": _("Give your name.")})
    if not phone and not email:
        raise ValidationError(_("Give a phone number or an email address, so we can answer."))
    check_birth_year(
        programme=programme, birth_year=birth_year, is_youth=is_youth, year=clock.today().year
    )
    application = Application.objects.create(
        programme=programme,
        community=community,
        full_name=full_name,
        phone=phone,
        email=email,
        category=category,
        organisation_name=clean_line(organisation_name)[:300],
        birth_year=birth_year,
        is_youth=is_youth,
        is_veteran=is_veteran,
        motivation=clean_text(motivation)[:2000],
        consent_at=clock.now(),
        language=language,
    )
    if email:
        from participation.tasks import send_acknowledgement

        outbox.later(send_acknowledgement, application.pk)
    return application


def group_for(application: Application) -> WorkingGroup | None:
    return WorkingGroup.objects.filter(
        programme=application.programme, community=application.community
    ).first()


@transaction.atomic
def application_accept(
    *,
    application: Application,
    group: WorkingGroup,
    person: Person | None = None,
    by: User | None = None,
) -> Membership:
    """Seats the applicant in the group: as `person` if the coordinator matched them to someone
    on record (whose year of birth, if known, is kept even where the application gives
    another: the review says so), else as a new person. Pressed twice, it returns the same
    membership."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status == Application.Status.ACCEPTED:
        if application.membership_id:
            return application.membership
        raise ValidationError(_("This application was accepted already."))
    if group.programme_id != application.programme_id:
        raise ValidationError({"group": _("Choose a working group of this programme.")})
    today = clock.today()
    if person is None:
        person = person_create(
            fields={
                "full_name": application.full_name,
                "sex": Person.Sex.NOT_STATED,
                "birth_year": application.birth_year,
                "phone": application.phone,
                "email": application.email,
                "community": application.community,
                "is_veteran": application.is_veteran,
                "consent_given_on": timezone.localtime(application.consent_at).date(),
                "consent_purpose": _("Taking part in the working group (application of %(date)s)")
                % {"date": f"{timezone.localtime(application.consent_at):%d.%m.%Y}"},
            },
            by=by,
            allow_similar=True,  # the coordinator chose "a new person" knowingly
        )
    else:
        _complete(person, application, by=by)
    membership = group.memberships.current().filter(person=person).first()
    if membership is None:
        membership = membership_add(
            group=group,
            person=person,
            category=application.category,
            joined_on=today,
            by=by,
        )
    _carry_answers(membership, application, by=by)
    if application.email:
        from participation.tasks import send_welcome

        # The application's contacts are cleared below: the outbox keeps what the email needs.
        outbox.later(
            send_welcome, application.email, application.full_name, application.language,
            membership.pk,
        )  # fmt: skip
    # The person's record now holds what is needed; the application keeps only the link.
    application.status = Application.Status.ACCEPTED
    application.decided_by, application.decided_at = by, clock.now()
    # A second application of someone accepted already links nothing: the membership has its
    # application.
    taken = Application.objects.filter(membership=membership).exclude(pk=application.pk)
    application.membership = None if taken.exists() else membership
    application.full_name = application.phone = application.email = ""
    application.birth_year = None
    application.organisation_name = application.motivation = ""
    application.save()
    from participation.tasks import notify_leader

    outbox.later(notify_leader, membership.pk)
    return membership


def _carry_answers(membership: Membership, application: Application, *, by) -> None:
    """What the applicant said of themselves goes into the records before the application is
    cleared: a veteran is marked so, and the organisation they named is the one the membership
    represents when the directory knows it by that name (a name it does not know stays in the
    leader's email, not in the directory: anyone can type on the public form)."""
    person = membership.person
    if application.is_veteran and not person.is_veteran:
        person.is_veteran = True
        person.save(update_fields=["is_veteran"])
    name = search_key(application.organisation_name).strip(" .:*")
    if name and membership.organisation_id is None:
        # Compared case-folded in Python: SQLite folds only ASCII case in SQL. A name that is
        # several organisations' (and none of them the community's) is left unlinked.
        candidates = Organisation.objects.by_name().get(name, [])
        organisation = Organisation.objects.the_one(candidates, membership.group.community)
        if organisation is not None:
            membership.organisation = organisation
            membership.save(update_fields=["organisation"])


def plan_application_digests(now=None) -> int:
    """Tells each programme's coordinators, once, of the applications that came since they
    were last told (the beat runs it daily: at most one email a day); returns how many
    applications were announced."""
    from participation.tasks import send_applications_digest

    now = now or clock.now()
    announced = 0
    with transaction.atomic():
        waiting = (
            Application.objects.select_for_update(skip_locked=True)
            .filter(status=Application.Status.NEW, announced_at__isnull=True)
            .order_by("programme_id", "pk")
        )
        by_programme: dict[int, list[int]] = {}
        for application_id, programme_id in waiting.values_list("pk", "programme_id"):
            by_programme.setdefault(programme_id, []).append(application_id)
        for programme_id, ids in by_programme.items():
            outbox.later(send_applications_digest, programme_id, ids)
            announced += Application.objects.filter(pk__in=ids).update(announced_at=now)
    return announced


def _complete(person: Person, application: Application, *, by: User | None) -> None:
    """The contact details and year of birth an applicant matched to someone on record just
    gave, where the record has none; and their consent, if the record has none yet."""
    changed = []
    for field in ("phone", "email", "birth_year"):
        value = getattr(application, field)
        if value and not getattr(person, field):
            setattr(person, field, value)
            changed.append(field)
    if not person.consent_given_on:
        person.consent_given_on = timezone.localtime(application.consent_at).date()
        person.consent_purpose = _("Taking part in the working group (application of %(date)s)") % {
            "date": f"{timezone.localtime(application.consent_at):%d.%m.%Y}"
        }
        person.consent_recorded_by = by
        changed += ["consent_given_on", "consent_purpose", "consent_recorded_by"]
    if changed:
        person.save(update_fields=changed)


@transaction.atomic
def application_decline(*, application: Application, reason: str, by: User | None = None) -> None:
    """Tells the applicant (when they gave an email) and deletes the application."""
    application = Application.objects.select_for_update().filter(pk=application.pk).first()
    if application is None:
        return  # declined already
    if application.status != Application.Status.NEW:
        raise ValidationError(_("Only an application waiting for review can be declined."))
    reason = clean_text(reason)[:1000]
    if not reason:
        raise ValidationError({"reason": _("Say why, for the applicant.")})
    if application.email:
        from participation.tasks import send_decline

        # The application is deleted: the outbox keeps what the email needs until it is sent.
        outbox.later(
            send_decline, application.email, application.full_name, application.language,
            application.programme_id, reason,
        )  # fmt: skip
    application.delete()


def purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Deletes the applications nobody reviewed within APPLICATION_RETENTION_DAYS."""
    now = now or clock.now()
    cutoff = now - datetime.timedelta(days=settings.APPLICATION_RETENTION_DAYS)
    deleted, _details = Application.objects.filter(
        status=Application.Status.NEW, submitted_at__lt=cutoff
    ).delete()
    return deleted
