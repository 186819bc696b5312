"""Who may see and change programmes: scoping through visible_to, 404 and 403."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import EnrolmentFactory, RoleAssignmentFactory, WorkingGroupFactory

pytestmark = pytest.mark.django_db


def programme_pages(programme):
    enrolment = programme.enrolments.first()
    return {
        "detail": reverse("communities:programme_detail", args=[programme.pk]),
        "edit": reverse("communities:programme_edit", args=[programme.pk]),
        "enrol": reverse("communities:programme_enrol", args=[programme.pk]),
        "withdraw": reverse("communities:enrolment_withdraw", args=[programme.pk, enrolment.pk]),
    }


def test_programme_list_shows_only_the_users_programmes(
    as_user, coordinator, programme, other_programme
):
    response = as_user(coordinator).get(reverse("communities:programme_list"))
    assert response.status_code == 200
    assert programme.title_uk in response.text
    assert other_programme.title_uk not in response.text


def test_administrator_sees_every_programme(as_user, admin_user, programme, other_programme):
    response = as_user(admin_user).get(reverse("communities:programme_list"))
    assert programme.title_uk in response.text
    assert other_programme.title_uk in response.text


@pytest.mark.parametrize("page", ["detail", "edit", "enrol", "withdraw"])
def test_coordinator_gets_404_on_another_programmes_pages(
    as_user, coordinator, other_programme, page
):
    client = as_user(coordinator)
    url = programme_pages(other_programme)[page]
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x", "withdrawn_on": "2023-05-01"}).status_code == 404
    assert other_programme.enrolments.current().count() == 1


@pytest.mark.parametrize("role", ["donor", "leader"])
@pytest.mark.parametrize("page", ["edit", "enrol", "withdraw"])
def test_read_only_roles_get_403_on_programme_writes(request, as_user, programme, role, page):
    client = as_user(request.getfixturevalue(role))
    url = programme_pages(programme)[page]
    assert client.get(url).status_code == 403
    response = client.post(url, {"reason": "closed", "withdrawn_on": "2023-05-01"})
    assert response.status_code == 403
    assert programme.enrolments.current().count() == 1


@pytest.mark.parametrize("role", ["donor", "leader"])
def test_read_only_roles_can_read_their_programme(request, as_user, programme, role):
    client = as_user(request.getfixturevalue(role))
    response = client.get(programme_pages(programme)["detail"])
    assert response.status_code == 200
    assert "Редагувати" not in response.text  # no edit button for them


def test_only_administrators_create_programmes(as_user, coordinator, admin_user):
    url = reverse("communities:programme_create")
    assert as_user(coordinator).get(url).status_code == 403
    assert as_user(admin_user).get(url).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, programme):
    for url in [reverse("communities:programme_list"), *programme_pages(programme).values()]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_coordinator_edits_programme(as_user, coordinator, programme):
    url = programme_pages(programme)["edit"]
    data = {
        "title_uk": "Нова назва",
        "title_en": "New title",
        "implementing_partner": programme.implementing_partner.pk,
        "start_date": "2023-01-01",
        "end_date": "2024-12-31",
    }
    response = as_user(coordinator).post(url, data)
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.title_uk == "Нова назва"


def test_programme_that_ends_before_it_starts_is_refused(as_user, coordinator, programme):
    url = programme_pages(programme)["edit"]
    data = {
        "title_uk": "Нова назва",
        "title_en": "New title",
        "implementing_partner": programme.implementing_partner.pk,
        "start_date": "2024-01-01",
        "end_date": "2023-12-31",
    }
    response = as_user(coordinator).post(url, data)
    assert response.status_code == 200
    assert "не може завершитися раніше" in response.text
    programme.refresh_from_db()
    assert programme.title_uk != "Нова назва"


def test_programme_list_query_count_does_not_grow(as_user, admin_user, django_assert_num_queries):
    from tests.factories import ProgrammeFactory

    client = as_user(admin_user)
    ProgrammeFactory()
    client.get(reverse("communities:programme_list"))  # warm the session
    # session, user, roles with the TOTP check, programmes, donors prefetch
    with django_assert_num_queries(5):
        client.get(reverse("communities:programme_list"))
    for programme in ProgrammeFactory.create_batch(49):
        EnrolmentFactory(programme=programme)
    with django_assert_num_queries(5):
        response = client.get(reverse("communities:programme_list"))
    assert response.content.count(b"card-title") == 50


def test_programme_detail_query_count_does_not_grow(
    as_user, coordinator, programme, django_assert_num_queries
):
    client = as_user(coordinator)
    url = programme_pages(programme)["detail"]
    client.get(url)
    # session, user, roles with TOTP, programme, donors, partners, categories, enrolments
    # counted and a page of them, access counted and a page of it, applications waiting, and
    # (the programme has ended) groups whose outcome is not recorded
    assert programme.is_completed
    with django_assert_num_queries(13):
        client.get(url)
    EnrolmentFactory.create_batch(49, programme=programme)
    RoleAssignmentFactory.create_batch(
        60,
        programme=programme,
        role=Role.LEADER,
        working_group=WorkingGroupFactory(programme=programme),
    )
    with django_assert_num_queries(13):
        response = client.get(url)
    assert response.status_code == 200


def test_every_groups_leader_has_access_and_they_come_fifty_a_page(as_user, coordinator, programme):
    """A national programme gives 1,500 leaders a role: the list of people with access is
    paged, and its links keep the communities' page and search."""
    group = WorkingGroupFactory(programme=programme)
    leaders = RoleAssignmentFactory.create_batch(
        59, programme=programme, role=Role.LEADER, working_group=group
    )
    client = as_user(coordinator)
    url = programme_pages(programme)["detail"]

    first = client.get(url, {"q": "Громада"})
    rows = first.context["access"]
    assert len(rows) == 50 and rows.paginator.count == 60  # the coordinator too
    assert "q=%D0%93%D1%80%D0%BE%D0%BC%D0%B0%D0%B4%D0%B0&amp;people=2" in first.text
    second = client.get(url, {"people": 2})
    assert len(second.context["access"]) == 10
    shown = {a.pk for a in rows} | {a.pk for a in second.context["access"]}
    assert shown >= {leader.pk for leader in leaders}
    assert second.context["enrolments"].number == 1


