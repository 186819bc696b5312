"""Signing in by email, rate limits, the admin through allauth, language choice."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_donor_signs_in_by_email_and_lands_on_programmes(client, donor, programme):
    response = client.post(
        reverse("account_login"), {"login": donor.email.upper(), "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("communities:programme_list")
    assert programme.title_uk in response.text


def test_wrong_password_is_refused_in_ukrainian(client, donor):
    response = client.post(reverse("account_login"), {"login": donor.email, "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'lang="uk"' in response.text


def test_repeated_failures_are_rate_limited(client, donor):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": donor.email, "password": "nope"})
    response = client.post(reverse("account_login"), {"login": donor.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_admin_login_goes_through_allauth(client, db):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_pages_are_ukrainian_by_default(client, db):
    response = client.get(reverse("home"))
    assert response["Content-Language"] == "uk"
    assert "Увійти" in response.text


def test_language_switch_for_a_visitor_sets_the_cookie(client, db):
    response = client.post(
        reverse("accounts:set_language"), {"language": "en", "next": "/"}, follow=True
    )
    assert response.cookies.get(settings.LANGUAGE_COOKIE_NAME) or client.cookies.get(
        settings.LANGUAGE_COOKIE_NAME
    )
    assert response["Content-Language"] == "en"
    assert "Sign in" in response.text


def test_language_choice_is_remembered_on_the_account(client, as_user, donor):
    as_user(donor).post(reverse("accounts:set_language"), {"language": "en", "next": "/"})
    donor.refresh_from_db()
    assert donor.language == "en"
    # A new browser (no cookie) still gets English once signed in.
    client.cookies.clear()
    client.force_login(donor)
    response = client.get(reverse("communities:programme_list"))
    assert response["Content-Language"] == "en"
    assert "Programmes" in response.text


def test_unknown_language_is_ignored(as_user, donor):
    response = as_user(donor).post(reverse("accounts:set_language"), {"language": "xx"})
    assert response.status_code == 302
    donor.refresh_from_db()
    assert donor.language == ""


def test_browser_language_does_not_override_the_ukrainian_default(client, db):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "uk"
