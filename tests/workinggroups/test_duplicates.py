"""No duplicate people: adding someone who looks like a person on record warns and offers that
record, so that unique-participant counts stay honest; a record the user may not see is never
revealed."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, WorkingGroupFactory
from workinggroups.models import Person

pytestmark = pytest.mark.django_db


def add_url(group):
    return reverse("workinggroups:member_add", args=[group.pk])


def offered(response):
    """The people the warning offers, as the buttons a user would press."""
    return [person.pk for person in response.context["matches"]]


@pytest.fixture
def iryna(group, other_group):
    """Ірина Мельник, born 1985, living in `group`'s community, a member of the other group."""
    return MembershipFactory(
        group=other_group,
        person__full_name="Ірина Мельник",
        person__birth_year=1985,
        person__community=group.community,
    ).person


def data(group, member_form_data, **changes):
    return member_form_data(
        group, **{"full_name": "Ірина  Мельник ", "birth_year": "1985", **changes}
    )


def test_similar_person_is_warned_about_and_offered(
    as_user, coordinator, group, iryna, member_form_data
):
    response = as_user(coordinator).post(add_url(group), data(group, member_form_data))
    assert response.status_code == 200
    assert offered(response) == [iryna.pk]
    assert f'name="use_person" value="{iryna.pk}"' in response.text
    assert Person.objects.count() == 1
    assert not group.memberships.exists()


def test_choosing_the_offered_person_adds_them_without_a_new_record(
    as_user, coordinator, group, iryna, member_form_data
):
    response = as_user(coordinator).post(
        add_url(group), data(group, member_form_data, use_person=str(iryna.pk))
    )
    assert response.status_code == 302
    assert Person.objects.count() == 1
    membership = group.memberships.get()
    assert (membership.person, membership.category.code, membership.joined_on) == (
        iryna,
        "police",
        datetime.date(2024, 1, 10),
    )


def test_confirming_a_different_person_creates_a_new_record(
    as_user, coordinator, group, iryna, member_form_data
):
    client = as_user(coordinator)
    warned = client.post(add_url(group), data(group, member_form_data))
    # The warning arms the hidden confirmation: pressing "Add" again creates the record.
    assert warned.context["form"]["confirm_new"].value() == "on"
    response = client.post(add_url(group), data(group, member_form_data, confirm_new="on"))
    assert response.status_code == 302
    assert Person.objects.filter(full_name="Ірина Мельник").count() == 2
    new = group.memberships.get().person
    assert new != iryna


def test_leader_is_offered_a_former_member_of_their_group(as_user, leader, group, member_form_data):
    former = MembershipFactory(
        group=group,
        person__full_name="Ірина Мельник",
        person__birth_year=1985,
        left_on=datetime.date(2023, 5, 1),
    ).person
    client = as_user(leader)
    response = client.post(add_url(group), data(group, member_form_data))
    assert offered(response) == [former.pk]
    client.post(add_url(group), data(group, member_form_data, use_person=str(former.pk)))
    assert Person.objects.count() == 1
    assert group.memberships.current().get().person == former


@pytest.fixture
def outside(other_programme):
    """A group of another programme."""
    return WorkingGroupFactory(
        programme=other_programme, community=other_programme.enrolments.first().community
    )


@pytest.mark.parametrize("who", ["leader", "other_coordinator"])
def test_a_match_in_another_programme_is_not_revealed(
    request, as_user, group, outside, member_form_data, who
):
    # The user adds to a group of their own; the look-alike sits in a group they cannot see.
    target, elsewhere = (group, outside) if who == "leader" else (outside, group)
    hidden = MembershipFactory(
        group=elsewhere,
        person__full_name="Ірина Мельник",
        person__birth_year=1985,
        person__phone="+380990001122",
        person__email="hidden.iryna@example.org",
    ).person
    client = as_user(request.getfixturevalue(who))
    # Asking for the hidden record by id does not work.
    refused = client.post(
        add_url(target), data(target, member_form_data, use_person=str(hidden.pk))
    )
    assert refused.status_code == 404
    assert not target.memberships.exists()
    # Without a match the user may see, no warning at all: a warning about someone hidden
    # would itself reveal that they take part elsewhere. The member gets their own record.
    response = client.post(add_url(target), data(target, member_form_data))
    assert response.status_code == 302
    followed = client.get(response.url)
    for secret in ("+380990001122", "hidden.iryna@example.org", elsewhere.name):
        assert secret not in followed.text
    assert Person.objects.count() == 2
    assert target.memberships.get().person != hidden


def test_a_different_birth_year_is_not_a_match(
    as_user, coordinator, group, iryna, member_form_data
):
    response = as_user(coordinator).post(
        add_url(group), data(group, member_form_data, birth_year="1986")
    )
    assert response.status_code == 302
    assert Person.objects.filter(full_name="Ірина Мельник").count() == 2


def test_choosing_someone_already_in_the_group_changes_nothing(
    as_user, coordinator, group, member_form_data
):
    member = MembershipFactory(
        group=group, person__full_name="Ірина Мельник", person__birth_year=1985
    ).person
    response = as_user(coordinator).post(
        add_url(group), data(group, member_form_data, use_person=str(member.pk))
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert group.memberships.count() == 1


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", " 1", "0x10"])
def test_a_malformed_choice_is_a_form_error(
    as_user, coordinator, group, iryna, member_form_data, value
):
    response = as_user(coordinator).post(
        add_url(group), data(group, member_form_data, use_person=value)
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Person.objects.count() == 1
    assert not group.memberships.exists()


def test_a_match_ignores_the_case_of_cyrillic_names(
    as_user, coordinator, group, iryna, member_form_data
):
    response = as_user(coordinator).post(
        add_url(group), data(group, member_form_data, full_name="ірина мельник")
    )
    assert response.status_code == 200
    assert offered(response) == [iryna.pk]
