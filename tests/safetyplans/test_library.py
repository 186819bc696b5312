"""The library of measures: coordinators write up actions of their programme's approved plans
(filled in from the action and its tracking, never a person's name); everyone with a role in a
programme searches its measures, never another programme's; drafters copy a measure into an
editable version, the action keeping its origin through revisions; a frozen version takes
none."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safetyplans import services
from safetyplans.models import Action, ActionTracking, Measure
from tests.factories import (
    ActionFactory,
    PriorityFactory,
    SafetyPlanFactory,
    WorkingGroupFactory,
    plan_in_state,
)

pytestmark = pytest.mark.django_db

NOTE_WITH_A_NAME = "Петро Іваненко домовився з підрядником"
RESULT = "Вулиця освітлена, скарг на темряву немає"


@pytest.fixture
def approved_action(group, coordinator):
    _plan, version = plan_in_state("approved", group=group, by=coordinator)
    action = version.actions.get()
    services.action_track(
        tracking=ActionTracking.objects.get(action=action),
        status="done",
        progress=100,
        note=NOTE_WITH_A_NAME,
        by=coordinator,
    )
    return action


def measure_data(**changes):
    return {
        "category": "street_lighting",
        "issue": "Темні вулиці",
        "activity": "Встановити ліхтарі на сонячних батареях",
        "cost_uah": "12000",
        "funding_source": "local_budget",
        "indicator": "Ліхтарі працюють",
        "result": RESULT,
        **changes,
    }


def make_measure(action, by=None, **changes):
    data = measure_data(**changes)
    data["cost_uah"] = Decimal(data["cost_uah"])
    return services.measure_create(action=action, by=by, **data)


def create_url(action):
    return reverse("safetyplans:measure_create", args=[action.pk])


# --- marking ---------------------------------------------------------------------------------


def test_coordinator_marks_an_approved_action_as_a_measure_filled_in_from_it(
    as_user, coordinator, approved_action
):
    client = as_user(coordinator)
    form = client.get(create_url(approved_action)).context["form"]
    assert form.initial["activity"] == approved_action.activity
    assert form.initial["indicator"] == approved_action.indicator
    assert form.initial["cost_uah"] == approved_action.budget_uah
    assert form.initial["category"] == approved_action.priority.category
    assert "100" in form.initial["result"]
    # The tracking's notes and who recorded them stay out: they may name people.
    assert NOTE_WITH_A_NAME not in str(form.initial)
    assert coordinator.email not in str(form.initial)

    response = client.post(create_url(approved_action), measure_data())

    measure = Measure.objects.get()
    assert response.status_code == 302
    assert measure.source_action == approved_action
    assert measure.programme == approved_action.version.plan.group.programme
    assert measure.community == approved_action.version.plan.group.community
    assert measure.result == RESULT


@pytest.mark.parametrize(
    ("role", "status"),
    [("leader", 403), ("donor", 403), ("other_leader", 404), ("other_coordinator", 404)],
)
def test_only_the_programmes_coordinators_mark_measures(
    request, as_user, approved_action, role, status
):
    client = as_user(request.getfixturevalue(role))
    assert client.get(create_url(approved_action)).status_code == status
    assert client.post(create_url(approved_action), measure_data()).status_code == status
    assert not Measure.objects.exists()


def test_anonymous_visitors_mark_nothing(client, approved_action):
    response = client.post(create_url(approved_action), measure_data())
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not Measure.objects.exists()


def test_a_draft_action_does_not_go_into_the_library(as_user, coordinator, group):
    _plan, version = plan_in_state("draft", group=group)
    action = version.actions.get()
    with pytest.raises(ValidationError):
        make_measure(action)
    response = as_user(coordinator).post(create_url(action), measure_data())
    assert response.status_code == 200
    assert not Measure.objects.exists()


def test_an_action_goes_into_the_library_once(approved_action):
    make_measure(approved_action)
    with pytest.raises(ValidationError):
        make_measure(approved_action)
    assert Measure.objects.count() == 1


def test_invalid_measure_changes_nothing(as_user, coordinator, approved_action):
    response = as_user(coordinator).post(create_url(approved_action), measure_data(result=""))
    assert response.status_code == 200
    assert "result" in response.context["form"].errors
    assert not Measure.objects.exists()


def test_coordinator_edits_a_measure_and_others_cannot(
    as_user, coordinator, leader, donor, approved_action
):
    measure = make_measure(approved_action)
    url = reverse("safetyplans:measure_edit", args=[measure.pk])
    for user in (leader, donor):
        assert as_user(user).post(url, measure_data(result="Інше")).status_code == 403
    response = as_user(coordinator).post(url, measure_data(result="Уточнений результат"))
    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.result == "Уточнений результат"
    assert "уточнений" in measure.search_text


# --- searching -------------------------------------------------------------------------------


@pytest.fixture
def two_libraries(approved_action, other_programme, other_coordinator):
    """A measure of the programme and one of another programme."""
    ours = make_measure(approved_action)
    group = WorkingGroupFactory(
        programme=other_programme, community=other_programme.enrolments.first().community
    )
    _plan, version = plan_in_state("approved", group=group, by=other_coordinator)
    theirs = make_measure(
        version.actions.get(),
        category="youth_leisure",
        activity="Молодіжний простір у бібліотеці",
        issue="Підлітки без дозвілля",
    )
    return ours, theirs


def library_ids(client, **params):
    response = client.get(reverse("safetyplans:library"), params)
    assert response.status_code == 200
    return [m.pk for m in response.context["page"]]


@pytest.mark.parametrize("role", ["coordinator", "leader", "other_leader", "donor"])
def test_the_library_shows_the_measures_of_the_programmes_one_may_see(
    request, as_user, two_libraries, role
):
    ours, _theirs = two_libraries
    assert library_ids(as_user(request.getfixturevalue(role))) == [ours.pk]


def test_the_other_programmes_coordinator_sees_theirs_only(
    as_user, other_coordinator, two_libraries
):
    ours, theirs = two_libraries
    assert library_ids(as_user(other_coordinator)) == [theirs.pk]
    assert (
        as_user(other_coordinator).get(reverse("safetyplans:measure", args=[ours.pk])).status_code
        == 404
    )


def test_anonymous_visitors_do_not_see_the_library(client, two_libraries):
    assert client.get(reverse("safetyplans:library")).status_code == 302


def test_the_library_is_searched_by_words_and_issue_category(
    as_user, coordinator, approved_action, group
):
    lights = make_measure(approved_action)
    _plan, version = plan_in_state("approved", group=WorkingGroupFactory(programme=group.programme))
    youth = make_measure(
        version.actions.get(),
        category="youth_leisure",
        activity="Молодіжний простір",
        indicator="Відвідувачі щотижня",
        result="Простір працює щодня",
    )
    client = as_user(coordinator)
    assert library_ids(client, q="ЛІХТАРІ") == [lights.pk]  # case aside
    assert library_ids(client, category="youth_leisure") == [youth.pk]
    assert library_ids(client, q="простір", category="street_lighting") == []
    assert set(library_ids(client)) == {lights.pk, youth.pk}


def test_the_library_is_paged_with_the_same_queries_for_1_and_50_measures(
    as_user, leader, coordinator, group
):
    client = as_user(leader)
    url = reverse("safetyplans:library")
    _plan, version = plan_in_state("approved", group=group, actions=50, by=coordinator)
    actions = list(version.actions.all())
    make_measure(actions[0])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for action in actions[1:]:
        make_measure(action)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["page"]) == 20
    assert response.context["page"].paginator.count == 50
    assert len(many) == len(one)


# --- copying ---------------------------------------------------------------------------------


@pytest.fixture
def measure(approved_action):
    return make_measure(approved_action)


@pytest.fixture
def draft(other_group):
    """A draft of the programme's other group, with one priority."""
    version = SafetyPlanFactory(group=other_group).versions.get()
    PriorityFactory(version=version, issue="Темрява на вулицях")
    return version