def test_donors_see_no_one_with_access(as_user, donor, programme):
    response = as_user(donor).get(programme_pages(programme)["detail"])
    assert response.context["access"] is None
    assert "People with access" not in response.text
    assert "Люди з доступом" not in response.text


def test_a_national_programmes_communities_come_fifty_a_page_with_a_search(
    as_user, coordinator, programme, django_assert_max_num_queries
):
    from tests.factories import CommunityFactory

    for n in range(59):
        community = CommunityFactory(name_uk=f"Громада {n:02d}")
        EnrolmentFactory(programme=programme, community=community)
    EnrolmentFactory(programme=programme, community=CommunityFactory(name_uk="Їжакевицька"))
    client = as_user(coordinator)
    url = programme_pages(programme)["detail"]

    first = client.get(url)
    rows = first.context["enrolments"]
    assert len(rows) == 50 and rows.paginator.count == programme.enrolments.count()
    second = client.get(url, {"page": 2})
    assert {e.pk for e in second.context["enrolments"]}.isdisjoint({e.pk for e in rows})
    assert "page=1" in second.text

    # Case and apostrophes as people type them, and the search kept across pages.
    found = client.get(url, {"q": "їжакевицька"})
    assert [e.community.name_uk for e in found.context["enrolments"]] == ["Їжакевицька"]
    nothing = client.get(url, {"q": "немає такої"})
    assert not nothing.context["enrolments"]
    assert "Жодна громада програми не відповідає пошуку." in nothing.text
    with django_assert_max_num_queries(14):
        client.get(url, {"q": "Громада", "page": 2})
