"""Coordinators and administrators see no data until they have set up TOTP."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.conftest import give_totp
from tests.factories import RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_without_totp(programme):
    return RoleAssignmentFactory(role=Role.COORDINATOR, programme=programme).user


def test_coordinator_without_totp_sees_no_data(as_user, coordinator_without_totp, programme):
    client = as_user(coordinator_without_totp)
    for url in [
        reverse("communities:programme_list"),
        programme.get_absolute_url(),
        reverse("communities:community_list"),
        reverse("accounts:invitation_list"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse("mfa_activate_totp")
    # allauth asks for the password again before showing the TOTP secret.
    setup = client.get(reverse("mfa_activate_totp"), follow=True)
    assert setup.status_code == 200
    assert programme.title_uk not in setup.text


def test_htmx_request_without_totp_is_redirected_by_header(as_user, coordinator_without_totp):
    response = as_user(coordinator_without_totp).get(
        reverse("communities:community_list"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("mfa_activate_totp")


def test_coordinator_with_totp_sees_their_programmes(as_user, coordinator_without_totp, programme):
    client = as_user(give_totp(coordinator_without_totp))
    response = client.get(reverse("communities:programme_list"))
    assert response.status_code == 200
    assert programme.title_uk in response.text


def test_administrator_without_totp_cannot_open_the_admin(as_user, db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    response = as_user(admin).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_donor_and_leader_do_not_need_totp(as_user, donor, leader, programme):
    for user in (donor, leader):
        response = as_user(user).get(reverse("communities:programme_list"))
        assert response.status_code == 200
        assert programme.title_uk in response.text


def test_requirement_can_be_switched_off_for_the_demo(as_user, coordinator_without_totp, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    response = as_user(coordinator_without_totp).get(reverse("communities:programme_list"))
    assert response.status_code == 200


def test_sign_in_asks_for_the_code_when_totp_is_set_up(client, coordinator):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("account_login"), {"login": coordinator.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_staff_user_without_totp_cannot_open_the_admin(as_user, db):
    staff = UserFactory(is_staff=True)
    response = as_user(staff).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
