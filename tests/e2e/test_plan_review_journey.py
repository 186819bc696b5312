"""A coordinator returns a safety plan with comments; the leader revises it (the context, a
priority and an action's budget) and sends it again; the coordinator sees exactly what changed
since the comments, beside them, and approves the plan.

Both people read the site in English (their accounts' language), so that the journey does not
depend on the Ukrainian catalogue holding the newest wording; sign-in pages are Ukrainian."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import Role
from cohesion import clock
from safetyplans import services
from safetyplans.models import PlanVersion
from tests.e2e.test_sign_in_journey import current_code, give_totp, sign_in
from tests.factories import (
    PASSWORD,
    ActionFactory,
    PriorityFactory,
    RoleAssignmentFactory,
    SafetyPlanFactory,
    WorkingGroupFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

COMMENTS = "Raise the lamps' budget and say which streets first."
OLD_CONTEXT = "The community lies near the front line. Streets are dark at night."
NEW_CONTEXT = "The community lies near the front line. Most streets are dark at night."


@pytest.fixture
def world():
    coordinator = RoleAssignmentFactory(
        role=Role.COORDINATOR, user__email="reviewer@example.org", user__language="en"
    )
    programme = coordinator.programme
    group = WorkingGroupFactory(programme=programme, status="active")
    leader = RoleAssignmentFactory(
        role=Role.LEADER,
        programme=programme,
        working_group=group,
        user__email="drafter@example.org",
        user__language="en",
    ).user
    plan = SafetyPlanFactory(group=group, first_version__context=OLD_CONTEXT)
    version = plan.versions.get()
    lighting = PriorityFactory(version=version, issue="Dark streets")
    lamps = ActionFactory(priority=lighting, activity="Install street lamps", budget_uah=10000)
    ActionFactory(priority=lighting, activity="Evening patrols", budget_uah=2000)
    services.version_submit(version=version, by=leader)
    return {
        "plan": plan,
        "version": version,
        "priority": lighting,
        "action": lamps,
        "coordinator": coordinator.user,
        "secret": give_totp(coordinator.user.email),
        "leader": leader,
    }


def sign_in_coordinator(page: Page, base: str, world):
    sign_in(page, base, world["coordinator"].email, PASSWORD)
    page.get_by_label("Код", exact=False).first.fill(current_code(world["secret"]))
    page.get_by_role("button", name="Увійти").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/"))


def test_coordinator_returns_a_plan_and_sees_exactly_what_changed_before_approving(
    page: Page, browser: Browser, live_server, world
):
    base = live_server.url
    version_url = f"{base}{world['version'].get_absolute_url()}"

    # The coordinator returns the plan with comments.
    sign_in_coordinator(page, base, world)
    page.goto(version_url)
    page.get_by_role("link", name="Return for revision").click()
    page.get_by_label("What should change").fill(COMMENTS)
    page.get_by_role("button", name="Return the plan").click()
    expect(page.get_by_text("The plan has been returned for revision.")).to_be_visible()

    # The leader reads the comments and revises the plan on their own phone.
    context = browser.new_context(locale="uk-UA", timezone_id="Europe/Kyiv")
    leader = context.new_page()
    sign_in(leader, base, world["leader"].email, PASSWORD)
    expect(leader).not_to_have_url(re.compile(r"/accounts/"))
    leader.goto(version_url)
    expect(leader.locator("[data-review-comments]")).to_have_text(COMMENTS)
    expect(leader.locator("[data-no-changes]")).to_be_visible()

    leader.locator("section[aria-labelledby=context-title]").get_by_role(
        "link", name="Edit"
    ).click()
    leader.locator("textarea[name=context_summary]").fill(NEW_CONTEXT)
    leader.get_by_role("button", name="Save").click()
    expect(leader.get_by_text("The context has been saved.")).to_be_visible()

    leader.locator(f"#priority-{world['priority'].pk} .card-header").get_by_role(
        "link", name="Edit"
    ).click()
    leader.locator("input[name=issue]").fill("Dark streets near schools")
    leader.get_by_role("button", name="Save").click()

    leader.locator(f"#action-{world['action'].pk}").get_by_role("link", name="Edit").click()
    leader.locator("input[name=budget_uah]").fill("15000")
    leader.get_by_role("button", name="Save").click()
    expect(leader.locator(f"#action-{world['action'].pk}")).to_contain_text("15")

    # The leader's page already shows what they changed since the comments.
    expect(leader.locator("[data-context-diff] ins")).to_have_text("Most streets")
    leader.get_by_role("button", name="Send for review").click()
    expect(leader.get_by_text("sent to the programme's coordinators")).to_be_visible()
    context.close()

    # The coordinator sees exactly what changed since the comments, beside them.
    # The plan page (no version in force yet) shows the changes inline; so does the version's.
    page.goto(f"{base}{world['plan'].get_absolute_url()}")
    expect(page.locator("#since-review [data-review-comments]")).to_have_text(COMMENTS)
    page.goto(version_url)
    section = page.locator("#since-review")
    expect(section.get_by_role("heading", level=2)).to_contain_text("Changes since the comments of")
    expect(section.locator("[data-review-comments]")).to_have_text(COMMENTS)
    expect(section.locator("[data-context-diff] ins")).to_have_text(["Most streets"])
    expect(section.locator("[data-context-diff] del")).to_have_text(["Streets"])
    expect(section.locator("[data-context-diff]")).to_contain_text("Most streets are dark")

    priorities = section.locator("[data-priorities-diff]")
    expect(priorities.locator(".diff-added, .diff-removed")).to_have_count(0)
    expect(priorities.locator("tbody tr")).to_have_count(1)
    expect(priorities.locator("tbody tr th")).to_have_text("Issue")
    expect(priorities.locator("tbody tr td.diff-old")).to_have_text("Dark streets")
    expect(priorities.locator("tbody tr td.diff-new")).to_have_text("Dark streets near schools")

    actions = section.locator("[data-actions-diff]")
    expect(actions.locator(".diff-added, .diff-removed")).to_have_count(0)
    expect(actions.locator(".card")).to_have_count(1)
    expect(actions.locator(".card .fw-semibold")).to_have_text("Install street lamps")
    expect(actions.locator("tbody tr")).to_have_count(1)
    expect(actions.locator("tbody tr th")).to_have_text("Budget, UAH")
    expect(actions.locator("tbody tr td.diff-old")).to_have_text("10000.00")
    expect(actions.locator("tbody tr td.diff-new")).to_have_text("15000.00")

    # And approves it.
    page.get_by_role("link", name="Approve", exact=True).click()
    page.get_by_label("Approved by").fill("Village council session")
    page.get_by_label("Decision number").fill("45-r")
    page.get_by_label("Decision date").fill(clock.today().isoformat())
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_text("The plan has been approved.")).to_be_visible()

    version = PlanVersion.objects.get(pk=world["version"].pk)
    assert version.status == PlanVersion.Status.APPROVED
    assert version.context_summary == NEW_CONTEXT
    assert list(version.review_rounds.values_list("comments", flat=True)) == [COMMENTS]
