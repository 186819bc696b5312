"""Memberships: one open seat per person and group, one leader at a time, leaving keeps the
record with its dates, and no date in the future or before joining. The services refuse with a
message; the database refuses too, for writes that bypass the services."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tests.factories import MembershipFactory, PersonFactory, category_by_code
from workinggroups.models import Membership, Person, WorkingGroup
from workinggroups.services import membership_add, membership_end, membership_update

pytestmark = pytest.mark.django_db

JOINED = datetime.date(2023, 3, 1)


def add(group, person, role=Membership.Role.MEMBER, joined_on=JOINED):
    return membership_add(
        group=group, person=person, category=category_by_code(), role=role, joined_on=joined_on
    )


def test_a_person_has_one_open_membership_per_group(group):
    person = PersonFactory()
    add(group, person)
    with pytest.raises(ValidationError):
        add(group, person)
    assert Membership.objects.filter(person=person).count() == 1


def test_database_refuses_a_second_open_membership(group):
    first = MembershipFactory(group=group)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(group=group, person=first.person)


def test_a_person_may_rejoin_after_leaving(group):
    person = PersonFactory()
    first = add(group, person)
    membership_end(membership=first, left_on=datetime.date(2023, 6, 1), reason="Переїзд")
    again = add(group, person, joined_on=datetime.date(2024, 1, 1))
    assert Membership.objects.filter(person=person).count() == 2
    assert again.is_current and not Membership.objects.get(pk=first.pk).is_current


def test_a_person_may_sit_in_two_groups(group, other_group):
    person = PersonFactory()
    add(group, person)
    add(other_group, person)
    assert person.memberships.current().count() == 2


def test_a_group_has_at_most_one_leader(group):
    add(group, PersonFactory(), role=Membership.Role.LEADER)
    with pytest.raises(ValidationError) as refused:
        add(group, PersonFactory(), role=Membership.Role.LEADER)
    assert "role" in refused.value.message_dict
    assert group.memberships.filter(role=Membership.Role.LEADER).count() == 1


def test_database_refuses_a_second_leader(group):
    MembershipFactory(group=group, role=Membership.Role.LEADER)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(group=group, role=Membership.Role.LEADER)


def test_promoting_a_member_when_the_group_has_a_leader_is_refused(group):
    MembershipFactory(group=group, role=Membership.Role.LEADER)
    member = MembershipFactory(group=group)
    with pytest.raises(ValidationError):
        membership_update(
            membership=member, category=member.category, organisation=None, role="leader"
        )
    member.refresh_from_db()
    assert member.role == Membership.Role.MEMBER


def test_a_new_leader_may_follow_one_who_left(group):
    old = MembershipFactory(group=group, role=Membership.Role.LEADER)
    membership_end(membership=old, left_on=datetime.date(2024, 1, 31), reason="")
    new = add(group, PersonFactory(), role=Membership.Role.LEADER)
    assert list(group.memberships.current().filter(role="leader")) == [new]
    old.refresh_from_db()
    assert old.role == Membership.Role.LEADER  # the record of who led, and when, stays


def test_leaving_keeps_the_record_with_its_dates(group):
    membership = MembershipFactory(group=group)
    membership_end(
        membership=membership, left_on=datetime.date(2024, 2, 29), reason="  Переїхала  "
    )
    kept = Membership.objects.get(pk=membership.pk)
    assert (kept.joined_on, kept.left_on, kept.left_reason) == (
        JOINED,
        datetime.date(2024, 2, 29),
        "Переїхала",
    )
    assert not group.memberships.current().exists()
    assert Person.objects.filter(pk=membership.person_id).exists()


def test_leaving_before_joining_is_refused(group):
    membership = MembershipFactory(group=group)
    with pytest.raises(ValidationError) as refused:
        membership_end(
            membership=membership, left_on=JOINED - datetime.timedelta(days=1), reason=""
        )
    assert "left_on" in refused.value.message_dict
    membership.refresh_from_db()
    assert membership.left_on is None


def test_leaving_on_the_day_of_joining_is_allowed(group):
    membership = MembershipFactory(group=group)
    membership_end(membership=membership, left_on=JOINED, reason="")
    assert Membership.objects.get(pk=membership.pk).left_on == JOINED


def test_database_refuses_leaving_before_joining(group):
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(group=group, left_on=JOINED - datetime.timedelta(days=1))


def test_a_membership_ends_only_once(group):
    membership = MembershipFactory(group=group, left_on=datetime.date(2023, 5, 1))
    with pytest.raises(ValidationError):
        membership_end(membership=membership, left_on=datetime.date(2023, 6, 1), reason="")
    assert Membership.objects.get(pk=membership.pk).left_on == datetime.date(2023, 5, 1)


def test_an_ended_membership_cannot_be_changed(group):
    membership = MembershipFactory(group=group, left_on=datetime.date(2023, 5, 1))
    with pytest.raises(ValidationError):
        membership_update(
            membership=membership,
            category=category_by_code("police"),
            organisation=None,
            role="deputy",
        )
    membership.refresh_from_db()
    assert (membership.category.code, membership.role) == ("other", "member")


def test_joining_in_the_future_is_refused(group):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        add(group, PersonFactory(), joined_on=tomorrow)
    assert "joined_on" in refused.value.message_dict
    assert not Membership.objects.exists()


def test_leaving_in_the_future_is_refused(group):
    membership = MembershipFactory(group=group)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        membership_end(membership=membership, left_on=tomorrow, reason="")
    assert Membership.objects.get(pk=membership.pk).left_on is None


def test_joining_today_is_allowed(group):
    membership = add(group, PersonFactory(), joined_on=timezone.localdate())
    assert membership.is_current


def test_a_ceased_group_refuses_new_members(group):
    WorkingGroup.objects.filter(pk=group.pk).update(status=WorkingGroup.Status.CEASED)
    with pytest.raises(ValidationError):
        add(group, PersonFactory())
    assert not Membership.objects.exists()


def test_future_join_date_message_is_in_ukrainian(as_user, coordinator, group, member_form_data):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = as_user(coordinator).post(
        reverse("workinggroups:member_add", args=[group.pk]),
        member_form_data(group, joined_on=tomorrow.isoformat()),
    )
    assert response.status_code == 200
    assert "Дата не може бути в майбутньому." in response.text
    assert not Membership.objects.exists()


def test_refused_member_add_creates_no_person(as_user, coordinator, group, member_form_data):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    as_user(coordinator).post(
        reverse("workinggroups:member_add", args=[group.pk]),
        member_form_data(group, joined_on=tomorrow.isoformat()),
    )
    assert not Person.objects.exists()


def test_adding_to_a_ceased_group_through_the_page_changes_nothing(
    as_user, coordinator, group, member_form_data
):
    WorkingGroup.objects.filter(pk=group.pk).update(status=WorkingGroup.Status.CEASED)
    response = as_user(coordinator).post(
        reverse("workinggroups:member_add", args=[group.pk]), member_form_data(group)
    )
    assert response.status_code == 200
    assert not Membership.objects.exists()
    assert not Person.objects.exists()


def test_end_membership_page_refuses_leaving_before_joining(as_user, leader, group):
    membership = MembershipFactory(group=group)
    response = as_user(leader).post(
        reverse("workinggroups:membership_end", args=[membership.pk]),
        {"left_on": "2023-02-28", "reason": ""},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Membership.objects.get(pk=membership.pk).left_on is None


def test_edit_membership_page_refuses_a_second_leader(as_user, coordinator, group):
    MembershipFactory(group=group, role=Membership.Role.LEADER)
    member = MembershipFactory(group=group)
    response = as_user(coordinator).post(
        reverse("workinggroups:membership_edit", args=[member.pk]),
        {"category": member.category_id, "organisation": "", "role": "leader"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Membership.objects.get(pk=member.pk).role == Membership.Role.MEMBER
