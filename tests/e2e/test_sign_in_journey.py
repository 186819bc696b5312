"""A coordinator signs in with password and TOTP and reaches the programme list, in Ukrainian
and in English, with the real communities and KATOTTH codes of the demo data."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import hotp_value
from playwright.sync_api import Page, expect

from accounts.models import User
from demo.data import DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def current_code(secret: str) -> str:
    """The code of this 30 s step, or of the next if this one is about to end (a loaded
    machine can take seconds between filling the code and the server checking it)."""
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.1)
    return f"{hotp_value(secret, int(time.time()) // 30):06d}"


def give_totp(email: str) -> str:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(User.objects.get(email=email), secret)
    return secret


def sign_in(page: Page, base_url: str, email: str, password: str):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Електронна пошта").fill(email)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Увійти").click()


def test_coordinator_signs_in_with_totp_and_sees_both_programmes(page: Page, live_server, demo):
    secret = give_totp("coordinator@cohesion.example")
    sign_in(page, live_server.url, "coordinator@cohesion.example", DEMO_PASSWORD)
    page.get_by_label("Код", exact=False).first.fill(current_code(secret))
    page.get_by_role("button", name="Увійти").click()

    expect(page.get_by_role("heading", name="Програми", level=1)).to_be_visible()
    expect(page.get_by_text("Житомирської області")).to_be_visible()
    expect(page.get_by_text("Херсонщина")).to_be_visible()

    page.get_by_role("link", name="Херсонщина: громадська безпека").click()
    expect(page.get_by_role("link", name="Чорнобаївська громада")).to_be_visible()
    expect(page.get_by_text("UA65100170000014054")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="Chornobaivska hromada")).to_be_visible()
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Programmes"
    ).click()
    expect(page.get_by_role("heading", name="Programmes", level=1)).to_be_visible()
    page.get_by_role("link", name="Increasing Local Social Cohesion").click()
    expect(page.get_by_role("link", name="Zviahelska hromada")).to_be_visible()
    expect(page.get_by_text("UA18080150000022496")).to_be_visible()
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).count() == 1


def test_coordinator_without_totp_sets_it_up_before_seeing_data(page: Page, live_server, demo):
    sign_in(page, live_server.url, "coordinator@cohesion.example", DEMO_PASSWORD)
    # allauth confirms the password once more before it shows a new secret.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    expect(page.get_by_text("Херсонщина")).to_have_count(0)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Підтвердити").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    expect(page.get_by_text("Херсонщина")).to_have_count(0)
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Код", exact=False).last.fill(current_code(secret))
    page.get_by_role("button", name="Увімкнути").click()
    # Wait for the setup to land before opening the next page (a goto while the post is in
    # flight cancels it).
    page.wait_for_url(lambda url: "/2fa/totp/activate/" not in url)
    page.goto(f"{live_server.url}/programmes/")
    expect(page.get_by_text("Херсонщина")).to_be_visible()


def test_donor_signs_in_and_sees_only_the_funded_programme(page: Page, live_server, demo):
    sign_in(page, live_server.url, "donor@cohesion.example", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Програми", level=1)).to_be_visible()
    expect(page.get_by_text("Житомирської області")).to_be_visible()
    expect(page.get_by_text("Херсонщина")).to_have_count(0)
