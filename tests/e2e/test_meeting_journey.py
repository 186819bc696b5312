"""A group leader, on a phone, logs a held meeting in one screen: planned or not, each member
marked (nothing counts as present until marked), as many actions as were agreed."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from meetings.models import Attendance, Meeting

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="uk-UA", has_touch=True, is_mobile=True
    )
    yield context.new_page()
    context.close()


def test_leader_logs_a_held_meeting_on_a_phone(phone: Page, live_server, demo):
    page = phone
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill("leader@cohesion.example")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.locator("main .list-group a").first.click()
    page.locator("a[href$='/meetings/']").first.click()

    # The working page says what is missing: last month's record.
    page.locator("section.alert a[href$='/record/']").first.click()
    meeting = Meeting.objects.get(status=Meeting.Status.PLANNED, starts_at__lt=timezone.now())
    rows = page.locator("main li[data-member]")
    expect(rows.first).to_be_visible()
    save = page.locator("main form [data-save]")
    # Nobody is marked yet: the record cannot be saved, and the page says how many are left.
    expect(save).to_be_disabled()
    expect(page.locator("[data-unmarked] [data-count]")).to_have_text(str(rows.count()))
    # Two members were away: mark the second one absent and the third excused, the rest present.
    rows.nth(1).locator("input[value=absent] + label").click()
    rows.nth(2).locator("input[value=excused] + label").click()
    expect(save).to_be_disabled()
    page.locator("button[name=all_present]").click()
    expect(save).to_be_enabled()
    expect(page.locator("[data-unmarked]")).to_be_hidden()
    page.locator("textarea[name=minutes]").fill("Обговорили укриття.<script>alert('x')</script>")
    page.locator("textarea[name=decisions]").fill("Перевірити укриття в школі")
    page.locator("input[name=action_0_description]").fill("Зустрітися з ДСНС")
    page.locator("select[name=action_0_owner]").select_option(index=1)
    save.click()

    expect(page.get_by_text("Перевірити укриття в школі")).to_be_visible()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert "<script" not in meeting.minutes
    statuses = list(meeting.attendance.values_list("status", flat=True))
    assert statuses.count(Attendance.Status.ABSENT) == 1
    assert statuses.count(Attendance.Status.EXCUSED) == 1
    assert meeting.action_items.get().description == "Зустрітися з ДСНС"


@pytest.fixture
def small_phone(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="uk-UA", has_touch=True, is_mobile=True
    )
    yield context.new_page()
    context.close()


def test_leader_records_a_meeting_that_was_never_planned_on_a_small_phone(
    small_phone: Page, live_server, demo
):
    page = small_phone
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill("leader@cohesion.example")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.locator("main .list-group a").first.click()
    page.locator("a[href$='/meetings/']").first.click()
    before = Meeting.objects.count()

    page.locator("a[href$='/meetings/record/']").click()
    three_days_ago = timezone.localtime() - timezone.timedelta(days=3)
    page.locator("input[name=starts_at]").fill(three_days_ago.strftime("%Y-%m-%dT18:00"))
    page.locator("input[name=place]").fill("Укриття школи №1")
    page.locator("textarea[name=agenda]").fill("Графік чергувань")
    page.locator("main form button[type=submit]").click()

    # The same record form as any meeting; an unmarked member keeps it from being saved.
    rows = page.locator("main li[data-member]")
    expect(rows.first).to_be_visible()
    for index in range(rows.count() - 1):
        rows.nth(index).locator("input[value=present] + label").click()
    save = page.locator("main form [data-save]")
    expect(save).to_be_disabled()
    expect(page.locator("[data-unmarked] [data-count]")).to_have_text("1")
    rows.last.locator("input[value=absent] + label").click()
    expect(save).to_be_enabled()
    page.locator("textarea[name^=outcome_]").first.fill("Домовилися чергувати по двоє.")
    # Two actions agreed: a second row added on the phone; its due date shows its year.
    page.locator("input[name=action_0_description]").fill("Скласти графік")
    page.locator("select[name=action_0_owner]").select_option(index=1)
    page.locator("button[name=add_action]").click()
    page.locator("input[name=action_1_description]").fill("Повісити графік у школі")
    page.locator("select[name=action_1_owner]").select_option(index=1)
    due = page.locator("input[name=action_1_due_on]")
    assert due.bounding_box()["width"] >= 150  # room for dd.mm.yyyy at 360 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path="test-results/record-past-360.png", full_page=True)
    save.click()

    expect(page.get_by_text("Домовилися чергувати по двоє.")).to_be_visible()
    assert Meeting.objects.count() == before + 1
    meeting = Meeting.objects.latest("pk")
    assert meeting.status == Meeting.Status.HELD
    assert timezone.localtime(meeting.starts_at).date() == three_days_ago.date()
    assert meeting.attendance.filter(status=Attendance.Status.ABSENT).count() == 1
    assert set(meeting.action_items.values_list("description", flat=True)) == {
        "Скласти графік",
        "Повісити графік у школі",
    }