def copy_url(version, measure):
    return reverse("safetyplans:measure_copy", args=[version.plan_id, version.number, measure.pk])


def copy_data(version, **changes):
    return {
        "priority": str(version.priorities.get().pk),
        "activity": "Встановити ліхтарі на сонячних батареях",
        "responsible_other": "Виконком селищної ради",
        "starts_on": "2024-04-01",
        "ends_on": "2024-09-30",
        "budget_uah": "15000",
        "funding_source": "local_budget",
        "indicator": "Ліхтарі працюють",
        **changes,
    }


def test_a_leader_copies_a_measure_into_the_draft_with_its_origin(
    as_user, other_leader, measure, draft
):
    client = as_user(other_leader)
    library = client.get(reverse("safetyplans:version_library", args=[draft.plan_id, draft.number]))
    assert copy_url(draft, measure) in library.text
    form = client.get(copy_url(draft, measure)).context["form"]
    assert form.initial["activity"] == measure.activity
    assert form.initial["indicator"] == measure.indicator

    response = client.post(copy_url(draft, measure), copy_data(draft))

    assert response.status_code == 302
    action = Action.objects.get(version=draft)
    assert action.copied_from == measure
    assert action.priority == draft.priorities.get()
    page = client.get(draft.get_absolute_url())
    assert reverse("safetyplans:measure", args=[measure.pk]) in page.text
    assert measure.community.full_name in page.text
    assert measure.programme.title in page.text


