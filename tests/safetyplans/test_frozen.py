"""An approved version of a plan (and a superseded one) is the council's decision: nothing in
it changes again, whoever asks. The services refuse, the models refuse (save, delete, links),
the pages answer 409 or send the user back with a message, and the admin shows it read-only.
The only change a frozen version takes is being marked superseded by the next approval."""

import datetime

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from meetings.models import Decision
from safetyplans import services
from safetyplans.models import (
    Action,
    ActionTracking,
    FrozenPlanError,
    PlanVersion,
    Priority,
    SafetyPlan,
)
from tests.factories import (
    ActionFactory,
    MeetingFactory,
    OrganisationFactory,
    PriorityFactory,
    plan_in_state,
)

pytestmark = pytest.mark.django_db

FROZEN = ["approved", "superseded"]
FROZEN_MESSAGE = "This version of the plan is approved and frozen. Revise the plan to change it."
TYPED = "Текст, який не має потрапити до затвердженого плану"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each role fixture sets a password; the production hasher would take most of the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def en(client):
    """The test client reads pages in English, so that messages are compared as written."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(params=FROZEN)
def frozen(request, group):
    """(plan, version) with the version approved, or superseded by an approved version 2."""
    return plan_in_state(request.param, group=group)


def messages_of(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def snapshot(plan_pk):
    """Every row of the plan, links included, as stored."""
    return [
        list(SafetyPlan.objects.filter(pk=plan_pk).values()),
        list(PlanVersion.objects.filter(plan_id=plan_pk).order_by("pk").values()),
        list(Priority.objects.filter(version__plan_id=plan_pk).order_by("pk").values()),
        list(Action.objects.filter(version__plan_id=plan_pk).order_by("pk").values()),
        list(
            Action.partners.through.objects.filter(action__version__plan_id=plan_pk)
            .order_by("pk")
            .values()
        ),
        list(
            Action.decisions.through.objects.filter(action__version__plan_id=plan_pk)
            .order_by("pk")
            .values()
        ),
        list(ActionTracking.objects.filter(plan_id=plan_pk).order_by("pk").values()),
    ]


def priority_fields(**changes):
    return {
        "issue": TYPED,
        "category": "road_safety",
        "description": "",
        "likelihood": 2,
        "impact": 2,
        "evidence": "survey",
        "evidence_note": "",
        "evidence_decision": None,
        **changes,
    }


def action_fields(priority, **changes):
    return {
        "priority": priority,
        "activity": TYPED,
        "responsible": None,
        "responsible_other": "Виконавчий комітет",
        "partners_other": "",
        "starts_on": datetime.date(2024, 4, 1),
        "ends_on": datetime.date(2024, 5, 31),
        "budget_uah": None,
        "funding_source": "",
        "indicator": "Зроблено",
        **changes,
    }


# --- services -------------------------------------------------------------------------------

SERVICE_CALLS = {
    "version_update": lambda v, p, a: services.version_update(
        version=v, revision=v.revision, context_summary=TYPED
    ),
    "priority_add": lambda v, p, a: services.priority_add(version=v, **priority_fields()),
    "priority_update": lambda v, p, a: services.priority_update(
        priority=p, revision=p.revision, **priority_fields()
    ),
    "priority_remove": lambda v, p, a: services.priority_remove(priority=p, revision=p.revision),
    "action_add": lambda v, p, a: services.action_add(version=v, **action_fields(p)),
    "action_update": lambda v, p, a: services.action_update(
        action=a, revision=a.revision, **action_fields(p)
    ),
    "action_remove": lambda v, p, a: services.action_remove(action=a, revision=a.revision),
}


@pytest.mark.parametrize("call", sorted(SERVICE_CALLS))
def test_services_refuse_to_change_a_frozen_version(frozen, call):
    plan, version = frozen
    priority, action = version.priorities.get(), version.actions.get()
    before = snapshot(plan.pk)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        SERVICE_CALLS[call](version, priority, action)
    assert error.value.code == "frozen"
    assert error.value.messages == [FROZEN_MESSAGE]
    assert snapshot(plan.pk) == before


# --- models ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "update_fields",
    [None, ["context_summary"], ["status", "context_summary"], ["decision_number"]],
)
def test_a_frozen_version_cannot_be_saved(frozen, update_fields):
    plan, version = frozen
    before = snapshot(plan.pk)
    version.context_summary = TYPED
    version.decision_number = "99"
    with pytest.raises(FrozenPlanError):
        version.save(update_fields=update_fields)
    assert snapshot(plan.pk) == before


@pytest.mark.parametrize("status", ["draft", "in_review", "returned"])
def test_a_frozen_version_cannot_be_thawed_through_its_status(frozen, status):
    """Marking it superseded is the one status change a frozen version takes; going back to
    a draft would make the council's text editable again."""
    plan, version = frozen
    before = snapshot(plan.pk)
    version.status = status
    with pytest.raises(FrozenPlanError):
        version.save(update_fields=["status"])
    assert snapshot(plan.pk) == before


