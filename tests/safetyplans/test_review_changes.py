"""After a return, the next submission is read against what the reviewer saw: the return keeps
a snapshot of the version, and the version's page shows the changes since the comments (field
by field for priorities and actions, word by word for the context, escaped) beside those
comments. Each new return starts a new round, and the diff is against the latest one."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from safetyplans import services
from safetyplans.models import PlanVersion, ReviewRound
from safetyplans.selectors import changes_since_review, version_content, word_diff
from tests.factories import ActionFactory, OrganisationFactory, PriorityFactory, SafetyPlanFactory

pytestmark = pytest.mark.django_db

CONTEXT = "Громада біля лінії фронту. Вулиці не освітлені."
COMMENTS = "Уточніть бюджет ліхтарів і додайте укриття."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def en(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def returned(group, leader, coordinator):
    """Version 1 with two priorities and three actions, sent by the leader and returned by the
    coordinator with comments."""
    plan = SafetyPlanFactory(group=group, first_version__context=CONTEXT)
    version = plan.versions.get()
    lighting = PriorityFactory(version=version, issue="Неосвітлені вулиці", likelihood=3)
    violence = PriorityFactory(
        version=version, issue="Домашнє насильство", category="domestic_violence"
    )
    ActionFactory(priority=lighting, activity="Встановити ліхтарі", budget_uah=10000)
    ActionFactory(priority=lighting, activity="Вечірні патрулі")
    ActionFactory(priority=violence, activity="Гаряча лінія")
    services.version_submit(version=version, by=leader)
    return services.version_return(version=version, comments=COMMENTS, by=coordinator)


def fields(item, names, **changes):
    return {**{name: getattr(item, name) for name in names}, **changes}


def revise_and_resubmit(version: PlanVersion, leader, *, context=None):
    """The leader's usual answer to the comments: the lamps' budget changed, the hotline
    dropped, a shelter action and a priority added, and (if given) a new context."""
    version = PlanVersion.objects.get(pk=version.pk)
    if context is not None:
        services.version_update(
            version=version, revision=version.revision, context_summary=context, by=leader
        )
    lamps = version.actions.get(activity="Встановити ліхтарі")
    services.action_update(
        action=lamps,
        revision=lamps.revision,
        by=leader,
        **fields(lamps, services.ACTION_FIELDS, budget_uah=Decimal("12500")),
    )
    hotline = version.actions.get(activity="Гаряча лінія")
    services.action_remove(action=hotline, revision=hotline.revision, by=leader)
    shelters = services.priority_add(
        version=version,
        by=leader,
        issue="Укриття в школах",
        category="emergency",
        likelihood=4,
        impact=5,
        evidence="survey",
    )
    services.action_add(
        version=version,
        by=leader,
        priority=shelters,
        activity="Облаштувати укриття в школі №2",
        responsible=OrganisationFactory(),
        starts_on=datetime.date(2024, 4, 1),
        ends_on=datetime.date(2024, 9, 1),
        indicator="Укриття відкрите",
    )
    return services.version_submit(version=version, by=leader)


def changes_of(version):
    version = PlanVersion.objects.get(pk=version.pk)
    return changes_since_review(version, version_content(version))


# --- what a return keeps --------------------------------------------------------------------


def test_returning_keeps_the_comments_reviewer_and_content_as_seen(returned, coordinator):
    [round_] = ReviewRound.objects.filter(version=returned)
    assert (round_.number, round_.comments, round_.reviewer) == (1, COMMENTS, coordinator)
    assert round_.returned_at == returned.reviewed_at
    assert round_.snapshot["context"] == CONTEXT
    keys = {str(k) for k in returned.priorities.values_list("key", flat=True)}
    assert set(round_.snapshot["priorities"]) == keys
    lamps = returned.actions.get(activity="Встановити ліхтарі")
    saved = round_.snapshot["actions"][str(lamps.key)]
    assert saved["budget_uah"] == "10000.00"
    assert saved["priority"] == str(lamps.priority.key)
    assert saved["starts_on"] == "2024-03-01"


def test_the_review_round_is_on_the_record_with_who_returned_it(returned, coordinator):
    [record] = ReviewRound.history.all()
    assert (record.history_type, record.comments, record.reviewer) == ("+", COMMENTS, coordinator)


def test_a_version_never_returned_has_no_changes_since_comments(group, leader):
    plan = SafetyPlanFactory(group=group)
    version = plan.versions.get()
    ActionFactory(priority=PriorityFactory(version=version))
    services.version_submit(version=version, by=leader)
    assert changes_of(version) is None


# --- the diff -------------------------------------------------------------------------------


def test_nothing_changed_when_resubmitted_as_it_was(returned, leader):
    services.version_submit(version=returned, by=leader)
    changes = changes_of(returned)
    assert changes.empty
    assert changes.round.comments == COMMENTS


def test_the_diff_since_the_return_lists_added_removed_and_changed_items(returned, leader):
    revise_and_resubmit(returned, leader)

    changes = changes_of(returned)

    assert changes.context is None
    assert [p.issue for p in changes.priorities.added] == ["Укриття в школах"]
    assert changes.priorities.removed == [] and changes.priorities.changed == []
    assert [a.activity for a in changes.actions.added] == ["Облаштувати укриття в школі №2"]
    assert [a.activity for a in changes.actions.removed] == ["Гаряча лінія"]
    [(old, new, field_changes)] = changes.actions.changed
    assert old.activity == new.activity == "Встановити ліхтарі"
    assert [(c.label, c.old, c.new) for c in field_changes] == [
        ("Budget, UAH", "10000.00", "12500.00")
    ]


def test_a_changed_priority_lists_each_changed_field_before_and_after(returned, leader):
    lighting = returned.priorities.get(issue="Неосвітлені вулиці")
    services.priority_update(
        priority=lighting,
        revision=lighting.revision,
        by=leader,
        **fields(
            lighting,
            services.PRIORITY_FIELDS,
            issue="Неосвітлені вулиці та двори",
            likelihood=5,
            category="road_safety",
        ),
    )
    services.version_submit(version=returned, by=leader)

    [(_old, new, field_changes)] = changes_of(returned).priorities.changed

    assert new.issue == "Неосвітлені вулиці та двори"
    assert [(c.label, c.old, c.new) for c in field_changes] == [
        ("Issue", "Неосвітлені вулиці", "Неосвітлені вулиці та двори"),
        ("Category", "Street lighting", "Road safety"),
        ("Likelihood", "3", "5"),
    ]


def test_partners_and_the_action_moved_to_another_priority_show_as_changes(returned, leader):
    police = OrganisationFactory(name_en="Police unit", name_uk="Поліція")
    patrols = returned.actions.get(activity="Вечірні патрулі")
    violence = returned.priorities.get(issue="Домашнє насильство")
    services.action_update(
        action=patrols,
        revision=patrols.revision,
        by=leader,
        partners=[police],
        **fields(patrols, services.ACTION_FIELDS, priority=violence),
    )
    services.version_submit(version=returned, by=leader)

    [(_old, _new, field_changes)] = changes_of(returned).actions.changed

    assert [(c.label, c.old, c.new) for c in field_changes] == [
        ("Priority", "Неосвітлені вулиці", "Домашнє насильство"),
        ("Partners", "—", str(police)),
    ]


def test_the_context_diff_is_word_by_word_with_insertions_and_deletions(returned, leader):
    new_context = "Громада біля лінії фронту. Вулиці частково освітлені, є два укриття."
    services.version_update(
        version=returned, revision=returned.revision, context_summary=new_context, by=leader
    )
    services.version_submit(version=returned, by=leader)

    html = str(changes_of(returned).context)

    assert html.startswith("Громада біля лінії фронту. Вулиці ")
    assert html == (
        "Громада біля лінії фронту. Вулиці <del>не</del><ins>частково</ins> "
        "<del>освітлені.</del><ins>освітлені, є два укриття.</ins>"
    )


def test_the_word_diff_escapes_what_was_typed():
    html = str(word_diff("Бюджет <b>100</b> грн", 'Бюджет <script>alert("x")</script> грн\nдалі'))
    assert "<script>" not in html and "<b>" not in html
    assert "<del>&lt;b&gt;100&lt;/b&gt;</del>" in html
    assert "<ins>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</ins>" in html
    assert "грн<ins><br>далі</ins>" in html


# --- several rounds -------------------------------------------------------------------------


def test_each_return_starts_a_round_and_the_diff_is_against_the_latest(
    returned, leader, coordinator
):
    revise_and_resubmit(returned, leader, context=CONTEXT + " Є укриття.")
    services.version_return(version=returned, comments="Тепер додайте терміни.", by=coordinator)
    fresh = PlanVersion.objects.get(pk=returned.pk)
    lamps = fresh.actions.get(activity="Встановити ліхтарі")
    services.action_update(
        action=lamps,
        revision=lamps.revision,
        by=leader,
        **fields(lamps, services.ACTION_FIELDS, ends_on=datetime.date(2024, 7, 31)),
    )
    services.version_submit(version=fresh, by=leader)

    changes = changes_of(returned)

    assert list(returned.review_rounds.values_list("number", flat=True)) == [2, 1]
    assert changes.round.number == 2
    assert changes.round.comments == "Тепер додайте терміни."
    assert [r.comments for r in changes.earlier] == [COMMENTS]
    # Only what changed after the second return: the first round's changes are not repeated.
    assert changes.context is None
    assert changes.priorities.empty
    assert changes.actions.added == [] and changes.actions.removed == []
    [(_old, new, field_changes)] = changes.actions.changed
    assert new.activity == "Встановити ліхтарі"
    assert [(c.label, c.old, c.new) for c in field_changes] == [("End", "30.06.2024", "31.07.2024")]


# --- on the page ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "leader", "admin_user"])
def test_the_version_page_shows_the_changes_beside_the_comments(
    request, as_user, en, returned, leader, role
):
    revise_and_resubmit(returned, leader, context=CONTEXT + " Є укриття.")

    page = as_user(request.getfixturevalue(role)).get(returned.get_absolute_url())

    assert page.status_code == 200
    assert page.context["since_review"].round.comments == COMMENTS
    text = page.text
    assert 'id="since-review"' in text
    assert "Changes since the comments of" in text
    assert escape(COMMENTS) in text
    assert "Облаштувати укриття в школі №2" in text
    assert "<del>Гаряча лінія</del>" in text
    assert "<ins>Є укриття.</ins>" in text


def test_a_returned_version_shows_the_leader_what_they_changed_so_far(
    as_user, en, returned, leader
):
    hotline = returned.actions.get(activity="Гаряча лінія")
    services.action_remove(action=hotline, revision=hotline.revision, by=leader)
    page = as_user(leader).get(returned.get_absolute_url())
    assert [a.activity for a in page.context["since_review"].actions.removed] == ["Гаряча лінія"]


def test_the_plan_page_points_the_reviewer_to_the_changes_of_a_revision(
    as_user, en, group, leader, coordinator
):
    plan = SafetyPlanFactory(group=group)
    v1 = plan.versions.get()
    ActionFactory(priority=PriorityFactory(version=v1))
    services.version_submit(version=v1, by=leader)
    services.version_approve(
        version=v1,
        approving_body="Сесія ради",
        decision_number="1",
        decision_date=datetime.date(2024, 2, 1),
        by=coordinator,
    )
    v2 = services.plan_revise(plan=plan, by=leader)
    services.version_submit(version=v2, by=leader)
    services.version_return(version=v2, comments=COMMENTS, by=coordinator)
    services.version_submit(version=v2, by=leader)

    page = as_user(coordinator).get(plan.get_absolute_url())

    assert page.context["version"] == v1
    assert f'{v2.get_absolute_url()}#since-review"' in page.text


def test_the_plan_page_of_a_plan_never_approved_shows_the_changes_inline(
    as_user, en, returned, leader, coordinator
):
    services.version_submit(version=returned, by=leader)
    page = as_user(coordinator).get(returned.plan.get_absolute_url())
    assert page.context["since_review"].round.comments == COMMENTS
    assert 'id="since-review"' in page.text
    assert "Nothing has changed since the comments." in page.text


@pytest.mark.parametrize(
    ("role", "status"), [("other_leader", 404), ("other_coordinator", 404), ("donor", 404)]
)
def test_strangers_and_donors_see_no_version_under_review(
    request, as_user, returned, leader, role, status
):
    services.version_submit(version=returned, by=leader)
    client = as_user(request.getfixturevalue(role))
    assert client.get(returned.get_absolute_url()).status_code == status
    page = client.get(returned.plan.get_absolute_url())
    if page.status_code == 200:  # the donor sees the plan, none of its review
        assert COMMENTS not in page.text
        assert "since_review" not in page.context


def test_anonymous_visitors_are_sent_to_sign_in(client, returned):
    response = client.get(returned.get_absolute_url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_donor_sees_no_review_round_once_the_version_is_approved(
    as_user, returned, leader, coordinator, donor
):
    revise_and_resubmit(returned, leader)
    services.version_approve(
        version=returned,
        approving_body="Сесія ради",
        decision_number="2",
        decision_date=datetime.date(2024, 2, 1),
        by=coordinator,
    )
    for url in (returned.get_absolute_url(), returned.plan.get_absolute_url()):
        page = as_user(donor).get(url)
        assert page.status_code == 200
        assert COMMENTS not in page.text
        assert "since_review" not in page.context
        assert str(coordinator) not in page.text
