"""The community and organisation directories: scope, search, filters, edits."""

import pytest
from django.urls import reverse

from communities.models import Community, Organisation
from tests.factories import CommunityFactory, EnrolmentFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_coordinator_finds_community_by_cyrillic_name_in_any_case(as_user, coordinator):
    CommunityFactory(name_uk="Баранівська", name_en="Baranivska")
    CommunityFactory(name_uk="Чорнобаївська", name_en="Chornobaivska")
    response = as_user(coordinator).get(reverse("communities:community_list"), {"q": "баранів"})
    assert "Баранівська" in response.text
    assert "Чорнобаївська" not in response.text


def test_search_treats_apostrophe_variants_alike(as_user, coordinator):
    CommunityFactory(name_uk="Кам’янська", name_en="Kamianska")
    response = as_user(coordinator).get(reverse("communities:community_list"), {"q": "кам'ян"})
    assert "Кам’янська" in response.text


def test_community_list_filters_by_status_and_programme(as_user, coordinator, programme):
    enrolled = programme.enrolments.first().community
    frontline = CommunityFactory(status=Community.Status.FRONTLINE, name_uk="Степова")
    client = as_user(coordinator)
    by_status = client.get(reverse("communities:community_list"), {"status": "frontline"})
    assert frontline.name_uk in by_status.text
    assert enrolled.name_uk not in by_status.text
    by_programme = client.get(reverse("communities:community_list"), {"programme": programme.pk})
    assert enrolled.name_uk in by_programme.text
    assert frontline.name_uk not in by_programme.text


def test_htmx_filter_returns_only_the_table(as_user, coordinator):
    response = as_user(coordinator).get(
        reverse("communities:community_list"), {"q": "x"}, HTTP_HX_REQUEST="true"
    )
    assert "<nav" not in response.text.split("pagination")[0]
    assert "<table" in response.text


def test_donor_sees_only_communities_of_their_programmes(as_user, donor, programme):
    enrolled = programme.enrolments.first().community
    elsewhere = CommunityFactory()
    client = as_user(donor)
    listing = client.get(reverse("communities:community_list"))
    assert enrolled.name_uk in listing.text
    assert elsewhere.name_uk not in listing.text
    assert client.get(elsewhere.get_absolute_url()).status_code == 404
    assert client.get(enrolled.get_absolute_url()).status_code == 200


def test_withdrawn_community_stays_visible_to_the_programmes_donor(
    as_user, donor, programme, coordinator
):
    enrolment = programme.enrolments.first()
    as_user(coordinator).post(
        reverse("communities:enrolment_withdraw", args=[programme.pk, enrolment.pk]),
        {"withdrawn_on": "2023-06-01", "reason": "окупація"},
    )
    response = as_user(donor).get(enrolment.community.get_absolute_url())
    assert response.status_code == 200
    assert "окупація" in response.text


def test_community_list_query_count_does_not_grow(as_user, coordinator, django_assert_num_queries):
    client = as_user(coordinator)
    CommunityFactory()
    url = reverse("communities:community_list")
    client.get(url)
    # session, user, roles with TOTP, programme filter choices, regions, count, page of
    # communities
    with django_assert_num_queries(7):
        client.get(url)
    CommunityFactory.create_batch(49)
    with django_assert_num_queries(7):
        client.get(url)


@pytest.mark.parametrize("role", ["donor", "leader"])
def test_read_only_roles_cannot_edit_a_community(request, as_user, programme, role):
    community = programme.enrolments.first().community
    client = as_user(request.getfixturevalue(role))
    url = reverse("communities:community_edit", args=[community.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"status": "occupied"}).status_code == 403
    community.refresh_from_db()
    assert community.status == Community.Status.ACCESSIBLE


