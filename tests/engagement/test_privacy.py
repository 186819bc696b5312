"""What engagement pages show of people. The markers (veteran, internally displaced,
disability) and names of participants and youth leaders are for the programme's coordinators
and the leaders of the person's own group; a leader whose group visits an event sees the
others only as a number. Donors see no name, phone, email, marker or veteran-organisation
contact anywhere, only counts, and counts from 1 to 4 show as "<5" to anyone but a
coordinator."""

import re
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve, reverse

from tests.factories import (
    AssessedNeedFactory,
    EventFactory,
    MembershipFactory,
    NeedsAssessmentFactory,
    OpportunityFactory,
    ParticipantFactory,
    PersonFactory,
    VeteranOrganisationFactory,
    YouthLeaderFactory,
    YouthSupportFactory,
)

pytestmark = pytest.mark.django_db

BADGE = re.compile(
    r'<span class="badge text-bg-secondary">(veteran|internally displaced|disability)</span>'
)
# The line standing for the participants a user may not see: the count, or "<5".
OTHERS = re.compile(r"(\d+|&lt;5) more participants? from other groups\.")
CONTACT = {"name": "Степан Гордієнко", "phone": "+380931112233", "email": "hordiienko@example.org"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each role fixture sets a password; the production hasher would take most of the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English, so that the markers are compared as the templates write them."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def person(name, index, **markers):
    return PersonFactory(
        full_name=name,
        phone=f"+38067000111{index}",
        email=f"person.{index}@example.org",
        **markers,
    )


@pytest.fixture
def world(programme, group, other_group):
    """`group`'s community hosts an exchange visit from `other_group`'s: Vira (a veteran) and
    Ivan (displaced, with a disability) of `group`, Olha of `other_group`; a training with Vira
    alone; two youth leaders, Taras (displaced, a member of `group`) and Yulia (in no group);
    a veteran organisation with a named contact; an assessment and an opportunity."""
    here, there = group.community, other_group.community
    vira = person("Віра Кравчук", 1, is_veteran=True)
    ivan = person("Іван Мельничук", 2, is_idp=True, has_disability=True)
    olha = person("Ольга Сидоренко", 3)
    taras = person("Тарас Бондаренко", 4, is_idp=True, birth_year=2003)
    yulia = person("Юлія Шевчук", 5, birth_year=2004)
    for someone, in_group in ((vira, group), (ivan, group), (olha, other_group), (taras, group)):
        MembershipFactory(person=someone, group=in_group)
    visit = EventFactory(programme=programme, host_community=here, kind="exchange_visit")
    visit.visiting_communities.add(there)
    for someone, community, from_group in ((vira, here, group), (ivan, here, group)):
        ParticipantFactory(event=visit, person=someone, community=community, group=from_group)
    ParticipantFactory(event=visit, person=olha, community=there, group=other_group)
    training = EventFactory(programme=programme, host_community=here)
    ParticipantFactory(event=training, person=vira, community=here, group=group)
    leaders = [
        YouthLeaderFactory(programme=programme, community=here, person=someone)
        for someone in (taras, yulia)
    ]
    YouthSupportFactory(youth_leader=leaders[0], event=training)
    assessment = NeedsAssessmentFactory(programme=programme, community=here)
    AssessedNeedFactory(assessment=assessment)
    return SimpleNamespace(
        programme=programme,
        here=here,
        vira=vira,
        ivan=ivan,
        olha=olha,
        taras=taras,
        yulia=yulia,
        people=[vira, ivan, olha, taras, yulia],
        visit=visit,
        training=training,
        taras_leader=leaders[0],
        yulia_leader=leaders[1],
        veterans=VeteranOrganisationFactory(
            programme=programme,
            community=here,
            contact_name=CONTACT["name"],
            contact_phone=CONTACT["phone"],
            contact_email=CONTACT["email"],
        ),
        assessment=assessment,
        opportunity=OpportunityFactory(programme=programme, categories=["employment"]),
    )


def markers(page) -> list[str]:
    return BADGE.findall(page.text)


def secrets(w) -> list[str]:
    """Everything that names or reaches a person."""
    found = [CONTACT["name"], CONTACT["phone"], CONTACT["email"]]
    for someone in w.people:
        found += [someone.full_name, someone.phone, someone.email]
    return found


# --- markers on an event --------------------------------------------------------------------


def test_coordinator_sees_every_participant_with_their_markers(as_user, coordinator, world):
    page = as_user(coordinator).get(world.visit.get_absolute_url())
    for someone in (world.vira, world.ivan, world.olha):
        assert someone.full_name in page.text
    assert sorted(markers(page)) == ["disability", "internally displaced", "veteran"]
    assert "more participant" not in page.text


def test_group_leader_sees_their_members_with_markers_and_the_others_as_a_number(
    as_user, leader, world
):
    page = as_user(leader).get(world.visit.get_absolute_url())
    assert world.vira.full_name in page.text
    assert world.ivan.full_name in page.text
    assert sorted(markers(page)) == ["disability", "internally displaced", "veteran"]
    assert world.olha.full_name not in page.text
    assert OTHERS.search(page.text).group(1) in ("1", "&lt;5")


def test_visiting_groups_leader_sees_neither_names_nor_markers_of_the_hosts(
    as_user, other_leader, world
):
    page = as_user(other_leader).get(world.visit.get_absolute_url())
    assert page.status_code == 200
    assert world.olha.full_name in page.text
    for someone in (world.vira, world.ivan):
        for text in (someone.full_name, someone.phone, someone.email):
            assert text not in page.text
    assert markers(page) == []
    assert OTHERS.search(page.text).group(1) in ("2", "&lt;5")


def test_veteran_on_the_training_shows_the_marker_to_coordinator_and_leader_only(
    as_user, coordinator, leader, donor, world
):
    for user, shown in ((coordinator, True), (leader, True), (donor, False)):
        page = as_user(user).get(world.training.get_absolute_url())
        assert (world.vira.full_name in page.text) is shown, user.email
        assert markers(page) == (["veteran"] if shown else []), user.email


# --- markers of youth leaders ---------------------------------------------------------------


def test_youth_leader_markers_are_for_the_coordinator_and_their_own_groups_leader(
    as_user, coordinator, leader, world
):
    url = world.taras_leader.get_absolute_url()
    for user in (coordinator, leader):
        page = as_user(user).get(url)
        assert world.taras.full_name in page.text
        assert markers(page) == ["internally displaced"], user.email


def test_leader_of_the_community_sees_no_markers_of_a_youth_leader_outside_their_group(
    as_user, coordinator, leader, world
):
    world.yulia.is_veteran = True
    world.yulia.save(update_fields=["is_veteran"])
    url = world.yulia_leader.get_absolute_url()
    assert markers(as_user(coordinator).get(url)) == ["veteran"]
    page = as_user(leader).get(url)
    assert page.status_code == 200
    assert markers(page) == []
    assert world.yulia.phone not in page.text


# --- donors ---------------------------------------------------------------------------------


def crawl(client, start: list[str]) -> dict[str, object]:
    """Every engagement page reachable by following links from `start`, with its response."""
    seen: dict[str, object] = {}
    queue = list(start)
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response
        if response.status_code != 200:
            continue
        for href in re.findall(r'href="([^"#?]+)', response.text):
            try:
                namespace = resolve(href).namespace
            except Resolver404:
                continue
            if namespace == "engagement" and href not in seen:
                queue.append(href)
    return seen


def test_donor_finds_no_name_phone_email_marker_or_contact_on_any_engagement_page(
    as_user, donor, world
):
    client = as_user(donor)
    start = [
        reverse(name, args=[world.programme.pk])
        for name in ("engagement:youth", "engagement:veterans", "engagement:events")
    ]
    found = crawl(client, start)
    reached = {url for url, response in found.items() if response.status_code == 200}
    for row in (
        world.visit,
        world.training,
        world.veterans,
        world.assessment,
        world.opportunity,
    ):
        assert row.get_absolute_url() in reached, row
    for url, response in found.items():
        for text in secrets(world):
            assert text not in response.text, (url, text)
        assert markers(response) == [], url
        assert "mailto:" not in response.text, url
        assert "tel:" not in response.text, url


def test_donor_never_reaches_a_youth_leader(as_user, donor, world):
    client = as_user(donor)
    for youth_leader in (world.taras_leader, world.yulia_leader):
        assert client.get(youth_leader.get_absolute_url()).status_code == 404


def test_donor_sees_youth_leaders_only_as_counts_per_community(as_user, donor, world):
    page = as_user(donor).get(reverse("engagement:youth", args=[world.programme.pk]))
    assert list(page.context["leaders"]) == []
    assert [n for _name, n in page.context["leaders_by_community"]] == [2]
    assert world.here.name in page.text
    for someone in (world.taras, world.yulia):
        assert someone.full_name not in page.text
    assert world.taras_leader.get_absolute_url() not in page.text


# --- small counts ---------------------------------------------------------------------------


def test_small_counts_show_as_less_than_five_except_to_coordinators(
    as_user, coordinator, leader, donor, world
):
    youth = reverse("engagement:youth", args=[world.programme.pk])
    events = reverse("engagement:events", args=[world.programme.pk])
    total = '<p class="display-6 mb-1">{}</p>'
    cell = '<td class="text-end">{}</td>'
    # Registered at the visit and the training: 3 and 1; two youth leaders.
    client = as_user(coordinator)
    assert total.format("2") in client.get(youth).text
    listing = client.get(events).text
    assert cell.format("3") in listing
    assert cell.format("1") in listing
    for user in (leader, donor):
        client = as_user(user)
        assert total.format("&lt;5") in client.get(youth).text, user.email
        listing = client.get(events).text
        assert cell.format("&lt;5") in listing, user.email
        for count in ("1", "3"):
            assert cell.format(count) not in listing, (user.email, count)
    detail = as_user(coordinator).get(world.visit.get_absolute_url()).text
    assert "3 present of 3 registered" in detail
    for user in (leader, donor):
        detail = as_user(user).get(world.visit.get_absolute_url()).text
        assert "&lt;5 present of &lt;5 registered" in detail, user.email
        assert "3 present" not in detail
        assert "3 registered" not in detail


def test_donor_is_not_told_the_exact_small_number_of_participants(as_user, donor, world):
    # The attendance box says "<5 registered"; a line counting the participants the donor may
    # not see must not give the number away.
    page = as_user(donor).get(world.visit.get_absolute_url())
    assert "&lt;5 present of &lt;5 registered" in page.text
    line = OTHERS.search(page.text)
    assert line is None or line.group(1) == "&lt;5", line.group(0)


# --- veteran organisation contacts ----------------------------------------------------------


def test_veteran_organisation_contact_is_for_coordinators_and_the_communitys_leader(
    as_user, coordinator, leader, world
):
    detail = world.veterans.get_absolute_url()
    registry = reverse("engagement:veterans", args=[world.programme.pk])
    for user in (coordinator, leader):
        client = as_user(user)
        page = client.get(detail)
        for text in CONTACT.values():
            assert text in page.text, (user.email, text)
        listing = client.get(registry).text
        assert CONTACT["name"] in listing
        assert CONTACT["phone"] in listing


def test_veteran_organisation_contact_is_never_shown_to_donors(as_user, donor, world):
    client = as_user(donor)
    for url in (
        world.veterans.get_absolute_url(),
        reverse("engagement:veterans", args=[world.programme.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert page.context["sees_contacts"] is False
        for text in CONTACT.values():
            assert text not in page.text, (url, text)


def test_leader_of_another_community_gets_no_contact(as_user, other_leader, world):
    client = as_user(other_leader)
    assert client.get(world.veterans.get_absolute_url()).status_code == 404
    listing = client.get(reverse("engagement:veterans", args=[world.programme.pk]))
    for text in CONTACT.values():
        assert text not in listing.text
