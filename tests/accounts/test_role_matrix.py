"""Every page of the product against every role: anonymous visitors go to sign-in, read-only
roles get 403 on every write, and no write changes anything when it is refused."""

import pytest
from django.core import mail
from django.urls import reverse

from communities.models import Community, Enrolment, Organisation, Programme
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls(programme):
    enrolment = programme.enrolments.first()
    organisation = OrganisationFactory()
    community = enrolment.community
    return {
        "read": [
            reverse("communities:programme_list"),
            reverse("communities:programme_detail", args=[programme.pk]),
            reverse("communities:community_list"),
            reverse("communities:community_detail", args=[community.pk]),
            reverse("communities:organisation_list"),
            reverse("communities:organisation_detail", args=[organisation.pk]),
            reverse("accounts:profile"),
        ],
        "write": [
            reverse("communities:programme_create"),
            reverse("communities:programme_edit", args=[programme.pk]),
            reverse("communities:programme_enrol", args=[programme.pk]),
            reverse("communities:enrolment_withdraw", args=[programme.pk, enrolment.pk]),
            reverse("communities:community_edit", args=[community.pk]),
            reverse("communities:organisation_create"),
            reverse("communities:organisation_edit", args=[organisation.pk]),
            reverse("accounts:invitation_list"),
        ],
    }


def snapshot():
    return (
        list(Programme.objects.values()),
        list(Enrolment.objects.values()),
        list(Community.objects.values()),
        list(Organisation.objects.values()),
    )


HOSTILE_POST = {
    "title_uk": "Змінено",
    "title_en": "Changed",
    "name_uk": "Змінено",
    "name_en": "Changed",
    "kind": "cso",
    "status": "occupied",
    "reason": "x",
    "withdrawn_on": "2023-05-01",
    "email": "intruder@example.org",
    "role": "coordinator",
}


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(client, urls):
    for url in urls["read"] + urls["write"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login")), url


@pytest.mark.parametrize("role", ["donor", "leader"])
def test_read_only_roles_read_but_every_write_is_403(request, as_user, urls, programme, role):
    client = as_user(request.getfixturevalue(role))
    for url in urls["read"]:
        assert client.get(url).status_code == 200, url
    before = snapshot()
    for url in urls["write"]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {**HOSTILE_POST, "programme": programme.pk}).status_code == 403, url
    assert snapshot() == before
    assert mail.outbox == []


def test_coordinator_reaches_every_page_of_their_programme(as_user, coordinator, urls):
    client = as_user(coordinator)
    for url in urls["read"] + urls["write"]:
        expected = 403 if url == reverse("communities:programme_create") else 200
        assert client.get(url).status_code == expected, url


def test_administrator_reaches_everything(as_user, admin_user, urls):
    client = as_user(admin_user)
    for url in urls["read"] + urls["write"]:
        assert client.get(url).status_code == 200, url


def test_django_admin_is_for_administrators_only(client, as_user, donor, coordinator):
    # The admin's own login page hands over to allauth, which refuses non-staff users.
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    for user in (donor, coordinator):
        assert as_user(user).get(reverse("admin:index"), follow=True).status_code == 403


def test_admin_lists_every_model(as_user, admin_user, programme):
    client = as_user(admin_user)
    for model in [
        "region",
        "raion",
        "community",
        "organisation",
        "stakeholdercategory",
        "programme",
    ]:
        assert client.get(reverse(f"admin:communities_{model}_changelist")).status_code == 200
    for model in ["user", "roleassignment", "invitation"]:
        assert client.get(reverse(f"admin:accounts_{model}_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:communities_programme_change", args=[programme.pk])).status_code
        == 200
    )


def test_password_reset_sends_a_link_in_ukrainian(client, donor):
    response = client.post(reverse("account_reset_password"), {"email": donor.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "пароль" in mail.outbox[0].body.lower()


def test_admin_programme_page_query_count_does_not_grow(
    as_user, admin_user, programme, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import EnrolmentFactory

    client = as_user(admin_user)
    url = reverse("admin:communities_programme_change", args=[programme.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    EnrolmentFactory.create_batch(30, programme=programme)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(one)
