"""A group leader, on a phone, logs a held meeting in one screen."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from demo.seed import seed_demo as run_seed_demo
from meetings.models import Attendance, Meeting

# serialized_rollback: see test_sign_in_journey.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    run_seed_demo()
    settings.DEBUG = False


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
    page.locator("a[href$='/record/']").first.click()
    meeting = Meeting.objects.get(status=Meeting.Status.PLANNED, starts_at__lt=timezone.now())
    rows = page.locator("main li.list-group-item")
    expect(rows.first).to_be_visible()
    # Two members were away: mark the second one absent and the third excused.
    rows.nth(1).locator("input[value=absent] + label").click()
    rows.nth(2).locator("input[value=excused] + label").click()
    page.locator("textarea[name=minutes]").fill("Обговорили укриття.<script>alert('x')</script>")
    page.locator("textarea[name=decisions]").fill("Перевірити укриття в школі")
    page.locator("input[name=action_0_description]").fill("Зустрітися з ДСНС")
    page.locator("select[name=action_0_owner]").select_option(index=1)
    page.locator("main form button[type=submit]").last.click()

    expect(page.get_by_text("Перевірити укриття в школі")).to_be_visible()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert "<script" not in meeting.minutes
    statuses = list(meeting.attendance.values_list("status", flat=True))
    assert statuses.count(Attendance.Status.ABSENT) == 1
    assert statuses.count(Attendance.Status.EXCUSED) == 1
    assert meeting.action_items.get().description == "Зустрітися з ДСНС"