def test_the_approved_version_may_be_marked_superseded(group):
    _plan, version = plan_in_state("approved", group=group)
    version.status, version.superseded_at = PlanVersion.Status.SUPERSEDED, timezone.now()
    version.save(update_fields=["status", "superseded_at"])
    version = PlanVersion.objects.get(pk=version.pk)
    assert version.status == "superseded"
    assert version.is_frozen
    # ...and stays frozen once it is.
    version.context_summary = TYPED
    with pytest.raises(FrozenPlanError):
        version.save()


def test_a_frozen_version_cannot_be_deleted(frozen):
    plan, version = frozen
    before = snapshot(plan.pk)
    with pytest.raises(FrozenPlanError):
        version.delete()
    with pytest.raises(FrozenPlanError):
        PlanVersion.objects.get(pk=version.pk).delete()
    assert snapshot(plan.pk) == before


def test_priorities_of_a_frozen_version_cannot_be_saved_added_or_deleted(frozen):
    plan, version = frozen
    priority = version.priorities.get()
    before = snapshot(plan.pk)
    priority.issue = TYPED
    with pytest.raises(FrozenPlanError):
        priority.save()
    with pytest.raises(FrozenPlanError):
        priority.save(update_fields=["issue"])
    with pytest.raises(FrozenPlanError):
        Priority.objects.get(pk=priority.pk).delete()
    with pytest.raises(FrozenPlanError):
        PriorityFactory(version=version)
    assert snapshot(plan.pk) == before


def test_actions_of_a_frozen_version_cannot_be_saved_added_or_deleted(frozen):
    plan, version = frozen
    priority, action = version.priorities.get(), version.actions.get()
    before = snapshot(plan.pk)
    action.activity, action.budget_uah = TYPED, 1
    with pytest.raises(FrozenPlanError):
        action.save()
    with pytest.raises(FrozenPlanError):
        action.save(update_fields=["budget_uah"])
    with pytest.raises(FrozenPlanError):
        Action.objects.get(pk=action.pk).delete()
    with pytest.raises(FrozenPlanError):
        ActionFactory(priority=priority)
    assert snapshot(plan.pk) == before


@pytest.fixture
def links(group):
    """An organisation and a meeting decision of the group, to link actions with."""
    meeting = MeetingFactory(group=group, starts_at=timezone.now() - datetime.timedelta(days=9))
    return OrganisationFactory(), Decision.objects.create(meeting=meeting, text="Освітлити")


LINK_CHANGES = {
    "partners.add": lambda action, org, decision: action.partners.add(org),
    "partners.set": lambda action, org, decision: action.partners.set([org]),
    "partners.remove": lambda action, org, decision: action.partners.remove(org),
    "partners.clear": lambda action, org, decision: action.partners.clear(),
    "decisions.add": lambda action, org, decision: action.decisions.add(decision),
    "decisions.set": lambda action, org, decision: action.decisions.set([decision]),
    "decisions.remove": lambda action, org, decision: action.decisions.remove(decision),
    "decisions.clear": lambda action, org, decision: action.decisions.clear(),
}


@pytest.mark.parametrize("change", sorted(LINK_CHANGES))
def test_links_of_a_frozen_action_cannot_change(frozen, links, change):
    plan, version = frozen
    action = version.actions.get()
    organisation, decision = links
    before = snapshot(plan.pk)
    # Django runs m2m changes in an atomic block without a savepoint: give the refusal one,
    # so that the test's own transaction stays usable, as a view's would be.
    with pytest.raises(FrozenPlanError), transaction.atomic():
        LINK_CHANGES[change](action, organisation, decision)
    assert snapshot(plan.pk) == before


def test_a_frozen_action_cannot_be_linked_from_the_decisions_side(frozen, links):
    plan, version = frozen
    action = version.actions.get()
    _organisation, decision = links
    before = snapshot(plan.pk)
    with pytest.raises(FrozenPlanError), transaction.atomic():
        decision.plan_actions.add(action)
    assert snapshot(plan.pk) == before


def test_links_of_an_action_in_a_draft_may_change(group, links):
    _plan, version = plan_in_state("draft", group=group)
    action = version.actions.get()
    organisation, decision = links
    action.partners.add(organisation)
    action.decisions.set([decision])
    assert list(action.partners.all()) == [organisation]
    assert list(action.decisions.all()) == [decision]


# --- pages ----------------------------------------------------------------------------------


def edit_posts(version):
    """(name, url, data) of each edit page of the version, with valid input."""
    plan, priority, action = version.plan, version.priorities.get(), version.actions.get()
    args = [plan.pk, version.number]
    priority_data = {
        "issue": TYPED,
        "category": "road_safety",
        "description": "",
        "likelihood": "2",
        "impact": "3",
        "evidence": "survey",
        "evidence_note": "",
        "evidence_decision": "",
    }
    action_data = {
        "priority": str(priority.pk),
        "activity": TYPED,
        "responsible": "",
        "responsible_other": "Виконавчий комітет",
        "partners_other": "",
        "starts_on": "2024-04-01",
        "ends_on": "2024-05-31",
        "budget_uah": "",
        "funding_source": "",
        "indicator": "Зроблено",
    }
    return [
        (
            "context",
            reverse("safetyplans:context", args=args),
            {"context_summary": TYPED, "revision": str(version.revision)},
        ),
        ("priority_add", reverse("safetyplans:priority_add", args=args), priority_data),
        (
            "priority_edit",
            reverse(
                "safetyplans:priority_edit", args=[version.plan_id, version.number, priority.pk]
            ),
            {**priority_data, "revision": str(priority.revision)},
        ),
        ("action_add", reverse("safetyplans:action_add", args=args), action_data),
        (
            "action_edit",
            reverse("safetyplans:action_edit", args=[version.plan_id, version.number, action.pk]),
            {**action_data, "revision": str(action.revision)},
        ),
    ]