def test_coordinator_edits_a_community_of_their_programme(as_user, coordinator, programme):
    community = programme.enrolments.first().community
    response = as_user(coordinator).post(
        reverse("communities:community_edit", args=[community.pk]),
        {
            "name_uk": community.name_uk,
            "name_en": community.name_en,
            "kind": "rural",
            "status": "frontline",
            "status_note": "обстріли",
            "population": "12000",
        },
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert (community.status, community.population) == ("frontline", 12000)


def test_coordinator_cannot_edit_a_community_outside_their_programmes(as_user, coordinator):
    community = CommunityFactory()
    url = reverse("communities:community_edit", args=[community.pk])
    assert as_user(coordinator).get(url).status_code == 403


def test_invalid_coordinates_are_refused_and_nothing_changes(as_user, coordinator, programme):
    community = programme.enrolments.first().community
    response = as_user(coordinator).post(
        reverse("communities:community_edit", args=[community.pk]),
        {"name_uk": "Інша", "name_en": "Other", "status": "accessible", "latitude": "123"},
    )
    assert response.status_code == 200
    community.refresh_from_db()
    assert community.name_uk != "Інша"


def test_coordinator_enrols_a_community_and_cannot_enrol_it_twice(as_user, coordinator, programme):
    community = CommunityFactory(name_uk="Новоборівська")
    client = as_user(coordinator)
    url = reverse("communities:programme_enrol", args=[programme.pk])
    search = client.get(url, {"q": "новобор"})
    assert "Новоборівська" in search.text
    data = {"community": community.pk, "enrolled_on": "2023-02-01"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 200
    assert programme.enrolments.current().filter(community=community).count() == 1


def test_enrolment_outside_the_programme_period_is_refused(as_user, coordinator, programme):
    community = CommunityFactory()
    url = reverse("communities:programme_enrol", args=[programme.pk])
    response = as_user(coordinator).post(
        url, {"community": community.pk, "enrolled_on": "2019-01-01"}
    )
    assert response.status_code == 200
    assert not programme.enrolments.filter(community=community).exists()


def test_withdrawal_needs_a_reason_and_keeps_the_record(as_user, coordinator, programme):
    enrolment = programme.enrolments.first()
    client = as_user(coordinator)
    url = reverse("communities:enrolment_withdraw", args=[programme.pk, enrolment.pk])
    assert client.post(url, {"withdrawn_on": "2023-06-01", "reason": ""}).status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.withdrawn_on is None
    assert client.post(url, {"withdrawn_on": "2023-06-01", "reason": "merged"}).status_code == 302
    enrolment.refresh_from_db()
    assert str(enrolment.withdrawn_on) == "2023-06-01"
    assert enrolment.withdrawal_reason == "merged"
    # Re-enrolling later opens a new record beside the old one.
    EnrolmentFactory(programme=programme, community=enrolment.community)
    assert programme.enrolments.filter(community=enrolment.community).count() == 2


def test_organisation_directory_is_for_staff_and_writes_refused_to_donors(
    as_user, coordinator, donor
):
    OrganisationFactory(name_uk="Баранівська міська рада", kind=Organisation.Kind.LOCAL_GOVERNMENT)
    listing = as_user(coordinator).get(reverse("communities:organisation_list"), {"q": "міська"})
    assert "Баранівська міська рада" in listing.text
    donor_client = as_user(donor)
    url = reverse("communities:organisation_create")
    assert donor_client.get(url).status_code == 403
    assert (
        donor_client.post(url, {"name_uk": "X", "name_en": "X", "kind": "cso"}).status_code == 403
    )
    assert not Organisation.objects.filter(name_uk="X").exists()


def test_coordinator_creates_an_organisation(as_user, coordinator):
    response = as_user(coordinator).post(
        reverse("communities:organisation_create"),
        {
            "name_uk": "ГО Світанок",
            "name_en": "NGO Svitanok",
            "kind": "cso",
            "website": "svitanok.org.ua",
        },
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name_uk="ГО Світанок")
    assert organisation.website == "https://svitanok.org.ua"


def test_organisation_list_query_count_does_not_grow(
    as_user, coordinator, django_assert_num_queries
):
    client = as_user(coordinator)
    OrganisationFactory(community=CommunityFactory())
    url = reverse("communities:organisation_list")
    client.get(url)
    # session, user, roles with TOTP, count, page of organisations with their communities
    with django_assert_num_queries(5):
        client.get(url)
    for _ in range(49):
        OrganisationFactory(community=CommunityFactory())
    with django_assert_num_queries(5):
        response = client.get(url)
    assert response.status_code == 200


def test_coordinator_cannot_edit_an_organisation_another_programme_relies_on(
    as_user, coordinator, other_programme
):
    partner = other_programme.implementing_partner
    url = reverse("communities:organisation_edit", args=[partner.pk])
    client = as_user(coordinator)
    assert client.get(url).status_code == 403
    response = client.post(url, {"name_uk": "Захоплено", "name_en": "Hijacked", "kind": "cso"})
    assert response.status_code == 403
    partner.refresh_from_db()
    assert partner.name_en != "Hijacked"


def test_coordinator_edits_their_own_programmes_partner(as_user, coordinator, programme):
    partner = programme.implementing_partner
    response = as_user(coordinator).post(
        reverse("communities:organisation_edit", args=[partner.pk]),
        {"name_uk": "Нова назва", "name_en": "New name", "kind": "implementing_partner"},
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.name_en == "New name"


@pytest.mark.parametrize("query", ["\x00", "ба\x00ран", "x" * 5000, "%", "_", "'; DROP TABLE"])
def test_odd_search_text_never_fails(as_user, coordinator, programme, query):
    client = as_user(coordinator)
    assert client.get(reverse("communities:community_list"), {"q": query}).status_code == 200
    enrol = reverse("communities:programme_enrol", args=[programme.pk])
    assert client.get(enrol, {"q": query}).status_code == 200
    assert client.get(reverse("communities:organisation_list"), {"q": query}).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "99999"},
        {"region": "x"},
        {"programme": "-1"},
        {"status": "nonsense"},
    ],
)
def test_bad_filter_values_never_fail(as_user, coordinator, params):
    response = as_user(coordinator).get(reverse("communities:community_list"), params)
    assert response.status_code == 200


def test_a_withdrawal_in_the_future_is_refused(as_user, coordinator, programme):
    enrolment = programme.enrolments.first()
    response = as_user(coordinator).post(
        reverse("communities:enrolment_withdraw", args=[programme.pk, enrolment.pk]),
        {"withdrawn_on": "2999-01-01", "reason": "planned"},
    )
    assert response.status_code == 200
    assert "майбутньому" in response.text
    enrolment.refresh_from_db()
    assert enrolment.withdrawn_on is None
