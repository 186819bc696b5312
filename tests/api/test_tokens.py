"""Personal tokens: made on the user's page (the secret shown once, only its hash kept),
listed, revoked; refused when revoked, expired, or their holder is deactivated; staff without
a second factor get none."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from api.models import ApiToken, hash_secret
from api.services import api_token_create
from cohesion import clock
from tests.factories import RoleAssignmentFactory

pytestmark = pytest.mark.django_db

PROGRAMMES = "/api/v1/programmes"


def test_a_user_makes_a_token_and_sees_its_secret_once(as_user, donor, client):
    page = as_user(donor).post(reverse("api:tokens"), {"name": "UN OCHA 5W"})
    assert page.status_code == 200
    token = ApiToken.objects.get(user=donor)
    secret = page.context["secret"]
    assert secret in page.text
    # Only the hash and a short prefix are kept.
    assert token.secret_hash == hash_secret(secret)
    assert secret not in {token.secret_hash, token.prefix}
    assert secret.startswith(token.prefix)
    again = client.get(reverse("api:tokens"))
    assert token.name in again.text and secret not in again.text
    api = client.get(PROGRAMMES, headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200


def test_a_token_with_a_past_expiry_day_is_not_made(as_user, donor):
    yesterday = clock.today() - datetime.timedelta(days=1)
    page = as_user(donor).post(
        reverse("api:tokens"), {"name": "x", "expires_on": yesterday.isoformat()}
    )
    assert page.status_code == 200
    assert page.context["form"].errors
    assert not ApiToken.objects.exists()


def test_a_revoked_token_is_refused(as_user, donor, client, bearer):
    headers = bearer(donor)
    token = ApiToken.objects.get(user=donor)
    response = as_user(donor).post(reverse("api:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert client.get(PROGRAMMES, headers=headers).status_code == 401


def test_nobody_else_revokes_a_users_token(as_user, donor, coordinator, admin_user, bearer):
    headers = bearer(donor)
    token = ApiToken.objects.get(user=donor)
    for other in (coordinator, admin_user):
        response = as_user(other).post(reverse("api:token_revoke", args=[token.pk]))
        assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert as_user(donor).get(PROGRAMMES, headers=headers).status_code == 200


def test_an_expired_token_is_refused(client, donor, bearer, time_machine):
    headers = bearer(donor, expires_at=clock.now() + datetime.timedelta(days=1))
    assert client.get(PROGRAMMES, headers=headers).status_code == 200
    time_machine.move_to(clock.now() + datetime.timedelta(days=2))
    assert client.get(PROGRAMMES, headers=headers).status_code == 401


def test_a_deactivated_users_token_is_refused(client, donor, bearer):
    headers = bearer(donor)
    donor.is_active = False
    donor.save(update_fields=["is_active"])
    assert client.get(PROGRAMMES, headers=headers).status_code == 401


@pytest.mark.parametrize(
    "header", ["", "Bearer ", "Bearer coh_not-a-token", "Basic dXNlcjpwYXNz", "Token abc"]
)
def test_a_request_without_a_valid_token_is_refused(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get(PROGRAMMES, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_a_signed_in_session_is_not_a_token(as_user, donor):
    assert as_user(donor).get(PROGRAMMES).status_code == 401


def test_a_coordinator_without_a_second_factor_gets_no_token(programme, client, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    coordinator = RoleAssignmentFactory(role="coordinator", programme=programme).user
    with pytest.raises(PermissionDenied):
        api_token_create(user=coordinator, name="x")
    client.force_login(coordinator)
    # The site sends them to set up their app first, as for every other page.
    response = client.post(reverse("api:tokens"), {"name": "x"})
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    assert not ApiToken.objects.exists()


def test_a_coordinator_with_a_second_factor_makes_a_token(as_user, coordinator, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    as_user(coordinator).post(reverse("api:tokens"), {"name": "M&E"})
    assert ApiToken.objects.filter(user=coordinator).count() == 1


def test_a_token_stops_working_when_its_holder_removes_their_second_factor(
    client, coordinator, bearer, settings
):
    from allauth.mfa.models import Authenticator

    settings.MFA_REQUIRED_FOR_STAFF = True
    headers = bearer(coordinator)
    assert client.get("/api/v1/programmes", headers=headers).status_code == 200
    Authenticator.objects.filter(user=coordinator).delete()
    assert client.get("/api/v1/programmes", headers=headers).status_code == 401


def test_a_donors_token_stops_working_when_they_become_a_coordinator_without_one(
    client, donor, programme, bearer, settings
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    headers = bearer(donor)
    assert client.get("/api/v1/programmes", headers=headers).status_code == 200
    RoleAssignmentFactory(user=donor, role="coordinator", programme=programme)
    assert client.get("/api/v1/programmes", headers=headers).status_code == 401


def test_the_token_page_lists_only_the_users_own_tokens(as_user, donor, coordinator, bearer):
    api_token_create(user=coordinator, name="coordinators-token")
    api_token_create(user=donor, name="donors-token")
    page = as_user(donor).get(reverse("api:tokens"))
    assert "donors-token" in page.text
    assert "coordinators-token" not in page.text


def test_the_token_page_needs_a_sign_in(client):
    response = client.get(reverse("api:tokens"))
    assert response.status_code == 302


def test_use_is_recorded_at_most_every_few_minutes(client, donor, bearer, time_machine):
    headers = bearer(donor)
    client.get(PROGRAMMES, headers=headers)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    client.get(PROGRAMMES, headers=headers)
    assert ApiToken.objects.get().last_used_at == first
    time_machine.move_to(clock.now() + datetime.timedelta(minutes=6))
    client.get(PROGRAMMES, headers=headers)
    assert ApiToken.objects.get().last_used_at > first