EDIT_PAGES = ["context", "priority_add", "priority_edit", "action_add", "action_edit"]


@pytest.mark.parametrize("page", EDIT_PAGES)
@pytest.mark.parametrize("role", ["leader", "coordinator"])
def test_saving_an_edit_page_of_a_frozen_version_answers_409_and_changes_nothing(
    request, as_user, en, frozen, role, page
):
    plan, version = frozen
    [(name, url, data)] = [post for post in edit_posts(version) if post[0] == page]
    before = snapshot(plan.pk)
    response = as_user(request.getfixturevalue(role)).post(url, data)
    assert response.status_code == 409, name
    assert FROZEN_MESSAGE in response.context["form"].non_field_errors()
    # What the user typed is still on the page.
    assert TYPED in response.text
    assert snapshot(plan.pk) == before


@pytest.mark.parametrize("page", EDIT_PAGES)
def test_opening_an_edit_page_of_a_frozen_version_goes_back_with_a_message(
    as_user, en, leader, frozen, page
):
    plan, version = frozen
    [url] = [url for name, url, _data in edit_posts(version) if name == page]
    before = snapshot(plan.pk)
    response = as_user(leader).get(url)
    assert response.status_code == 302
    assert response.url == version.get_absolute_url()
    assert messages_of(response) == [("error", FROZEN_MESSAGE)]
    assert snapshot(plan.pk) == before


@pytest.mark.parametrize("kind", ["priority", "action"])
def test_removing_an_item_of_a_frozen_version_is_refused_with_a_message(
    as_user, en, coordinator, frozen, kind
):
    plan, version = frozen
    item = {"priority": version.priorities.get, "action": version.actions.get}[kind]()
    before = snapshot(plan.pk)
    response = as_user(coordinator).post(
        reverse(f"safetyplans:{kind}_remove", args=[item.pk]), {"revision": item.revision}
    )
    assert response.url == version.get_absolute_url()
    assert messages_of(response) == [("error", FROZEN_MESSAGE)]
    assert snapshot(plan.pk) == before


def test_a_frozen_version_page_offers_no_edit_links(as_user, leader, frozen):
    _plan, version = frozen
    page = as_user(leader).get(version.get_absolute_url())
    assert page.status_code == 200
    assert page.context["editable"] is False
    for _name, url, _data in edit_posts(version):
        assert url not in page.text


# --- admin ----------------------------------------------------------------------------------


def test_admin_shows_a_frozen_version_read_only_and_refuses_to_save_it(as_user, admin_user, frozen):
    plan, version = frozen
    client = as_user(admin_user)
    url = reverse("admin:safetyplans_planversion_change", args=[version.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert TYPED not in page.text
    before = snapshot(plan.pk)
    response = client.post(
        url,
        {
            "plan": plan.pk,
            "number": version.number,
            "context_summary": TYPED,
            "approving_body": "Хтось інший",
            "decision_number": "1",
            "decision_date": "2024-01-01",
            "priorities-TOTAL_FORMS": "0",
            "priorities-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 403
    assert snapshot(plan.pk) == before


def test_admin_refuses_to_change_or_delete_the_actions_of_a_frozen_version(
    as_user, admin_user, frozen
):
    plan, version = frozen
    action = version.actions.get()
    client = as_user(admin_user)
    url = reverse("admin:safetyplans_action_change", args=[action.pk])
    assert client.get(url).context["has_change_permission"] is False
    before = snapshot(plan.pk)
    response = client.post(url, {"activity": TYPED, "indicator": "x"})
    assert response.status_code == 403
    delete = reverse("admin:safetyplans_action_delete", args=[action.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert snapshot(plan.pk) == before


def test_admin_refuses_to_delete_a_frozen_version_or_its_plan(as_user, admin_user, frozen):
    plan, version = frozen
    client = as_user(admin_user)
    before = snapshot(plan.pk)
    delete = reverse("admin:safetyplans_planversion_delete", args=[version.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    # In bulk from the list, and by deleting the whole plan: the admin finds the frozen
    # version among what would go and refuses.
    client.post(
        reverse("admin:safetyplans_planversion_changelist"),
        {"action": "delete_selected", "_selected_action": [version.pk], "post": "yes"},
    )
    plan_delete = reverse("admin:safetyplans_safetyplan_delete", args=[plan.pk])
    assert client.post(plan_delete, {"post": "yes"}).status_code == 403
    assert snapshot(plan.pk) == before