def test_a_copy_into_a_frozen_version_is_refused(as_user, coordinator, measure, group):
    _plan, version = plan_in_state("approved", group=WorkingGroupFactory(programme=group.programme))
    client = as_user(coordinator)
    before = Action.objects.count()

    assert client.get(copy_url(version, measure)).status_code == 302
    response = client.post(copy_url(version, measure), copy_data(version))

    assert response.status_code == 409
    assert Action.objects.count() == before
    with pytest.raises(ValidationError):
        services.action_add(
            version=version,
            copied_from=measure,
            priority=version.priorities.get(),
            activity="Копія",
            responsible_other="Рада",
            starts_on=datetime.date(2024, 3, 1),
            ends_on=datetime.date(2024, 4, 1),
            indicator="Є",
        )
    assert not Action.objects.filter(copied_from=measure).exists()


def test_a_measure_of_a_programme_one_cannot_see_cannot_be_copied(
    as_user, other_coordinator, other_programme, measure
):
    group = WorkingGroupFactory(
        programme=other_programme, community=other_programme.enrolments.first().community
    )
    version = SafetyPlanFactory(group=group).versions.get()
    PriorityFactory(version=version)
    client = as_user(other_coordinator)
    assert client.get(copy_url(version, measure)).status_code == 404
    assert client.post(copy_url(version, measure), copy_data(version)).status_code == 404
    assert not Action.objects.filter(copied_from=measure).exists()


@pytest.mark.parametrize(("role", "status"), [("donor", 403), ("leader", 404)])
def test_copying_into_a_plan_one_does_not_draft_is_refused(
    request, as_user, measure, draft, role, status
):
    client = as_user(request.getfixturevalue(role))
    assert client.post(copy_url(draft, measure), copy_data(draft)).status_code == status
    assert not Action.objects.filter(copied_from=measure).exists()


def test_a_copy_keeps_its_origin_when_the_plan_is_revised(
    coordinator, other_leader, measure, draft
):
    services.action_add(
        version=draft,
        copied_from=measure,
        priority=draft.priorities.get(),
        activity=measure.activity,
        responsible_other="Рада",
        starts_on=datetime.date(2024, 3, 1),
        ends_on=datetime.date(2024, 4, 1),
        indicator=measure.indicator,
    )
    services.version_submit(version=draft, by=other_leader)
    services.version_approve(
        version=draft,
        approving_body="Сесія ради",
        decision_number="3",
        decision_date=datetime.date(2024, 2, 1),
        by=coordinator,
    )
    revised = services.plan_revise(plan=draft.plan, by=other_leader)
    assert revised.actions.get().copied_from == measure


def test_editing_a_copied_action_keeps_its_origin(as_user, other_leader, measure, draft):
    action = ActionFactory(priority=draft.priorities.get(), copied_from=measure)
    url = reverse("safetyplans:action_edit", args=[draft.plan_id, draft.number, action.pk])
    response = as_user(other_leader).post(
        url, copy_data(draft, activity="Змінено", revision=str(action.revision))
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.activity, action.copied_from) == ("Змінено", measure)


def test_the_draft_page_query_count_does_not_grow_with_copied_actions(
    as_user, other_leader, measure, draft
):
    client = as_user(other_leader)
    url = draft.get_absolute_url()
    ActionFactory(priority=draft.priorities.get(), copied_from=measure)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(20):
        ActionFactory(priority=draft.priorities.get(), copied_from=measure)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(one)


def test_a_measure_names_no_person_to_its_readers(as_user, coordinator, donor, measure):
    page = as_user(donor).get(reverse("safetyplans:measure", args=[measure.pk]))
    assert page.status_code == 200
    assert measure.activity in page.text
    assert str(coordinator) not in page.text
    assert NOTE_WITH_A_NAME not in page.text


def test_the_library_search_answers_htmx_with_the_list_alone(as_user, leader, measure):
    response = as_user(leader).get(
        reverse("safetyplans:library"), {"q": "ліхтарі"}, HTTP_HX_REQUEST="true"
    )
    names = [t.name for t in response.templates]
    assert "safetyplans/_measure_list.html" in names
    assert "safetyplans/library.html" not in names
    assert [m.pk for m in response.context["page"]] == [measure.pk]


def test_the_approved_plan_offers_its_actions_to_the_library_to_coordinators_only(
    as_user, coordinator, leader, donor, approved_action
):
    plan_url = approved_action.version.plan.get_absolute_url()
    assert create_url(approved_action) in as_user(coordinator).get(plan_url).text
    for user in (leader, donor):
        assert create_url(approved_action) not in as_user(user).get(plan_url).text
    measure = make_measure(approved_action)
    page = as_user(coordinator).get(plan_url).text
    assert reverse("safetyplans:measure", args=[measure.pk]) in page
    assert create_url(approved_action) not in page
