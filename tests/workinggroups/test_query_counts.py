"""The group list (the programme's overview with scorecards) and the group page cost the same
number of queries with 1 row as with 50."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import MembershipFactory, WorkingGroupFactory, category_by_code
from workinggroups.models import GroupStatusChange
from workinggroups.services import person_update

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def fill(group, n, start=0):
    """n members of varied categories and roles, one former member, one status change."""
    codes = ["police", "youth", "ses", "veterans", "cso"]
    for i in range(start, start + n):
        MembershipFactory(
            group=group,
            category=category_by_code(codes[i % len(codes)]),
            person__sex="male" if i % 2 else "female",
            person__birth_year=1950 + i,
            role="secretary" if i == 1 else "member",
        )
    MembershipFactory(group=group, left_on=datetime.date(2023, 9, 1))
    GroupStatusChange.objects.create(
        group=group, status="active", changed_on=datetime.date(2023, 1, 1), reason="launch"
    )


@pytest.fixture
def required(programme):
    programme.required_categories.set([category_by_code("police"), category_by_code("health")])


@pytest.mark.parametrize("role", ["coordinator", "donor", "admin_user"])
def test_group_list_query_count_is_the_same_for_1_and_50_groups(
    request, as_user, programme, group, required, role
):
    client = as_user(request.getfixturevalue(role))
    url = reverse("workinggroups:group_list", args=[programme.pk])
    fill(group, 3)
    client.get(url)  # warm caches that every first request fills
    one = queries(client, url)
    for _ in range(49):
        fill(WorkingGroupFactory(programme=programme), 3)
    many = queries(client, url)
    assert len(client.get(url).context["rows"]) == 50
    assert many == one


def test_group_list_with_gap_filter_query_count_is_the_same(
    as_user, coordinator, programme, group, required
):
    client = as_user(coordinator)
    url = reverse("workinggroups:group_list", args=[programme.pk]) + "?gap=any&status=forming"
    client.get(url)
    one = queries(client, url)
    for _ in range(49):
        WorkingGroupFactory(programme=programme)
    assert queries(client, url) == one


def test_leaders_group_list_query_count_does_not_grow(as_user, leader, programme, group):
    client = as_user(leader)
    url = reverse("workinggroups:group_list", args=[programme.pk])
    fill(group, 1)
    client.get(url)
    one = queries(client, url)
    fill(group, 49, start=1)
    for _ in range(10):
        WorkingGroupFactory(programme=programme)  # not theirs: not listed
    assert queries(client, url) == one


@pytest.mark.parametrize("role", ["coordinator", "leader", "donor"])
def test_group_page_query_count_is_the_same_for_1_and_50_members(
    request, as_user, group, required, role
):
    client = as_user(request.getfixturevalue(role))
    url = group.get_absolute_url()
    fill(group, 1)
    client.get(url)
    one = queries(client, url)
    fill(group, 49, start=1)
    many = queries(client, url)
    assert many == one
    if role != "donor":
        assert len(client.get(url).context["members"]) == 50


def test_my_groups_query_count_does_not_grow(as_user, coordinator, programme, group):
    client = as_user(coordinator)
    url = reverse("workinggroups:my_groups")
    client.get(url)
    one = queries(client, url)
    for _ in range(49):
        WorkingGroupFactory(programme=programme)
    assert queries(client, url) == one


def test_person_page_query_count_is_the_same_for_1_and_50_changes(as_user, coordinator, group):
    client = as_user(coordinator)
    person = MembershipFactory(group=group).person
    url = person.get_absolute_url()
    person_update(person=person, fields={"full_name": person.full_name, "phone": "0"}, by=None)
    client.get(url)
    one = queries(client, url)
    for i in range(1, 50):
        person_update(
            person=person, fields={"full_name": person.full_name, "phone": str(i)}, by=coordinator
        )
    assert queries(client, url) == one
