"""The activity page names people and what was changed about them: only the programme's
coordinators and the administrators read it; its donors and group leaders are refused, the
coordinators of other programmes find nothing, and visitors are sent to sign in."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["coordinator", "admin_user"])
def test_coordinator_and_administrator_read_the_activity(request, activity_page, programme, role):
    response = activity_page(request.getfixturevalue(role), programme)
    assert response.status_code == 200
    assert response.context["programme"] == programme


@pytest.mark.parametrize(
    ("role", "status"), [("donor", 403), ("leader", 403), ("other_coordinator", 404)]
)
def test_donor_leader_and_other_coordinator_are_refused(
    request, activity_page, programme, membership_of_group, role, status
):
    response = activity_page(request.getfixturevalue(role), programme)
    assert response.status_code == status
    # Nothing about the people in the refusal either.
    assert membership_of_group.person.full_name not in response.text


def test_anonymous_visitor_is_sent_to_sign_in(client, programme):
    url = reverse("activity:programme", args=[programme.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_programme_page_links_the_activity_for_coordinators_only(
    as_user, programme, coordinator, donor
):
    url = reverse("activity:programme", args=[programme.pk])
    assert url in as_user(coordinator).get(programme.get_absolute_url()).text
    assert url not in as_user(donor).get(programme.get_absolute_url()).text


@pytest.fixture
def membership_of_group(group):
    from tests.factories import MembershipFactory

    return MembershipFactory(group=group, person__full_name="Оксана Приватна")
