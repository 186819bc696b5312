"""The programme's group list: filters by status and community, the table alone for HTMX, and new
groups only in enrolled communities without one."""

import pytest
from django.urls import reverse

from tests.factories import CommunityFactory, EnrolmentFactory, WorkingGroupFactory
from workinggroups.models import WorkingGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(programme, group):
    steppe = EnrolmentFactory(
        programme=programme, community=CommunityFactory(name_uk="Степова", name_en="Stepova")
    ).community
    suspended = WorkingGroupFactory(
        programme=programme, community=steppe, status=WorkingGroup.Status.SUSPENDED
    )
    return group, suspended


def listed(client, programme, **params):
    url = reverse("workinggroups:group_list", args=[programme.pk])
    return {group.pk for group, _card in client.get(url, params).context["rows"]}


def test_group_list_filters_by_status(as_user, coordinator, programme, groups):
    forming, suspended = groups
    client = as_user(coordinator)
    assert listed(client, programme) == {forming.pk, suspended.pk}
    assert listed(client, programme, status="suspended") == {suspended.pk}
    assert listed(client, programme, status="ceased") == set()


def test_group_list_finds_a_community_by_cyrillic_name_in_any_case(
    as_user, donor, programme, groups
):
    _forming, suspended = groups
    assert listed(as_user(donor), programme, q="СТЕП") == {suspended.pk}


def test_htmx_filter_returns_only_the_table(as_user, coordinator, programme, groups):
    response = as_user(coordinator).get(
        reverse("workinggroups:group_list", args=[programme.pk]),
        {"status": "suspended"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "<table" in response.text
    assert "<html" not in response.text


def test_an_unknown_filter_value_is_not_an_error(as_user, coordinator, programme, groups):
    response = as_user(coordinator).get(
        reverse("workinggroups:group_list", args=[programme.pk]),
        {"status": "nonsense", "gap": "nonsense", "q": "\x00"},
    )
    assert response.status_code == 200


def test_coordinator_creates_a_group_only_where_there_is_none(as_user, coordinator, programme):
    taken = programme.enrolments.first().community
    WorkingGroupFactory(programme=programme, community=taken)
    free = EnrolmentFactory(programme=programme).community
    elsewhere = CommunityFactory()
    client = as_user(coordinator)
    url = reverse("workinggroups:group_create", args=[programme.pk])
    data = {"name_uk": "Група", "name_en": "Group", "meeting_cadence": "monthly"}
    for community in (taken, elsewhere):
        response = client.post(url, {**data, "community": community.pk})
        assert response.status_code == 200
        assert "community" in response.context["form"].errors
    assert WorkingGroup.objects.count() == 1
    assert client.post(url, {**data, "community": free.pk}).status_code == 302
    created = WorkingGroup.objects.get(community=free)
    assert (created.programme, created.status, created.meeting_cadence) == (
        programme,
        WorkingGroup.Status.FORMING,
        WorkingGroup.Cadence.MONTHLY,
    )
    assert created.status_changes.get().reason == "launch"
