"""A coordinator records an exchange visit: Novoborivska hosts Semenivska, members of both
groups are put on the list, and the sign-in sheet marks who came."""

import re

import pytest
from playwright.sync_api import Page, expect

from communities.models import Community, Programme
from demo.data import DEMO_PASSWORD
from engagement.models import Event, Participant
from tests.e2e.test_sign_in_journey import current_code, give_totp, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

HOST, GUEST = "Новоборівська", "Семенівська"


def test_coordinator_records_an_exchange_visit_with_people_from_two_communities(
    page: Page, live_server, demo
):
    programme = Programme.objects.get(title_en__startswith="Increasing Local Social Cohesion")
    host = Community.objects.get(name_uk=HOST, enrolments__programme=programme)
    guest = Community.objects.get(name_uk=GUEST, enrolments__programme=programme)
    secret = give_totp("coordinator@cohesion.example")
    sign_in(page, live_server.url, "coordinator@cohesion.example", DEMO_PASSWORD)
    page.get_by_label("Код", exact=False).first.fill(current_code(secret))
    page.get_by_role("button", name="Увійти").click()
    # Signed in before going on: a page opened while the sign-in is still posting loses it.
    expect(page).not_to_have_url(re.compile(r"/accounts/"))

    page.goto(f"{live_server.url}{programme.get_absolute_url()}")
    page.locator(f"a[href$='/programmes/{programme.pk}/events/']").first.click()
    page.locator(f"a[href$='/programmes/{programme.pk}/events/new/']").click()

    form = page.locator("main form")
    form.locator("select[name=kind]").select_option("exchange_visit")
    form.locator("input[name=title]").fill("Обмінний візит: укриття в школах")
    form.locator("input[name=topics][value=public_safety]").check()
    form.locator("input[name=starts_on]").fill("2021-02-10")
    form.locator("input[name=ends_on]").fill("2021-02-10")
    form.locator("select[name=status]").select_option("held")
    form.locator("select[name=host_community]").select_option(str(host.pk))
    form.locator(f"input[name=visiting_communities][value='{guest.pk}']").check()
    form.locator("button[type=submit]").click()

    event = Event.objects.get(title="Обмінний візит: укриття в школах")
    expect(page).to_have_url(f"{live_server.url}{event.get_absolute_url()}")
    page.locator(f"a[href$='/events/{event.pk}/participants/']").first.click()

    # Two members of each group, ticked under their community's heading.
    for community in (HOST, GUEST):
        heading = page.locator("main fieldset h2", has_text=community)
        members = heading.locator("xpath=following-sibling::div[contains(@class,'form-check')]")
        members.nth(0).locator("input").check()
        members.nth(1).locator("input").check()
    page.locator("main form button[type=submit]").click()

    # The sign-in sheet, on which three of the four came.
    expect(page).to_have_url(f"{live_server.url}/events/{event.pk}/sign-in/")
    rows = page.locator("main .sign-in-sheet li")
    expect(rows).to_have_count(4)
    for n in range(3):
        rows.nth(n).locator("input[value=present] + label").click()
    rows.nth(3).locator("input[value=absent] + label").click()
    rows.nth(0).locator("input[name^=score_before]").fill("4")
    rows.nth(0).locator("input[name^=score_after]").fill("8")
    page.locator("main form button[type=submit]").first.click()

    expect(page).to_have_url(f"{live_server.url}{event.get_absolute_url()}")
    participants = Participant.objects.filter(event=event)
    assert set(participants.values_list("community__name_uk", flat=True)) == {HOST, GUEST}
    assert participants.filter(attendance=Participant.Attendance.PRESENT).count() == 3
    assert participants.filter(attendance=Participant.Attendance.ABSENT).count() == 1
    assert participants.filter(score_before=4, score_after=8).count() == 1
    event.refresh_from_db()
    assert event.visiting_communities.get() == guest
    # The page's attendance table has a row per community.
    table = page.locator("aside table")
    expect(table.get_by_text(HOST)).to_be_visible()
    expect(table.get_by_text(GUEST)).to_be_visible()
