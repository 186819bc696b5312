"""The plan's workflow through its pages: every transition (send for review, return, approve,
revise, delete, and editing or adding items) by every role in every state of the version.

Strangers (a coordinator of another programme, the leader of another group) get 404; donors
follow plans but change nothing (403) and do not even see a version that is not approved; the
group's leader drafts and sends for review; the programme's coordinators (and administrators)
also return and approve. A refused transition changes nothing, and the plan's status and
version in force always mirror its versions."""

import datetime

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from safetyplans import services
from safetyplans.models import (
    Action,
    ActionTracking,
    PlanDocument,
    PlanVersion,
    Priority,
    SafetyPlan,
)
from tests.factories import ActionFactory, PriorityFactory, SafetyPlanFactory, plan_in_state

pytestmark = pytest.mark.django_db

STATES = ["draft", "in_review", "returned", "approved", "superseded"]
TRANSITIONS = ["submit", "return", "approve", "revise", "delete", "edit", "add"]
ROLES = ["admin_user", "coordinator", "other_coordinator", "leader", "other_leader", "donor"]

NEW_ISSUE = "Темні зупинки на трасі"
NEW_ACTIVITY = "Провести рейд з поліцією біля школи"
COMMENTS = "Додайте кошторис на ліхтарі."
DECISION_DATE = datetime.date(2024, 2, 15)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each role fixture sets a password; the production hasher would take most of the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def en(client):
    """The test client reads pages in English, so that messages are compared as written."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def messages_of(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


# --- the expected outcome of each transition ------------------------------------------------

# "ok": done; "no": refused for the version's state (answered as REFUSED_WITH says); a number:
# refused for the role with that status code.
# state:        submit, return, approve, revise, delete, edit, add
DRAFTER = {
    "draft": ("ok", 403, 403, "no", "ok", "ok", "ok"),
    "in_review": ("no", 403, 403, "no", "no", "no", "no"),
    "returned": ("ok", 403, 403, "no", "ok", "ok", "ok"),
    "approved": ("no", 403, 403, "ok", "no", "no", "no"),
    # The superseded version's plan has version 2 in force and nothing open: it may be revised.
    "superseded": ("no", 403, 403, "ok", "no", "no", "no"),
}
REVIEWER = {
    "draft": ("ok", "no", "no", "no", "ok", "ok", "ok"),
    "in_review": ("no", "ok", "ok", "no", "no", "no", "no"),
    "returned": ("ok", "no", "no", "no", "ok", "ok", "ok"),
    "approved": ("no", "no", "no", "ok", "no", "no", "no"),
    "superseded": ("no", "no", "no", "ok", "no", "no", "no"),
}
TABLE = {
    "admin_user": REVIEWER,
    "coordinator": REVIEWER,
    "leader": DRAFTER,
    "donor": {state: (403,) * len(TRANSITIONS) for state in STATES},
    "other_coordinator": {state: (404,) * len(TRANSITIONS) for state in STATES},
    "other_leader": {state: (404,) * len(TRANSITIONS) for state in STATES},
}
# How a transition refused for the version's state answers: back to the page with a message,
# the form again with its error, or 409 for an edit of a version that cannot be edited now.
REFUSED_WITH = {
    "submit": 302,
    "return": 200,
    "approve": 200,
    "revise": 302,
    "delete": 302,
    "edit": 409,
    "add": 409,
}


def expected(role, state, transition):
    return TABLE[role][state][TRANSITIONS.index(transition)]


def request_for(transition, version):
    """(url, data) of the transition on `version`, always with valid input, so that a refusal
    is never about the input."""
    plan = version.plan
    args = [plan.pk, version.number]
    priority = version.priorities.order_by("pk").first()
    return {
        "submit": (reverse("safetyplans:submit", args=args), {}),
        "return": (reverse("safetyplans:return", args=args), {"comments": COMMENTS}),
        "approve": (
            reverse("safetyplans:approve", args=args),
            {
                "approving_body": "Сесія селищної ради",
                "decision_number": "45-IX",
                "decision_date": DECISION_DATE.isoformat(),
            },
        ),
        "revise": (reverse("safetyplans:revise", args=[plan.pk]), {}),
        "delete": (reverse("safetyplans:delete", args=[plan.pk]), {}),
        "edit": (
            reverse(
                "safetyplans:priority_edit",
                args=[priority.version.plan_id, priority.version.number, priority.pk],
            ),
            priority_data(issue=NEW_ISSUE, revision=priority.revision),
        ),
        "add": (
            reverse("safetyplans:action_add", args=args),
            action_data(priority, activity=NEW_ACTIVITY),
        ),
    }[transition]


def priority_data(**changes):
    return {
        "issue": "Неосвітлена вулиця біля школи",
        "category": "street_lighting",
        "description": "Діти йдуть до школи в темряві.",
        "likelihood": "4",
        "impact": "4",
        "evidence": "safety_audit",
        "evidence_note": "",
        "evidence_decision": "",
        **{k: str(v) for k, v in changes.items()},
    }


def action_data(priority, **changes):
    return {
        "priority": str(priority.pk),
        "activity": "Встановити ліхтарі",
        "responsible": "",
        "responsible_other": "Виконавчий комітет",
        "partners_other": "",
        "starts_on": "2024-04-01",
        "ends_on": "2024-05-31",
        "budget_uah": "25000",
        "funding_source": "local_budget",
        "indicator": "12 ліхтарів працюють",
        **{k: str(v) for k, v in changes.items()},
    }


def snapshot(plan_pk):
    """Every row of the plan, as stored."""
    return [
        list(SafetyPlan.objects.filter(pk=plan_pk).values()),
        list(PlanVersion.objects.filter(plan_id=plan_pk).order_by("pk").values()),
        list(Priority.objects.filter(version__plan_id=plan_pk).order_by("pk").values()),
        list(Action.objects.filter(version__plan_id=plan_pk).order_by("pk").values()),
        list(ActionTracking.objects.filter(plan_id=plan_pk).order_by("pk").values()),
        list(PlanDocument.objects.filter(version__plan_id=plan_pk).order_by("pk").values()),
    ]


def assert_plan_mirrors_its_versions(plan_pk):
    plan = SafetyPlan.objects.get(pk=plan_pk)
    newest = plan.versions.order_by("-number").first()
    assert plan.status == newest.status
    assert plan.approved_version == plan.versions.filter(status="approved").first()
    assert plan.versions.filter(status__in=PlanVersion.OPEN).count() <= 1


def assert_done(transition, response, version, user, before):
    """The transition did exactly what it says, and nothing else about the plan moved."""
    plan_pk = version.plan_id
    if transition == "delete":
        assert response.url == reverse("safetyplans:group_plans", args=[version.plan.group_id])
        assert not SafetyPlan.objects.filter(pk=plan_pk).exists()
        assert not PlanVersion.objects.filter(plan_id=plan_pk).exists()
        return
    fresh = PlanVersion.objects.get(pk=version.pk)
    plan = SafetyPlan.objects.get(pk=plan_pk)
    if transition == "submit":
        assert response.url == plan.get_absolute_url()
        assert fresh.status == "in_review"
        assert (fresh.submitted_by, fresh.submitted_at is not None) == (user, True)
    elif transition == "return":
        assert response.url == plan.get_absolute_url()
        assert fresh.status == "returned"
        assert (fresh.review_comments, fresh.reviewed_by) == (COMMENTS, user)
    elif transition == "approve":
        assert response.url == plan.get_absolute_url()
        assert fresh.status == "approved"
        assert plan.approved_version == fresh
        assert (fresh.approving_body, fresh.decision_number, fresh.decision_date) == (
            "Сесія селищної ради",
            "45-IX",
            DECISION_DATE,
        )
        assert fresh.reviewed_by == user
    elif transition == "revise":
        draft = plan.versions.order_by("-number").first()
        assert response.url == draft.get_absolute_url()
        assert draft.status == "draft"
        assert draft.based_on == plan.approved_version
        assert draft.number == before[1][-1]["number"] + 1
        assert draft.created_by == user
    elif transition == "edit":
        priority = fresh.priorities.order_by("pk").first()
        assert response.url == f"{fresh.get_absolute_url()}#priority-{priority.pk}"
        assert priority.issue == NEW_ISSUE
        assert priority.revision == before[2][0]["revision"] + 1
    elif transition == "add":
        added = fresh.actions.get(activity=NEW_ACTIVITY)
        assert response.url == f"{fresh.get_absolute_url()}#action-{added.pk}"
        had = [a for a in before[3] if a["version_id"] == fresh.pk]
        assert fresh.actions.count() == len(had) + 1
    # Only this version (and the plan's mirror of it) changed.
    known = {v["id"] for v in before[1]} - {version.pk}
    assert [v for v in snapshot(plan_pk)[1] if v["id"] in known] == [
        v for v in before[1] if v["id"] in known
    ]


@pytest.mark.parametrize("transition", TRANSITIONS)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_move_the_plan_only_as_the_table_says(
    request, as_user, en, group, role, state, transition
):
    user = request.getfixturevalue(role)
    plan, version = plan_in_state(state, group=group)
    url, data = request_for(transition, version)
    before = snapshot(plan.pk)

    response = as_user(user).post(url, data)

    outcome = expected(role, state, transition)
    if outcome == "ok":
        assert response.status_code == 302, response.content[:800]
        assert_done(transition, response, version, user, before)
    else:
        code = REFUSED_WITH[transition] if outcome == "no" else outcome
        assert response.status_code == code, response.content[:800]
        assert snapshot(plan.pk) == before
        if outcome == "no" and code == 302:
            assert response.url in (version.get_absolute_url(), plan.get_absolute_url())
            [(level, text)] = messages_of(response)
            assert level == "error" and text.strip()
        if outcome == "no" and code == 200:
            assert response.context["form"].non_field_errors()
    if SafetyPlan.objects.filter(pk=plan.pk).exists():
        assert_plan_mirrors_its_versions(plan.pk)


def test_table_covers_every_role_state_and_transition():
    for role in ROLES:
        assert set(TABLE[role]) == set(STATES), role
        for state in STATES:
            assert len(TABLE[role][state]) == len(TRANSITIONS), (role, state)


@pytest.mark.parametrize("state", ["draft", "in_review", "returned"])
def test_donor_cannot_even_open_a_version_that_is_not_approved(as_user, donor, group, state):
    plan, version = plan_in_state(state, group=group)
    client = as_user(donor)
    args = [plan.pk, version.number]
    assert client.get(reverse("safetyplans:version", args=args)).status_code == 404
    assert client.get(reverse("safetyplans:compare", args=args)).status_code == 404
    page = client.get(plan.get_absolute_url())
    assert page.status_code == 200
    assert page.context["version"] is None
    assert page.context["versions"] == []


@pytest.mark.parametrize("state", ["approved", "superseded"])
def test_donor_opens_approved_and_superseded_versions(as_user, donor, group, state):
    plan, version = plan_in_state(state, group=group)
    response = as_user(donor).get(reverse("safetyplans:version", args=[plan.pk, version.number]))
    assert response.status_code == 200
    assert response.context["version"] == version


# --- sending for review ---------------------------------------------------------------------


def test_leader_sends_the_draft_for_review_but_cannot_approve_or_return_it(as_user, leader, group):
    plan, version = plan_in_state("draft", group=group)
    client = as_user(leader)
    response = client.post(reverse("safetyplans:submit", args=[plan.pk, 1]))
    assert response.url == plan.get_absolute_url()
    version.refresh_from_db()
    assert (version.status, version.submitted_by) == ("in_review", leader)
    for name in ("approve", "return"):
        url = reverse(f"safetyplans:{name}", args=[plan.pk, 1])
        assert client.get(url).status_code == 403, name
        assert client.post(url, request_for(name, version)[1]).status_code == 403, name
    version.refresh_from_db()
    assert version.status == "in_review"
    assert SafetyPlan.objects.get(pk=plan.pk).status == "in_review"


def empty_plans(group):
    """Drafts that are not ready to send: no priority, a priority without actions, no context."""
    nothing = SafetyPlanFactory(group=group)
    without_actions = SafetyPlanFactory(
        group=group, period_start=datetime.date(2025, 1, 1), period_end=datetime.date(2025, 12, 31)
    )
    PriorityFactory(version=without_actions.versions.get())
    without_context = SafetyPlanFactory(
        group=group,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 12, 31),
        first_version__context="",
    )
    ActionFactory(
        priority=PriorityFactory(version=without_context.versions.get()),
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 4, 1),
    )
    return {
        "nothing": (nothing, "Add at least one priority and one action before sending the plan."),
        "without_actions": (
            without_actions,
            "Add at least one priority and one action before sending the plan.",
        ),
        "without_context": (
            without_context,
            "Describe the community's context before sending the plan.",
        ),
    }


@pytest.mark.parametrize("case", ["nothing", "without_actions", "without_context"])
def test_an_unfinished_draft_is_not_sent_and_the_page_says_why(as_user, en, leader, group, case):
    plan, message = empty_plans(group)[case]
    before = snapshot(plan.pk)
    response = as_user(leader).post(reverse("safetyplans:submit", args=[plan.pk, 1]))
    assert response.status_code == 302
    assert response.url == plan.versions.get().get_absolute_url()
    assert messages_of(response) == [("error", message)]
    assert snapshot(plan.pk) == before
    assert plan.versions.get().status == "draft"


# --- returning ------------------------------------------------------------------------------


@pytest.mark.parametrize("comments", ["", "   \n  "])
def test_returning_the_plan_needs_comments(as_user, en, coordinator, group, comments):
    plan, version = plan_in_state("in_review", group=group)
    before = snapshot(plan.pk)
    response = as_user(coordinator).post(
        reverse("safetyplans:return", args=[plan.pk, 1]), {"comments": comments}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["comments"]
    assert snapshot(plan.pk) == before
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.version_return(version=version, comments=comments, by=coordinator)
    assert error.value.message_dict == {"comments": ["Say what should change."]}
    assert PlanVersion.objects.get(pk=version.pk).status == "in_review"


def test_returned_plan_shows_the_comments_to_the_leader_and_can_be_sent_again(
    as_user, en, coordinator, leader, group
):
    plan, version = plan_in_state("in_review", group=group)
    as_user(coordinator).post(
        reverse("safetyplans:return", args=[plan.pk, 1]), {"comments": COMMENTS}
    )
    client = as_user(leader)
    page = client.get(plan.get_absolute_url())
    assert COMMENTS in page.text
    client.post(reverse("safetyplans:submit", args=[plan.pk, 1]))
    version.refresh_from_db()
    assert version.status == "in_review"
    assert SafetyPlan.objects.get(pk=plan.pk).status == "in_review"


# --- approving ------------------------------------------------------------------------------


def test_coordinator_approves_recording_the_councils_decision(as_user, en, coordinator, group):
    plan, version = plan_in_state("in_review", group=group)
    response = as_user(coordinator).post(
        reverse("safetyplans:approve", args=[plan.pk, 1]),
        {
            "approving_body": "  Сесія селищної ради  ",
            "decision_number": "45-IX",
            "decision_date": "2024-02-15",
        },
    )
    assert response.url == plan.get_absolute_url()
    assert [level for level, _text in messages_of(response)] == ["success"]
    version.refresh_from_db()
    plan.refresh_from_db()
    assert version.status == "approved"
    assert version.approving_body == "Сесія селищної ради"
    assert version.decision_number == "45-IX"
    assert version.decision_date == datetime.date(2024, 2, 15)
    assert (version.reviewed_by, version.reviewed_at is not None) == (coordinator, True)
    assert (plan.status, plan.approved_version) == ("approved", version)
    # Each approved action is followed from now on, not started.
    tracked = ActionTracking.objects.filter(plan=plan)
    assert {(t.action_id, t.key, t.status) for t in tracked} == {
        (a.pk, a.key, "not_started") for a in version.actions.all()
    }
    # Its PDF is queued in the site's language.
    assert list(version.documents.values_list("language", "status")) == [
        (settings.LANGUAGE_CODE, "queued")
    ]


def test_a_decision_dated_in_the_future_is_refused_with_a_message(as_user, en, coordinator, group):
    plan, _version = plan_in_state("in_review", group=group)
    before = snapshot(plan.pk)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = as_user(coordinator).post(
        reverse("safetyplans:approve", args=[plan.pk, 1]),
        {
            "approving_body": "Сесія селищної ради",
            "decision_number": "45-IX",
            "decision_date": tomorrow.isoformat(),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["decision_date"] == [
        "The decision date is in the future."
    ]
    assert "The decision date is in the future." in response.text
    assert snapshot(plan.pk) == before


@pytest.mark.parametrize("missing", ["approving_body", "decision_number", "decision_date"])
def test_approval_needs_body_number_and_date(as_user, coordinator, group, missing):
    plan, version = plan_in_state("in_review", group=group)
    data = request_for("approve", version)[1]
    data[missing] = ""
    before = snapshot(plan.pk)
    response = as_user(coordinator).post(reverse("safetyplans:approve", args=[plan.pk, 1]), data)
    assert response.status_code == 200
    assert response.context["form"].errors[missing]
    assert snapshot(plan.pk) == before


def test_the_same_version_cannot_be_approved_twice(coordinator, group):
    plan, version = plan_in_state("in_review", group=group)
    stale = PlanVersion.objects.get(pk=version.pk)
    decision = {
        "approving_body": "Сесія селищної ради",
        "decision_number": "45-IX",
        "decision_date": DECISION_DATE,
    }
    services.version_approve(version=version, by=coordinator, **decision)
    before = snapshot(plan.pk)
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.version_approve(
            version=stale, by=coordinator, **{**decision, "decision_number": "46-IX"}
        )
    assert "Only a plan in review can be approved" in error.value.messages[0]
    assert snapshot(plan.pk) == before
    assert PlanVersion.objects.get(pk=version.pk).decision_number == "45-IX"
    assert ActionTracking.objects.filter(plan=plan).count() == 1


# --- revising -------------------------------------------------------------------------------


def test_revising_starts_one_draft_copied_from_the_approved_version(as_user, en, leader, group):
    plan, approved = plan_in_state("approved", group=group, actions=2)
    client = as_user(leader)
    response = client.post(reverse("safetyplans:revise", args=[plan.pk]))
    draft = plan.versions.get(number=2)
    assert response.url == draft.get_absolute_url()
    assert (draft.status, draft.based_on, draft.context_summary) == (
        "draft",
        approved,
        approved.context_summary,
    )
    assert {(p.key, p.issue) for p in draft.priorities.all()} == {
        (p.key, p.issue) for p in approved.priorities.all()
    }
    assert {(a.key, a.activity, a.priority.key) for a in draft.actions.all()} == {
        (a.key, a.activity, a.priority.key) for a in approved.actions.all()
    }
    plan.refresh_from_db()
    assert (plan.status, plan.approved_version) == ("draft", approved)
    # A second revision while the first is open is refused, and so while it is in review.
    before = snapshot(plan.pk)
    again = client.post(reverse("safetyplans:revise", args=[plan.pk]))
    assert ("error", "The plan already has a version being drafted or reviewed.") in (
        messages_of(again)
    )
    assert snapshot(plan.pk) == before
    services.version_submit(version=draft, by=leader)
    before = snapshot(plan.pk)
    client.post(reverse("safetyplans:revise", args=[plan.pk]))
    assert snapshot(plan.pk) == before
    assert plan.versions.count() == 2


def test_approving_a_revision_supersedes_the_old_version_and_carries_progress_by_key(
    as_user, coordinator, leader, group
):
    plan, v1 = plan_in_state("approved", group=group, actions=2)
    kept, dropped = v1.actions.order_by("pk")
    kept_tracking = ActionTracking.objects.get(action=kept)
    dropped_tracking = ActionTracking.objects.get(action=dropped)
    services.action_track(
        tracking=kept_tracking,
        status="in_progress",
        progress=40,
        on=datetime.date(2024, 3, 10),
        by=leader,
    )
    v2 = services.plan_revise(plan=plan, by=leader)
    kept_copy = v2.actions.get(key=kept.key)
    services.action_update(
        action=kept_copy,
        revision=kept_copy.revision,
        **{
            **{f: getattr(kept_copy, f) for f in services.ACTION_FIELDS},
            "indicator": "Ліхтарі працюють щоночі",
        },
    )
    dropped_copy = v2.actions.get(key=dropped.key)
    services.action_remove(action=dropped_copy, revision=dropped_copy.revision)
    new = services.action_add(
        version=v2,
        priority=v2.priorities.get(),
        activity=NEW_ACTIVITY,
        responsible_other="Поліцейський офіцер громади",
        starts_on=datetime.date(2024, 7, 1),
        ends_on=datetime.date(2024, 9, 30),
        indicator="Рейд проведено",
    )
    services.version_submit(version=v2, by=leader)

    response = as_user(coordinator).post(
        reverse("safetyplans:approve", args=[plan.pk, 2]), request_for("approve", v2)[1]
    )

    assert response.status_code == 302
    v1.refresh_from_db()
    v2.refresh_from_db()
    plan.refresh_from_db()
    assert (v1.status, v1.superseded_at is not None) == ("superseded", True)
    assert v2.status == "approved"
    assert (plan.status, plan.approved_version) == ("approved", v2)
    # The same tracking row follows the action into version 2, with its progress.
    kept_tracking.refresh_from_db()
    assert kept_tracking.action_id == kept_copy.pk
    assert (kept_tracking.status, kept_tracking.progress) == ("in_progress", 40)
    assert kept_tracking.updates.count() == 1
    # The dropped action keeps its history with the version that had it.
    dropped_tracking.refresh_from_db()
    assert dropped_tracking.action_id == dropped.pk
    # The new action gets its own tracking, not started.
    new_tracking = ActionTracking.objects.get(action=new)
    assert (new_tracking.key, new_tracking.status, new_tracking.progress) == (
        new.key,
        "not_started",
        0,
    )
    assert ActionTracking.objects.filter(plan=plan).count() == 3
    assert_plan_mirrors_its_versions(plan.pk)


# --- deleting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("in_review", "The plan is in review: ask the reviewer to return it first."),
        ("approved", "An approved plan is kept for the record and cannot be deleted."),
        ("superseded", "An approved plan is kept for the record and cannot be deleted."),
    ],
)
def test_a_plan_in_review_or_ever_approved_cannot_be_deleted(
    as_user, en, coordinator, group, state, message
):
    plan, _version = plan_in_state(state, group=group)
    before = snapshot(plan.pk)
    response = as_user(coordinator).post(reverse("safetyplans:delete", args=[plan.pk]))
    assert response.url == plan.get_absolute_url()
    assert messages_of(response) == [("error", message)]
    assert snapshot(plan.pk) == before


def test_a_revision_of_an_approved_plan_does_not_make_it_deletable(as_user, leader, group):
    plan, _v1 = plan_in_state("approved", group=group)
    services.plan_revise(plan=plan, by=leader)
    before = snapshot(plan.pk)
    as_user(leader).post(reverse("safetyplans:delete", args=[plan.pk]))
    assert snapshot(plan.pk) == before


@pytest.mark.parametrize("state", ["draft", "returned"])
def test_a_plan_never_approved_is_deleted_with_everything_in_it(as_user, leader, group, state):
    plan, version = plan_in_state(state, group=group, actions=2)
    response = as_user(leader).post(reverse("safetyplans:delete", args=[plan.pk]))
    assert response.url == reverse("safetyplans:group_plans", args=[group.pk])
    assert not SafetyPlan.objects.filter(pk=plan.pk).exists()
    assert not Priority.objects.filter(version=version).exists()
    assert not Action.objects.filter(version=version).exists()
