"""The demo's programmes with their communities, organisations and targets, and the demo
accounts with their roles. Each finds what exists before it creates anything, so that seeding
again changes nothing."""

from django.conf import settings

from accounts.models import RoleAssignment, User
from communities.models import Community, Enrolment, Organisation, Programme
from demo.data import (
    ADMINISTRATION_WORD,
    DEMO_PASSWORD,
    DEMO_TARGETS,
    FRAMEWORK,
    ORGANISATIONS,
    DemoAccount,
)
from workinggroups.models import CompositionTarget


def set_targets(programme: Programme) -> None:
    for measure, threshold in DEMO_TARGETS.items():
        CompositionTarget.objects.get_or_create(
            programme=programme, measure=measure, defaults={"threshold": threshold}
        )


def organisation_for(category: str, community: Community) -> Organisation | None:
    """The organisation a member of `category` represents in `community`: the community's own
    of that kind, else the region's police or emergency service, else its council or military
    administration; None for the other categories."""
    kinds = {
        "local_government": Organisation.Kind.LOCAL_GOVERNMENT,
        "military_administration": Organisation.Kind.MILITARY_ADMINISTRATION,
        "police": Organisation.Kind.POLICE,
        "ses": Organisation.Kind.SES,
    }
    if category not in kinds:
        return None
    local = Organisation.objects.filter(community=community, kind=kinds[category]).first()
    if local is not None:
        return local
    regional = "police" if category == "police" else "ses" if category == "ses" else None
    if regional is None:
        return Organisation.objects.filter(
            community=community,
            kind__in=[
                Organisation.Kind.LOCAL_GOVERNMENT,
                Organisation.Kind.MILITARY_ADMINISTRATION,
            ],
        ).first()
    suffix = "zt" if community.region.code == "UA18000000000041385" else "ks"
    name_uk = ORGANISATIONS[f"{regional}_{suffix}"][0]
    return Organisation.objects.filter(name_uk=name_uk).first()


def ensure_organisation(name_uk, name_en, kind, community=None) -> Organisation:
    organisation, _created = Organisation.objects.get_or_create(
        name_uk=name_uk, kind=kind, defaults={"name_en": name_en, "community": community}
    )
    return organisation


# IATI identifiers. The real donors' and UNDP's are the ones they publish under (XM-DAC- and
# their OECD DAC code); the demo's own partners are made up, and say so ("DEMO"), as is each
# programme's code after its partner's identifier.
IATI_ORGANISATIONS = {
    "modern_format": ("UA-EDR-DEMO0001", "22"),
    "union": ("UA-EDR-DEMO0002", "22"),
    "netherlands": ("XM-DAC-7", "10"),
    "denmark": ("XM-DAC-3", "10"),
    "undp": ("XM-DAC-41114", "40"),
}


def set_iati_identifiers(organisations: dict, programmes: dict) -> None:
    """Gives the demo's organisations and programmes (by code) the IATI identifiers their
    IATI files need, where none is set."""
    for key, (identifier, kind) in IATI_ORGANISATIONS.items():
        Organisation.objects.filter(pk=organisations[key].pk, iati_identifier="").update(
            iati_identifier=identifier, iati_type=kind
        )
    for code, programme in programmes.items():
        partner_identifier = IATI_ORGANISATIONS[
            next(k for k, o in organisations.items() if o.pk == programme.implementing_partner_id)
        ][0]
        Programme.objects.filter(pk=programme.pk, iati_identifier="").update(
            iati_identifier=f"{partner_identifier}-{code}"
        )


def ensure_programme(
    *, title_uk, title_en, summary_uk, summary_en, partner, start, end, donors, partners, required
) -> Programme:
    programme, created = Programme.objects.get_or_create(
        title_en=title_en,
        defaults={
            "title_uk": title_uk,
            "summary_uk": summary_uk,
            "summary_en": summary_en,
            "implementing_partner": partner,
            "start_date": start,
            "end_date": end,
            "framework": FRAMEWORK,
        },
    )
    if created:
        programme.donors.set(donors)
        programme.partners.set(partners)
        programme.required_categories.set(required)
    return programme


def enrol(programme: Programme, communities, body_words) -> None:
    for code, status, note in communities:
        community = Community.objects.get(katotth_code=code)
        if not community.status_note and (community.status != status or note):
            community.status, community.status_note = status, note
            community.save(update_fields=["status", "status_note"])
        Enrolment.objects.get_or_create(
            programme=programme,
            community=community,
            withdrawn_on=None,
            defaults={"enrolled_on": programme.start_date},
        )
        word_uk, word_en = body_words.get(community.kind, body_words[Community.Kind.RURAL])
        kind = (
            Organisation.Kind.MILITARY_ADMINISTRATION
            if body_words is ADMINISTRATION_WORD
            else Organisation.Kind.LOCAL_GOVERNMENT
        )
        ensure_organisation(
            f"{community.name_uk} {word_uk}", f"{community.name_en} {word_en}", kind, community
        )


def ensure_account(account: DemoAccount) -> tuple[User, str | None]:
    user = User.objects.filter(email=account.email).first()
    password = DEMO_PASSWORD if settings.DEBUG else None
    if user is None:
        user = User(email=account.email, full_name=account.full_name)
        if account.role == "administrator":
            user.is_staff = user.is_superuser = True
        # Outside DEBUG the accounts get no usable password: set one with a reset link.
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    return user, password


def assign(user: User, role: str, programme: Programme, working_group=None) -> None:
    RoleAssignment.objects.get_or_create(
        user=user, role=role, programme=programme, working_group=working_group
    )
