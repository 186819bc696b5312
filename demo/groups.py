"""The demo's working groups, founded and made active through the services, with their
deterministic members (demo.people)."""

import datetime

from cohesion import clock
from communities.models import Community, StakeholderCategory
from demo.data import CONSENT_PURPOSE, TERMS_OF_REFERENCE
from demo.people import demo_members
from demo.programmes import organisation_for
from workinggroups.models import GroupStatusChange, WorkingGroup
from workinggroups.services import (
    membership_add,
    membership_end,
    person_create,
    person_link_user,
    working_group_change_status,
    working_group_create,
)


def ensure_group(programme, code, established, coordinator, leader_user) -> WorkingGroup:
    """A group with 12 to 25 members; left alone if it exists already."""
    community = Community.objects.get(katotth_code=code)
    group = WorkingGroup.objects.filter(programme=programme, community=community).first()
    if group is not None:
        return group
    group = active_group(
        programme,
        community,
        name_uk=f"Робоча група з питань соціальної згуртованості та громадської безпеки "
        f"({community.name_uk} громада)",
        name_en=f"Working Group on Social Cohesion and Public Safety ({community.name_en} hromada)",
        established=established,
        active_from=established + datetime.timedelta(days=30),
        by=coordinator,
    )
    required = list(programme.required_categories.values_list("code", flat=True))
    count = 12 + sum(map(ord, code)) % 14
    categories = {c.code: c for c in StakeholderCategory.objects.all()}
    today = clock.today()
    for index, member in enumerate(demo_members(code, required, count, established)):
        if index == 0 and leader_user is not None:
            member.update(full_name=leader_user.full_name, sex="male", birth_year=1984)
        person = person_create(
            fields={
                "full_name": member["full_name"],
                "sex": member["sex"],
                "birth_year": member["birth_year"],
                "phone": member["phone"],
                "community": community,
                "is_veteran": member["is_veteran"],
                "is_idp": member["is_idp"],
                "has_disability": member["has_disability"],
                "consent_given_on": member["joined_on"],
                "consent_purpose": CONSENT_PURPOSE,
            },
            by=coordinator,
            allow_similar=True,
        )
        membership = membership_add(
            group=group,
            person=person,
            category=categories[member["category"]],
            organisation=organisation_for(member["category"], community),
            role=member["role"],
            joined_on=member["joined_on"],
            by=coordinator,
        )
        if index == 0 and leader_user is not None:
            person_link_user(person=person, user=leader_user, by=coordinator)
        if member["leaves_after_days"]:
            left_on = member["joined_on"] + datetime.timedelta(days=member["leaves_after_days"])
            if left_on <= today:
                membership_end(
                    membership=membership, left_on=left_on, reason="Переїзд", by=coordinator
                )
    return group


def active_group(programme, community, *, name_uk, name_en, established, active_from, by):
    """A group founded on `established` and active from `active_from`, through the services."""
    group = working_group_create(
        programme=programme,
        community=community,
        name_uk=name_uk,
        name_en=name_en,
        established_on=established,
        terms_of_reference=TERMS_OF_REFERENCE,
        by=by,
    )
    working_group_change_status(
        group=group,
        status=WorkingGroup.Status.ACTIVE,
        changed_on=active_from,
        reason=GroupStatusChange.Reason.LAUNCH,
        by=by,
    )
    return group
