"""State changes for communities, organisations and programmes."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cohesion import clock
from cohesion.records import save_fields
from cohesion.text import clean_text
from communities.models import Community, Enrolment, Organisation, Programme


@transaction.atomic
def programme_enrol_community(
    *, programme: Programme, community: Community, enrolled_on: datetime.date
) -> Enrolment:
    """Enrols a community; a community has at most one open enrolment per programme. A
    completed programme's history may still be filled in: the date falls within its period."""
    if enrolled_on < programme.start_date or enrolled_on > programme.ends_on:
        raise ValidationError(
            {"enrolled_on": _("The enrolment date must fall within the programme period.")}
        )
    if programme.enrolments.current().filter(community=community).exists():
        raise ValidationError(
            {
                "community": _("%(community)s is already enrolled in this programme.")
                % {"community": community.full_name}
            }
        )
    try:
        with transaction.atomic():
            return Enrolment.objects.create(
                programme=programme, community=community, enrolled_on=enrolled_on
            )
    except IntegrityError as exc:  # a concurrent enrolment won the race
        raise ValidationError(
            {
                "community": _("%(community)s is already enrolled in this programme.")
                % {"community": community.full_name}
            }
        ) from exc


@transaction.atomic
def enrolment_withdraw(
    *, enrolment: Enrolment, withdrawn_on: datetime.date, reason: str
) -> Enrolment:
    """Ends an enrolment with a dated reason; the record stays so the history is kept."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.withdrawn_on is not None:
        raise ValidationError(_("This community has already been withdrawn."))
    # Recorded once it has happened: a future date would hide the community too early.
    if withdrawn_on > clock.today():
        raise ValidationError({"withdrawn_on": _("The withdrawal date cannot be in the future.")})
    if withdrawn_on < enrolment.enrolled_on:
        raise ValidationError(
            {"withdrawn_on": _("The withdrawal date cannot be before the enrolment date.")}
        )
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the withdrawal.")})
    enrolment.withdrawn_on = withdrawn_on
    enrolment.withdrawal_reason = reason
    enrolment.save(update_fields=["withdrawn_on", "withdrawal_reason"])
    return enrolment


@transaction.atomic
def programme_save(*, programme: Programme | None, fields: dict, by=None) -> Programme:
    """Creates a programme, or updates one, from validated fields (donors, partners and
    required categories included)."""
    return save_fields(programme or Programme(), fields)


@transaction.atomic
def community_update(*, community: Community, fields: dict, by=None) -> Community:
    """What people correct about a hromada: names, kind, status, population, coordinates. The
    codifier's own fields (code, region, raion) are never changed here."""
    return save_fields(community, fields)


@transaction.atomic
def organisation_save(*, organisation: Organisation | None, fields: dict, by=None) -> Organisation:
    """Adds an organisation to the directory, or corrects one."""
    return save_fields(organisation or Organisation(), fields)
