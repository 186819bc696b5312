"""Every engagement list page costs the same number of queries with 1 row as with 50, for each
role that sees it, and stays under a small bound."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import Organisation
from tests.factories import (
    AssessedNeedFactory,
    EnrolmentFactory,
    EventFactory,
    MembershipFactory,
    NeedsAssessmentFactory,
    OpportunityFactory,
    OrganisationFactory,
    ParticipantFactory,
    VeteranOrganisationFactory,
    WorkingGroupFactory,
    YouthLeaderFactory,
    YouthSupportFactory,
)

pytestmark = pytest.mark.django_db

# Every signed-in page starts with the same three: the session, the user, and their roles
# with whether they have a second factor. Each test lists the rest; its bound is that total.
SIGNED_IN = 3


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each role fixture sets a password; the production hasher would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def same_for_1_and_50(client, url, add, rows, *, bound):
    """Adds one row, counts the page's queries; adds 49 more, counts again. `rows(response)`
    is how many rows the page showed; `bound` the most queries the page may take."""
    add(0)
    client.get(url)  # warm what every first request fills (sessions, content types)
    one, response = queries(client, url)
    assert rows(response) == 1
    for i in range(1, 50):
        add(i)
    many, response = queries(client, url)
    assert rows(response) == 50
    assert many == one
    assert one <= bound
    return one


@pytest.fixture
def visitors(programme):
    return [EnrolmentFactory(programme=programme).community for _ in range(2)]


def participate(event, i, group=None, community=None):
    """One participant with a varied sex, attendance and scores."""
    return ParticipantFactory(
        event=event,
        person__sex=["female", "male", "not_stated"][i % 3],
        person__birth_year=1960 + i % 50,
        person__is_veteran=i % 4 == 0,
        attendance=["present", "absent", "registered"][i % 3],
        score_before=1 + i % 5,
        score_after=None if i % 7 == 0 else 6 + i % 5,
        group=group,
        community=community or event.host_community,
    )


# --- events ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "donor", "leader"])
def test_events_list_query_count_is_the_same_for_1_and_50_events(
    request, as_user, programme, group, visitors, role
):
    """+ programme, communities for the filter, events with their counts, their topics, their
    visiting communities."""
    client = as_user(request.getfixturevalue(role))
    url = reverse("engagement:events", args=[programme.pk])

    def add(i):
        # Hosted by the leader's community, so that every role sees every event.
        event = EventFactory(
            programme=programme,
            host_community=group.community,
            topics=["fundraising", "communications", "public_safety"][: 1 + i % 3],
            starts_on=datetime.date(2023, 1, 1) + datetime.timedelta(days=i),
            ends_on=datetime.date(2023, 1, 1) + datetime.timedelta(days=i + 1),
            other_topic="Волонтерство" if i % 2 else "",
        )
        event.visiting_communities.set(visitors[: 1 + i % 2])
        event.groups.set([group])
        for j in range(3):
            participate(event, i + j, community=visitors[j % 2])

    # + the events counted for their pages
    same_for_1_and_50(client, url, add, lambda r: len(r.context["events"]), bound=SIGNED_IN + 6)


def test_events_list_with_filters_query_count_is_the_same(
    as_user, coordinator, programme, visitors
):
    """+ programme, communities to check the filter against and to draw it, events, topics,
    visiting communities."""
    client = as_user(coordinator)
    url = (
        reverse("engagement:events", args=[programme.pk])
        + f"?kind=training&topic=fundraising&community={visitors[0].pk}"
    )

    def add(i):
        event = EventFactory(programme=programme, topics=["fundraising", "other"])
        event.visiting_communities.set(visitors)
        participate(event, i)

    same_for_1_and_50(client, url, add, lambda r: len(r.context["events"]), bound=SIGNED_IN + 7)


@pytest.mark.parametrize("role", ["coordinator", "donor", "leader"])
def test_event_page_query_count_is_the_same_for_1_and_50_participants(
    request, as_user, programme, group, visitors, role
):
    """+ event, participants, the people shown to the user, attendance by community, by sex,
    score gain, topics, visiting communities, groups."""
    client = as_user(request.getfixturevalue(role))
    event = EventFactory(
        programme=programme, host_community=group.community, topics=["fundraising", "other"]
    )
    event.visiting_communities.set(visitors)
    event.groups.set([group, WorkingGroupFactory(programme=programme)])

    def add(i):
        # The leader sees the people of their group; the donor none, only the counts.
        participate(event, i, group=group if i % 2 else None, community=visitors[i % 2])
        if i % 2:
            MembershipFactory(group=group, person=event.participants.latest("pk").person)

    def rows(response):
        # Everyone registered, whether named on the page or only counted.
        return response.context["figures"].registered

    same_for_1_and_50(client, event.get_absolute_url(), add, rows, bound=SIGNED_IN + 9)


def test_sign_in_sheet_query_count_is_the_same_for_1_and_50_participants(
    as_user, coordinator, programme, visitors
):
    """+ event, participants with their people and communities."""
    client = as_user(coordinator)
    event = EventFactory(programme=programme)
    url = reverse("engagement:sign_in", args=[event.pk])

    same_for_1_and_50(
        client,
        url,
        lambda i: participate(event, i, community=visitors[i % 2]),
        lambda r: len(r.context["form"].participants),
        bound=SIGNED_IN + 2,
    )


def test_participants_add_page_query_count_is_the_same_for_1_and_50_members(
    as_user, coordinator, programme, group, visitors
):
    """+ event, visiting communities, memberships to choose from, other people on record,
    communities for a new person."""
    client = as_user(coordinator)
    named = WorkingGroupFactory(programme=programme)
    visiting = WorkingGroupFactory(programme=programme, community=visitors[0])
    event = EventFactory(programme=programme, host_community=group.community)
    event.groups.set([named])
    event.visiting_communities.set(visitors[:1])
    # Already on the list, so left out of the choices; and someone who left the group.
    ParticipantFactory(event=event, person=MembershipFactory(group=group).person)
    MembershipFactory(group=group, left_on=datetime.date(2023, 9, 1))
    url = reverse("engagement:participants_add", args=[event.pk])

    def add(i):
        # Members of the host's group, of a named group and of a visiting community's group.
        MembershipFactory(group=[group, named, visiting][i % 3])

    def rows(response):
        return sum(len(members) for _community, members in response.context["choices"])

    same_for_1_and_50(client, url, add, rows, bound=SIGNED_IN + 5)


# --- youth ----------------------------------------------------------------------------------


def test_youth_page_query_count_is_the_same_for_1_and_50_youth_leaders(
    as_user, coordinator, programme, group
):
    """+ programme, its age bands and the default ones, people by band, youth leader total,
    by community, support by kind, youth organisations, communities for the filter, youth
    leaders with their support counts."""
    client = as_user(coordinator)
    url = reverse("engagement:youth", args=[programme.pk])
    event = EventFactory(programme=programme)

    def add(i):
        organisation = OrganisationFactory(
            kind=Organisation.Kind.YOUTH_ORGANISATION, community=group.community
        )
        leader = YouthLeaderFactory(
            programme=programme,
            community=group.community if i % 2 else EnrolmentFactory(programme=programme).community,
            organisation=organisation if i % 3 else None,
        )
        YouthSupportFactory(youth_leader=leader, kind="training", event=event)
        YouthSupportFactory(youth_leader=leader, kind="small_grant", amount_uah=5000)

    # + the leaders counted for their pages
    same_for_1_and_50(client, url, add, lambda r: len(r.context["leaders"]), bound=SIGNED_IN + 11)


def test_youth_leader_page_query_count_is_the_same_for_1_and_50_supports(
    as_user, coordinator, programme
):
    """+ youth leader, whether their person may be shown, supports with provider and event."""
    client = as_user(coordinator)
    leader = YouthLeaderFactory(
        programme=programme,
        organisation=OrganisationFactory(kind=Organisation.Kind.YOUTH_ORGANISATION),
    )
    event = EventFactory(programme=programme)
    kinds = ["training", "internship", "mentoring", "small_grant", "equipment", "study_visit"]

    def add(i):
        YouthSupportFactory(
            youth_leader=leader,
            kind=kinds[i % len(kinds)],
            provider=OrganisationFactory() if i % 2 else None,
            provider_other="" if i % 2 else "Місцевий молодіжний центр",
            event=event if i % 3 == 0 else None,
            amount_uah=1000 * i if i % 4 else None,
            ends_on=datetime.date(2023, 6, 1) if i % 5 else None,
            outcome="Провів власний тренінг",
        )

    same_for_1_and_50(
        client,
        leader.get_absolute_url(),
        add,
        lambda r: len(r.context["supports"]),
        bound=SIGNED_IN + 3,
    )


# --- veteran sphere -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "donor", "leader"])
def test_veterans_page_query_count_is_the_same_for_1_and_50_rows(
    request, as_user, programme, group, role
):
    """+ programme; matching: assessments, their needs, opportunities, their needs, their
    communities; organisations by relationship, communities for the filter, organisations,
    assessments with need counts, opportunities, their needs, their communities."""
    client = as_user(request.getfixturevalue(role))
    url = reverse("engagement:veterans", args=[programme.pk])
    categories = ["employment", "housing", "health", "mental_health", "legal_aid", "education"]

    def add(i):
        # The leader sees their own community: everything in it, and as much elsewhere.
        for community in [group.community, EnrolmentFactory(programme=programme).community]:
            VeteranOrganisationFactory(programme=programme, community=community)
            assessment = NeedsAssessmentFactory(
                programme=programme,
                community=community,
                period_start=datetime.date(2023, 1, 1) + datetime.timedelta(days=i),
                period_end=datetime.date(2023, 3, 1) + datetime.timedelta(days=i),
            )
            for j in range(3):
                AssessedNeedFactory(
                    assessment=assessment,
                    category=categories[(i + j) % len(categories)],
                    severity=1 + (i + j) % 4,
                )
        opportunity = OpportunityFactory(
            programme=programme,
            categories=[categories[i % len(categories)], categories[(i + 2) % len(categories)]],
            provider=OrganisationFactory() if i % 2 else None,
            ends_on=datetime.date(2023, 12, 31) if i % 3 else None,
        )
        opportunity.communities.set([group.community] if i % 4 else [])

    def rows(response):
        # Every role sees all opportunities; coordinators and donors all 100 organisations
        # and assessments, fifty a page, a leader the 50 of their community.
        context = response.context
        n = len(context["opportunities"])
        seen = 2 * n if role != "leader" else n
        for listed in (context["organisations"], context["assessments"]):
            assert listed.paginator.count == seen
            assert len(listed) == min(seen, 50)
        return n

    # + the organisations and the assessments counted for their pages
    same_for_1_and_50(client, url, add, rows, bound=SIGNED_IN + 15)


def test_long_lists_come_a_page_at_a_time_keeping_the_filters_and_the_other_lists_page(
    as_user, coordinator, programme, visitors
):
    import re

    client = as_user(coordinator)
    for i in range(60):
        event = EventFactory(
            programme=programme,
            topics=["fundraising"],
            starts_on=datetime.date(2023, 1, 1) + datetime.timedelta(days=i),
            ends_on=datetime.date(2023, 1, 1) + datetime.timedelta(days=i),
        )
        event.visiting_communities.set(visitors)
    url = reverse("engagement:events", args=[programme.pk]) + "?topic=fundraising"
    first = client.get(url)
    assert len(first.context["events"]) == 50
    [next_link] = re.findall(r'href="\?([^"]*page=2)"', first.text)
    assert "topic=fundraising" in next_link
    second = client.get(url + "&page=2")
    assert len(second.context["events"]) == 10

    for _ in range(55):
        community = EnrolmentFactory(programme=programme).community
        VeteranOrganisationFactory(programme=programme, community=community)
        NeedsAssessmentFactory(programme=programme, community=community)
    veterans = reverse("engagement:veterans", args=[programme.pk])
    page = client.get(veterans + "?assessments=2")
    assert page.context["assessments"].number == 2
    assert page.context["organisations"].number == 1
    # The organisations' next page keeps the assessments' page, and the other way round.
    links = re.findall(r'href="\?([^"]*)"', page.text)
    assert "assessments=2&amp;organisations=2" in links
    assert "assessments=1" in links
