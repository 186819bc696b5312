"""Comparing two versions of a plan: priorities and actions are matched by the key they keep
across a revision, and the diff lists what was added, removed and changed (field by field,
before and after), and nothing else."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from meetings.models import Decision
from safetyplans import services
from safetyplans.models import PlanVersion
from safetyplans.selectors import Change, compare
from tests.factories import (
    ActionFactory,
    MeetingFactory,
    OrganisationFactory,
    PriorityFactory,
    SafetyPlanFactory,
)

pytestmark = pytest.mark.django_db

APPROVAL = {
    "approving_body": "Сесія селищної ради",
    "decision_number": "5-VIII",
    "decision_date": datetime.date(2024, 2, 1),
}


@pytest.fixture(autouse=True)
def english():
    # Labels and names in one language whatever the catalogue holds.
    with translation.override("en"):
        yield


@pytest.fixture
def orgs():
    return [
        OrganisationFactory(name_en=name, name_uk=f"{name} (uk)")
        for name in ("Police unit", "Youth centre", "School 3")
    ]


@pytest.fixture
def approved(group, coordinator, orgs):
    """Version 1, approved: two priorities (one from a meeting decision) and four actions, with
    partners and meeting decisions that a revision must carry over unchanged."""
    plan = SafetyPlanFactory(group=group, first_version__context="Громада біля лінії фронту.")
    v1 = plan.versions.get()
    decision = Decision.objects.create(
        meeting=MeetingFactory(group=group), text="Звернутися до ради щодо освітлення"
    )
    lighting = PriorityFactory(version=v1, issue="Неосвітлені вулиці", likelihood=3, impact=4)
    violence = PriorityFactory(
        version=v1,
        issue="Домашнє насильство",
        category="domestic_violence",
        evidence="meeting_decision",
        evidence_decision=decision,
    )
    lamps = ActionFactory(priority=lighting, activity="Встановити ліхтарі")
    lamps.partners.set([orgs[0]])
    lamps.decisions.set([decision])
    patrols = ActionFactory(priority=lighting, activity="Вечірні патрулі", budget_uah=10000)
    patrols.partners.set([orgs[0]])
    ActionFactory(priority=violence, activity="Гаряча лінія", budget_uah=None)
    ActionFactory(priority=violence, activity="Тренінг для шкіл", funding_source="")
    services.version_submit(version=v1, by=coordinator)
    return services.version_approve(version=v1, by=coordinator, **APPROVAL)


def revise(version: PlanVersion, by) -> PlanVersion:
    return services.plan_revise(plan=version.plan, by=by)


def fields_of(item, names, **changes):
    return {**{name: getattr(item, name) for name in names}, **changes}


def test_a_fresh_revision_is_identical_to_the_version_it_came_from(approved, coordinator):
    draft = revise(approved, coordinator)

    diff = compare(approved, draft)

    assert diff.empty
    assert diff.context is None
    assert (diff.priorities.added, diff.priorities.removed, diff.priorities.changed) == ([], [], [])
    assert (diff.actions.added, diff.actions.removed, diff.actions.changed) == ([], [], [])


def test_the_diff_lists_exactly_what_changed(approved, coordinator, orgs):
    draft = revise(approved, coordinator)
    services.version_update(
        version=draft,
        revision=draft.revision,
        context_summary="Громада біля лінії фронту; відкрито нове укриття.",
        by=coordinator,
    )
    lighting = draft.priorities.get(issue="Неосвітлені вулиці")
    services.priority_update(
        priority=lighting,
        revision=lighting.revision,
        by=coordinator,
        **fields_of(
            lighting,
            services.PRIORITY_FIELDS,
            issue="Неосвітлені вулиці та двори",
            likelihood=5,
        ),
    )
    hotline = draft.actions.get(activity="Гаряча лінія")
    services.action_remove(action=hotline, revision=hotline.revision, by=coordinator)
    violence = draft.priorities.get(issue="Домашнє насильство")
    added = services.action_add(
        version=draft,
        by=coordinator,
        priority=violence,
        activity="Кімната довіри в ЦНАП",
        responsible=orgs[2],
        starts_on=datetime.date(2024, 9, 1),
        ends_on=datetime.date(2024, 12, 1),
        indicator="Кімната відкрита",
    )
    patrols = draft.actions.get(activity="Вечірні патрулі")
    services.action_update(
        action=patrols,
        revision=patrols.revision,
        by=coordinator,
        partners=[orgs[0], orgs[1]],
        decisions=list(patrols.decisions.all()),
        **fields_of(patrols, services.ACTION_FIELDS, budget_uah=Decimal("12500")),
    )
    draft.refresh_from_db()

    diff = compare(approved, draft)

    assert not diff.empty
    assert diff.context == Change(
        "Context",
        "Громада біля лінії фронту.",
        "Громада біля лінії фронту; відкрито нове укриття.",
    )
    assert (diff.priorities.added, diff.priorities.removed) == ([], [])
    [(old_priority, new_priority, priority_changes)] = diff.priorities.changed
    assert (old_priority.version, new_priority.version) == (approved, draft)
    assert old_priority.key == new_priority.key
    assert priority_changes == [
        Change("Issue", "Неосвітлені вулиці", "Неосвітлені вулиці та двори"),
        Change("Likelihood", "3", "5"),
    ]

    assert [a.pk for a in diff.actions.added] == [added.pk]
    old_hotline = approved.actions.get(activity="Гаряча лінія")
    assert [a.pk for a in diff.actions.removed] == [old_hotline.pk]
    [(old_patrols, new_patrols, action_changes)] = diff.actions.changed
    assert (old_patrols.version, new_patrols.pk) == (approved, patrols.pk)
    # Labels are compared case-blind here; their capitals have a test of their own below.
    assert [(c.label.casefold(), c.old, c.new) for c in action_changes] == [
        ("budget, uah", "10000.00", "12500.00"),
        ("partners", "Police unit", "Police unit, Youth centre"),
    ]


def test_changed_field_labels_keep_their_capitals(approved, coordinator):
    draft = revise(approved, coordinator)
    patrols = draft.actions.get(activity="Вечірні патрулі")
    services.action_update(
        action=patrols,
        revision=patrols.revision,
        by=coordinator,
        partners=list(patrols.partners.all()),
        decisions=list(patrols.decisions.all()),
        **fields_of(patrols, services.ACTION_FIELDS, budget_uah=Decimal("12500")),
    )

    [(_old, _new, changes)] = compare(approved, draft).actions.changed

    # The field is "budget, UAH": the currency code is not lower-cased into "uah".
    assert [c.label for c in changes] == ["Budget, UAH"]


def test_a_removed_priority_takes_its_actions_with_it_in_the_diff(approved, coordinator):
    draft = revise(approved, coordinator)
    violence = draft.priorities.get(issue="Домашнє насильство")
    services.priority_remove(priority=violence, revision=violence.revision, by=coordinator)

    diff = compare(approved, draft)

    assert [p.issue for p in diff.priorities.removed] == ["Домашнє насильство"]
    assert sorted(a.activity for a in diff.actions.removed) == ["Гаряча лінія", "Тренінг для шкіл"]
    assert diff.priorities.added == diff.actions.added == []
    assert diff.priorities.changed == diff.actions.changed == []
    assert diff.context is None


# --- the page -------------------------------------------------------------------------------


@pytest.fixture
def revised(approved, coordinator, orgs):
    """Version 2 (a draft) with one priority renamed and one action added."""
    draft = revise(approved, coordinator)
    lighting = draft.priorities.get(issue="Неосвітлені вулиці")
    services.priority_update(
        priority=lighting,
        revision=lighting.revision,
        by=coordinator,
        **fields_of(lighting, services.PRIORITY_FIELDS, issue="Темні двори й вулиці"),
    )
    services.action_add(
        version=draft,
        by=coordinator,
        priority=lighting,
        activity="Сонячні ліхтарі біля школи",
        responsible=orgs[2],
        starts_on=datetime.date(2024, 4, 1),
        ends_on=datetime.date(2024, 5, 1),
        indicator="Ліхтарі світять",
    )
    return draft


def compare_url(version: PlanVersion, other: int | None = None) -> str:
    url = reverse("safetyplans:compare", args=[version.plan_id, version.number])
    return url if other is None else f"{url}?with={other}"


@pytest.mark.parametrize("role", ["coordinator", "leader"])
def test_the_compare_page_shows_the_changes_to_those_who_draft(
    request, as_user, revised, approved, role
):
    client = as_user(request.getfixturevalue(role))

    response = client.get(compare_url(revised, approved.number))

    assert response.status_code == 200
    diff = response.context["diff"]
    assert (diff.old.number, diff.new.number) == (1, 2)
    html = response.content.decode()
    assert "Сонячні ліхтарі біля школи" in html
    assert "Неосвітлені вулиці" in html and "Темні двори й вулиці" in html
    # Without ?with the draft is compared with the version it was revised from.
    assert client.get(compare_url(revised)).context["diff"].old == approved


def test_the_order_of_the_two_versions_does_not_matter(as_user, coordinator, revised, approved):
    response = as_user(coordinator).get(compare_url(approved, revised.number))
    diff = response.context["diff"]
    assert (diff.old.number, diff.new.number) == (1, 2)
    assert [a.activity for a in diff.actions.added] == ["Сонячні ліхтарі біля школи"]


def test_a_donor_cannot_compare_against_a_draft(as_user, donor, revised, approved):
    client = as_user(donor)
    assert client.get(compare_url(approved, revised.number)).status_code == 404
    assert client.get(compare_url(revised, approved.number)).status_code == 404
    assert client.get(compare_url(revised)).status_code == 404


def test_a_donor_compares_two_approved_versions(as_user, donor, coordinator, revised, approved):
    services.version_submit(version=revised, by=coordinator)
    services.version_approve(version=revised, by=coordinator, **APPROVAL)

    response = as_user(donor).get(compare_url(revised))

    assert response.status_code == 200
    diff = response.context["diff"]
    assert (diff.old.status, diff.new.status) == ("superseded", "approved")
    assert "Сонячні ліхтарі біля школи" in response.content.decode()


def test_the_compare_page_of_another_programme_is_not_found(
    as_user, other_coordinator, revised, approved
):
    response = as_user(other_coordinator).get(compare_url(revised, approved.number))
    assert response.status_code == 404


@pytest.mark.parametrize("other", ["²", "٣", "99", "99999999999999999999", "x", "1.0", "-1", ""])
def test_a_malformed_or_unknown_version_to_compare_with_is_not_an_error(
    as_user, coordinator, revised, other
):
    """`with` comes from the address bar: a number that names no version of the plan is not
    found, anything else falls back to the version it was revised from; never a server error."""
    response = as_user(coordinator).get(compare_url(revised, other))
    assert response.status_code in (200, 404)
