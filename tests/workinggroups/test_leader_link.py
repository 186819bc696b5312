"""A leader is a person with an account: the leader role over the group lasts exactly as long as
their open leader membership."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role, RoleAssignment, User
from accounts.services import invitation_accept, invitation_create
from tests.factories import MembershipFactory, PersonFactory, UserFactory, category_by_code
from workinggroups.models import Membership, WorkingGroup
from workinggroups.services import (
    membership_add,
    membership_end,
    membership_update,
    person_link_user,
)

pytestmark = pytest.mark.django_db

LEADER = Membership.Role.LEADER


def leader_roles(user):
    return list(
        RoleAssignment.objects.filter(user=user, role=Role.LEADER).values_list(
            "working_group", "programme"
        )
    )


def test_linking_a_leader_gives_the_leader_role_over_the_group(group, coordinator):
    membership = MembershipFactory(group=group, role=LEADER)
    user = UserFactory()
    person_link_user(person=membership.person, user=user, by=coordinator)
    assert membership.person.user == user
    assert leader_roles(user) == [(group.pk, group.programme_id)]
    assert list(WorkingGroup.objects.visible_to(User.objects.get(pk=user.pk))) == [group]


def test_linking_an_ordinary_member_gives_no_role(group):
    membership = MembershipFactory(group=group)
    user = UserFactory()
    person_link_user(person=membership.person, user=user)
    assert not RoleAssignment.objects.filter(user=user).exists()


def test_a_former_leader_gets_no_role_by_linking(group):
    membership = MembershipFactory(group=group, role=LEADER, left_on=datetime.date(2023, 9, 1))
    user = UserFactory()
    person_link_user(person=membership.person, user=user)
    assert leader_roles(user) == []


def test_ending_the_leader_membership_ends_the_role(group):
    membership = MembershipFactory(group=group, role=LEADER)
    user = UserFactory()
    person_link_user(person=membership.person, user=user)
    membership_end(membership=membership, left_on=datetime.date(2024, 1, 31), reason="")
    assert leader_roles(user) == []


def test_changing_the_role_away_from_leader_ends_the_role(group):
    membership = MembershipFactory(group=group, role=LEADER)
    user = UserFactory()
    person_link_user(person=membership.person, user=user)
    membership_update(
        membership=membership, category=membership.category, organisation=None, role="deputy"
    )
    assert leader_roles(user) == []


def test_promoting_a_linked_member_to_leader_gives_the_role(group):
    membership = MembershipFactory(group=group)
    user = UserFactory()
    person_link_user(person=membership.person, user=user)
    membership_update(
        membership=membership, category=membership.category, organisation=None, role=LEADER
    )
    assert leader_roles(user) == [(group.pk, group.programme_id)]


def test_seating_a_linked_person_as_leader_gives_the_role(group, other_group):
    user = UserFactory()
    person = PersonFactory(user=user)
    membership_add(
        group=other_group,
        person=person,
        category=category_by_code(),
        role=LEADER,
        joined_on=datetime.date(2024, 1, 1),
    )
    assert leader_roles(user) == [(other_group.pk, other_group.programme_id)]


def test_ending_one_groups_leadership_keeps_the_other(group, other_group):
    user = UserFactory()
    person = PersonFactory(user=user)
    here = MembershipFactory(group=group, person=person, role=LEADER)
    MembershipFactory(group=other_group, person=person, role=LEADER)
    person_link_user(person=person, user=user)
    membership_end(membership=here, left_on=datetime.date(2024, 1, 31), reason="")
    assert leader_roles(user) == [(other_group.pk, other_group.programme_id)]


def test_one_account_belongs_to_one_person(group):
    user = UserFactory()
    person_link_user(person=PersonFactory(), user=user)
    other = PersonFactory()
    with pytest.raises(ValidationError):
        person_link_user(person=other, user=user)
    other.refresh_from_db()
    assert other.user is None


def test_a_linked_person_cannot_be_relinked_to_another_account(group):
    person = PersonFactory(user=UserFactory())
    with pytest.raises(ValidationError):
        person_link_user(person=person, user=UserFactory())


def test_accepting_a_leader_invitation_links_the_account(coordinator, programme, group):
    membership = MembershipFactory(
        group=group, role=LEADER, person__email="leader.person@example.org"
    )
    _invitation, token = invitation_create(
        invited_by=coordinator,
        email=membership.person.email,
        role=Role.LEADER,
        programme=programme,
        working_group=group,
        person=membership.person,
    )
    account = invitation_accept(
        token=token, full_name="Олена Ковальчук", password="Ts7-correct-horse-battery"
    )
    membership.person.refresh_from_db()
    assert membership.person.user == account
    assert leader_roles(account) == [(group.pk, programme.pk)]
    # And the role still ends with the membership.
    membership_end(membership=membership, left_on=datetime.date(2024, 1, 31), reason="")
    assert leader_roles(account) == []


def test_accepting_after_the_leadership_ended_gives_no_role(coordinator, programme, group):
    membership = MembershipFactory(
        group=group, role=LEADER, person__email="leader.person@example.org"
    )
    _invitation, token = invitation_create(
        invited_by=coordinator,
        email=membership.person.email,
        role=Role.LEADER,
        programme=programme,
        working_group=group,
        person=membership.person,
    )
    membership_end(membership=membership, left_on=datetime.date(2024, 1, 31), reason="")
    account = invitation_accept(
        token=token, full_name="Олена Ковальчук", password="Ts7-correct-horse-battery"
    )
    assert leader_roles(account) == []
