"""A revision draft (a version revised from the approved one) can be discarded by those who
draft the plan: it goes with its priorities, actions and review rounds, the approved version
stays in force and the plan is approved again. A version in review must be returned first; a
plan never approved is deleted instead. The page asks on GET and discards only on POST."""

import datetime

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from safetyplans import services
from safetyplans.models import Action, PlanVersion, Priority, ReviewRound, SafetyPlan
from tests.factories import plan_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def revision(group, coordinator):
    """An approved plan (version 1) and its revision draft (version 2), one more priority in it."""
    plan, approved = plan_in_state("approved", group=group, by=coordinator)
    draft = services.plan_revise(plan=plan, by=coordinator)
    services.priority_add(
        version=draft,
        issue="Укриття в школах",
        category="emergency",
        likelihood=4,
        impact=5,
        evidence="survey",
    )
    return approved, PlanVersion.objects.get(pk=draft.pk)


def url(version):
    return reverse("safetyplans:discard", args=[version.plan_id, version.number])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def assert_back_to_approved(approved, draft):
    plan = SafetyPlan.objects.get(pk=approved.plan_id)
    assert not PlanVersion.objects.filter(pk=draft.pk).exists()
    assert not Priority.objects.filter(version_id=draft.pk).exists()
    assert not Action.objects.filter(version_id=draft.pk).exists()
    assert plan.status == "approved"
    assert plan.approved_version_id == approved.pk
    assert list(plan.versions.values_list("number", "status")) == [(1, "approved")]
    # The version in force is untouched, its actions still followed.
    assert approved.actions.count() == 1
    assert plan.trackings.filter(action__version=approved).count() == 1


@pytest.mark.parametrize("role", ["leader", "coordinator", "admin_user"])
def test_those_who_draft_discard_a_revision_and_the_plan_is_approved_again(
    request, as_user, en, revision, role
):
    approved, draft = revision
    response = as_user(request.getfixturevalue(role)).post(url(draft))
    assert response.status_code == 302
    assert response.url == approved.plan.get_absolute_url()
    assert messages_of(response) == [
        "The revision has been discarded. The approved version stays in force."
    ]
    assert_back_to_approved(approved, draft)


def test_a_returned_revision_is_discarded_with_its_review_rounds(revision, leader, coordinator):
    approved, draft = revision
    services.version_submit(version=draft, by=leader)
    services.version_return(version=draft, comments="Не потрібно.", by=coordinator)

    plan = services.version_discard(version=draft, by=leader)

    assert plan.status == "approved"
    assert not ReviewRound.objects.filter(version_id=draft.pk).exists()
    assert_back_to_approved(approved, draft)


def test_after_discarding_the_plan_can_be_revised_again(revision, leader):
    approved, draft = revision
    services.version_discard(version=draft, by=leader)
    again = services.plan_revise(plan=approved.plan, by=leader)
    assert (again.number, again.status, again.based_on_id) == (2, "draft", approved.pk)


def test_the_page_asks_first_and_a_get_changes_nothing(as_user, en, revision, leader):
    approved, draft = revision
    page = as_user(leader).get(url(draft))
    assert page.status_code == 200
    assert '<form method="post">' in page.text
    assert "Version 1, the approved one, stays in force." in page.text
    assert PlanVersion.objects.filter(pk=draft.pk).exists()
    assert SafetyPlan.objects.get(pk=approved.plan_id).status == "draft"


def test_the_revision_page_offers_discarding_to_the_leader(as_user, en, revision, leader):
    _approved, draft = revision
    assert url(draft) in as_user(leader).get(draft.get_absolute_url()).text


def test_a_revision_in_review_is_refused_until_returned(as_user, en, revision, leader):
    approved, draft = revision
    services.version_submit(version=draft, by=leader)

    page = as_user(leader).get(url(draft))
    assert "ask the reviewer to return it" in page.text
    assert '<form method="post">' not in page.text
    response = as_user(leader).post(url(draft))

    assert response.status_code == 302
    assert response.url == draft.get_absolute_url()
    assert messages_of(response) == [
        "The revision is in review: ask the reviewer to return it before discarding it."
    ]
    assert PlanVersion.objects.get(pk=draft.pk).status == "in_review"
    assert SafetyPlan.objects.get(pk=approved.plan_id).status == "in_review"


def test_a_draft_of_a_plan_never_approved_is_not_discarded(as_user, en, group, leader):
    _plan, draft = plan_in_state("draft", group=group)
    response = as_user(leader).post(url(draft))
    assert response.status_code == 302
    assert messages_of(response) == [
        "The plan has no approved version to go back to: delete the draft plan instead."
    ]
    assert PlanVersion.objects.filter(pk=draft.pk).exists()
    assert url(draft) not in as_user(leader).get(draft.get_absolute_url()).text


@pytest.mark.parametrize("state", ["approved", "superseded"])
def test_an_approved_or_superseded_version_is_never_discarded(group, coordinator, state):
    _plan, version = plan_in_state(state, group=group, by=coordinator)
    with pytest.raises(ValidationError):
        services.version_discard(version=version, by=coordinator)
    assert PlanVersion.objects.filter(pk=version.pk).exists()


# Refusals: the other group's leader and another programme's coordinator do not see the plan
# (404); the donor sees it but changes nothing (403).
REFUSED = {"other_leader": 404, "other_coordinator": 404, "donor": 403}


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("role", sorted(REFUSED))
def test_other_roles_cannot_discard_a_revision(request, as_user, revision, role, method):
    approved, draft = revision
    response = getattr(as_user(request.getfixturevalue(role)), method)(url(draft))
    assert response.status_code == REFUSED[role]
    assert PlanVersion.objects.filter(pk=draft.pk).exists()
    assert SafetyPlan.objects.get(pk=approved.plan_id).status == "draft"


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_sign_in(client, revision, method):
    _approved, draft = revision
    response = getattr(client, method)(url(draft))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert PlanVersion.objects.filter(pk=draft.pk).exists()


def test_the_decision_date_of_the_version_in_force_is_kept(revision, leader):
    approved, draft = revision
    services.version_discard(version=draft, by=leader)
    approved.refresh_from_db()
    assert approved.decision_date == datetime.date(2024, 2, 1)
