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


def test_a_national_programmes_list_shows_fifty_groups_a_page_and_keeps_the_filter(
    as_user, coordinator, programme
):
    for n in range(60):
        WorkingGroupFactory(
            programme=programme,
            community=EnrolmentFactory(
                programme=programme,
                community=CommunityFactory(name_uk=f"Громада {n:02d}", name_en=f"Hromada {n:02d}"),
            ).community,
            status=WorkingGroup.Status.SUSPENDED if n % 2 else WorkingGroup.Status.FORMING,
        )
    client = as_user(coordinator)
    url = reverse("workinggroups:group_list", args=[programme.pk])

    first = client.get(url)
    assert len(first.context["rows"]) == 50
    assert first.context["page"].paginator.num_pages == 2
    assert "page=2" in first.content.decode()
    second = client.get(url, {"page": 2})
    assert len(second.context["rows"]) == 10
    names = [g.community.name_uk for g, _card in first.context["rows"] + second.context["rows"]]
    assert names == sorted(names) and len(set(names)) == 60

    # A filter holds across pages: 30 suspended groups, one page, its link keeps the status.
    suspended = client.get(url, {"status": "suspended"})
    assert len(suspended.context["rows"]) == 30
    assert suspended.context["page"].paginator.num_pages == 1
    # A page past the end shows the last page rather than an error.
    assert client.get(url, {"page": 99}).status_code == 200


def test_the_gap_filter_pages_the_groups_it_found(as_user, coordinator, programme):
    from tests.factories import category_by_code

    programme.required_categories.set([category_by_code("police")])
    for n in range(55):
        WorkingGroupFactory(
            programme=programme,
            community=EnrolmentFactory(
                programme=programme, community=CommunityFactory(name_uk=f"Громада {n:02d}")
            ).community,
        )
    client = as_user(coordinator)
    url = reverse("workinggroups:group_list", args=[programme.pk])
    first = client.get(url, {"gap": "any"})
    assert len(first.context["rows"]) == 50
    assert all(card is not None and not card.is_complete for _g, card in first.context["rows"])
    assert "gap=any" in first.content.decode().split("page=2")[0].rsplit("href", 1)[-1]
    assert len(client.get(url, {"gap": "any", "page": 2}).context["rows"]) == 5
