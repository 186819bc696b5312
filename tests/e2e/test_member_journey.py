"""A group leader, on a phone, signs in and adds a member to their group."""

import pytest
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from workinggroups.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="uk-UA", has_touch=True, is_mobile=True)
    yield context.new_page()
    context.close()


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_leader_adds_a_member_on_a_phone(phone: Page, live_server, demo):
    page = phone
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill("leader@cohesion.example")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()

    # A leader lands on their own group list, and opens their group.
    group_link = page.locator("main .list-group a").first
    expect(group_link).to_contain_text("Чорнобаївська")
    group_link.click()
    page.locator("a[href$='/members/new/']").click()
    # Measured only once the form has loaded: evaluating during the navigation fails.
    page.wait_for_url("**/members/new/")
    assert fits_the_screen(page)

    page.locator("input[name=full_name]").fill("Соломія Кравець")
    page.locator("select[name=sex]").select_option("female")
    page.locator("input[name=birth_year]").fill("2004")
    page.locator("select[name=category]").select_option(label="Молодь")
    page.locator("input[name=consent_given_on]").fill("2024-05-01")
    page.locator("input[name=consent_purpose]").fill("Участь у робочій групі")
    page.locator("main form button[type=submit]").last.click()

    expect(page.get_by_role("link", name="Соломія Кравець")).to_be_visible()
    assert fits_the_screen(page)
    membership = Membership.objects.get(person__full_name="Соломія Кравець")
    assert membership.group.community.name_uk == "Чорнобаївська"
    assert membership.person.consent_recorded_by.email == "leader@cohesion.example"
