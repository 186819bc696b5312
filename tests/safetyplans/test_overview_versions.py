"""The programme's overview shows, for each plan, the version in force (its number, approved)
and beside it the version being prepared (its number and status: draft, in review or
returned), so that an approved plan under revision no longer reads as a draft; so do the
plan's page and the group's list of plans, the revision shown only to those who draft."""

import pytest
from django.conf import settings
from django.urls import reverse

from safetyplans import services
from tests.factories import WorkingGroupFactory, plan_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def overview(client, programme):
    return client.get(reverse("safetyplans:overview", args=[programme.pk]))


def rows_of(response):
    return {plan.pk: plan for plan in response.context["plans"]}


def test_an_approved_plan_under_revision_shows_the_version_in_force_and_the_draft(
    as_user, en, coordinator, programme, group
):
    plan, _approved = plan_in_state("approved", group=group, by=coordinator)
    draft = services.plan_revise(plan=plan, by=coordinator)

    response = overview(as_user(coordinator), programme)

    row = rows_of(response)[plan.pk]
    assert (row.approved_version.number, row.approved_version.status) == (1, "approved")
    assert (row.open_number, row.open_status, row.open_label) == (2, "draft", "Draft")
    cells = response.text
    assert 'data-in-force>Version 1 <span class="badge plan-status-approved">Approved</span>' in (
        cells
    )
    assert (
        f'data-open-version><a href="{draft.get_absolute_url()}">Version 2</a> '
        '<span class="badge plan-status-draft">Draft</span>'
    ) in cells


@pytest.mark.parametrize(
    ("state", "label"),
    [("draft", "Draft"), ("in_review", "In review"), ("returned", "Returned for revision")],
)
def test_a_plan_never_approved_shows_no_version_in_force_and_its_open_version(
    as_user, en, coordinator, programme, group, state, label
):
    plan, _version = plan_in_state(state, group=group, by=coordinator)

    row = rows_of(overview(as_user(coordinator), programme))[plan.pk]

    assert row.approved_version is None
    assert (row.open_number, row.open_status, row.open_label) == (1, state, label)


@pytest.mark.parametrize("state", ["approved", "superseded"])
def test_a_plan_with_nothing_being_prepared_shows_only_the_version_in_force(
    as_user, en, coordinator, programme, group, state
):
    plan, _version = plan_in_state(state, group=group, by=coordinator)

    row = rows_of(overview(as_user(coordinator), programme))[plan.pk]

    expected_number = 1 if state == "approved" else 2
    assert row.approved_version.number == expected_number
    assert (row.open_number, row.open_status, row.open_label) == (None, None, "")


def test_the_revision_in_review_after_an_approved_version_is_shown_as_in_review(
    as_user, en, coordinator, programme
):
    plans = {}
    for state in ("approved", "draft"):
        plans[state], _ = plan_in_state(state, group=WorkingGroupFactory(programme=programme))
    services.plan_revise(plan=plans["approved"], by=coordinator)
    revision = plans["approved"].versions.get(number=2)
    services.version_submit(version=revision, by=coordinator)

    rows = rows_of(overview(as_user(coordinator), programme))

    assert (rows[plans["approved"].pk].approved_version.number,) == (1,)
    assert rows[plans["approved"].pk].open_status == "in_review"
    assert rows[plans["draft"].pk].open_status == "draft"


APPROVED_BADGE = '<span class="badge plan-status-approved">Approved</span>'
DRAFT_BADGE = '<span class="badge plan-status-draft">Draft</span>'


@pytest.mark.parametrize(
    ("role", "sees_revision"), [("leader", True), ("coordinator", True), ("donor", False)]
)
def test_plan_page_and_group_list_show_a_plan_under_revision_as_approved(
    request, as_user, en, coordinator, group, role, sees_revision
):
    plan, _approved = plan_in_state("approved", group=group, by=coordinator)
    services.plan_revise(plan=plan, by=coordinator)
    client = as_user(request.getfixturevalue(role))

    for url in (plan.get_absolute_url(), reverse("safetyplans:group_plans", args=[group.pk])):
        text = client.get(url).text
        assert APPROVED_BADGE in text, url
        assert (DRAFT_BADGE in text) is sees_revision, url
