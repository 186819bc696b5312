"""Implementation of an approved plan: dated progress updates of its actions (kept apart from
the frozen text and carried to a revised version), the plan's progress, and the programme's
overview, checked against numbers worked out by hand."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from safetyplans import services
from safetyplans.models import Action, ActionTracking, ActionUpdate
from safetyplans.selectors import Progress, programme_plans, progress_of, version_content
from tests.factories import (
    ActionFactory,
    PriorityFactory,
    SafetyPlanFactory,
    WorkingGroupFactory,
    plan_in_state,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 7, 1)  # the `today` of every progress figure below
APPROVAL = {
    "approving_body": "Сесія міської ради",
    "decision_number": "77",
    "decision_date": datetime.date(2024, 2, 1),
}
JUNE_END = datetime.date(2024, 6, 30)


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def approve(version, by=None):
    services.version_submit(version=version, by=by)
    return services.version_approve(version=version, by=by, **APPROVAL)


def track(action, status, progress, *, on=None, note="", by=None):
    tracking = ActionTracking.objects.get(action=action)
    return services.action_track(
        tracking=tracking, status=status, progress=progress, on=on or days_ago(1), note=note, by=by
    )


@pytest.fixture
def tracking(group, coordinator):
    _plan, version = plan_in_state("approved", group=group, by=coordinator)
    return ActionTracking.objects.get(action__version=version)


def state(tracking) -> tuple:
    tracking.refresh_from_db()
    return tracking.status, tracking.progress, tracking.updated_on


# --- action_track ---------------------------------------------------------------------------


def test_a_new_approved_action_is_not_started(tracking):
    assert state(tracking) == ("not_started", 0, None)
    assert not tracking.updates.exists()


@pytest.mark.parametrize(
    ("status", "progress"), [("in_progress", 35), ("delayed", 10), ("cancelled", 60)]
)
def test_an_update_records_the_status_and_progress(tracking, coordinator, status, progress):
    on = days_ago(2)

    update = services.action_track(
        tracking=tracking, status=status, progress=progress, on=on, note=" Подано ", by=coordinator
    )

    assert state(tracking) == (status, progress, on)
    assert (update.status, update.progress, update.on, update.note, update.recorded_by) == (
        status,
        progress,
        on,
        "Подано",
        coordinator,
    )


def test_an_update_without_a_date_is_dated_today(tracking):
    services.action_track(tracking=tracking, status="in_progress", progress=5)
    assert state(tracking) == ("in_progress", 5, timezone.localdate())


def test_done_means_one_hundred_percent(tracking):
    update = services.action_track(tracking=tracking, status="done", progress=40, on=days_ago(1))
    assert update.progress == 100
    assert state(tracking)[:2] == ("done", 100)


@pytest.mark.parametrize(
    ("status", "progress", "field"),
    [
        ("in_progress", -1, "progress"),
        ("in_progress", 101, "progress"),
        ("in_progress", None, "progress"),
        ("not_started", 10, "progress"),
        ("finished", 50, "status"),
        ("", 50, "status"),
    ],
)
def test_an_impossible_update_is_refused_and_changes_nothing(tracking, status, progress, field):
    with pytest.raises(ValidationError) as refused:
        services.action_track(tracking=tracking, status=status, progress=progress)
    assert list(refused.value.error_dict) == [field]
    assert state(tracking) == ("not_started", 0, None)
    assert not ActionUpdate.objects.exists()


def test_not_started_with_no_progress_is_accepted(tracking):
    services.action_track(tracking=tracking, status="in_progress", progress=20, on=days_ago(3))
    services.action_track(tracking=tracking, status="not_started", progress=0, on=days_ago(1))
    assert state(tracking) == ("not_started", 0, days_ago(1))


def test_an_update_dated_in_the_future_is_refused(tracking):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.action_track(tracking=tracking, status="in_progress", progress=10, on=tomorrow)
    assert list(refused.value.error_dict) == ["on"]
    assert not ActionUpdate.objects.exists()


def test_an_older_update_joins_the_history_without_replacing_the_latest_state(tracking):
    services.action_track(tracking=tracking, status="in_progress", progress=50, on=days_ago(1))

    services.action_track(tracking=tracking, status="delayed", progress=20, on=days_ago(10))

    assert state(tracking) == ("in_progress", 50, days_ago(1))
    assert list(tracking.updates.values_list("on", "status", "progress")) == [
        (days_ago(1), "in_progress", 50),
        (days_ago(10), "delayed", 20),
    ]


def test_a_second_update_of_the_same_day_replaces_the_state(tracking):
    services.action_track(tracking=tracking, status="in_progress", progress=50, on=days_ago(1))
    services.action_track(tracking=tracking, status="delayed", progress=45, on=days_ago(1))
    assert state(tracking) == ("delayed", 45, days_ago(1))
    assert tracking.updates.count() == 2


@pytest.fixture
def revised_plan(group, coordinator):
    """Version 1 approved with two actions, both tracked; version 2 dropped one of them and was
    approved. Returns (plan, kept action's tracking, dropped action's tracking)."""
    plan = SafetyPlanFactory(group=group)
    v1 = plan.versions.get()
    priority = PriorityFactory(version=v1)
    kept = ActionFactory(priority=priority, activity="Залишається")
    dropped = ActionFactory(priority=priority, activity="Вилучено")
    approve(v1, coordinator)
    track(kept, "in_progress", 60, on=days_ago(5))
    track(dropped, "done", 100, on=days_ago(5))
    v2 = services.plan_revise(plan=plan, by=coordinator)
    gone = v2.actions.get(activity="Вилучено")
    services.action_remove(action=gone, revision=gone.revision, by=coordinator)
    approve(v2, coordinator)
    return (
        plan,
        ActionTracking.objects.get(plan=plan, key=kept.key),
        ActionTracking.objects.get(plan=plan, key=dropped.key),
    )


def test_progress_is_carried_to_the_same_action_of_a_revised_version(revised_plan):
    plan, kept, _dropped = revised_plan
    plan.refresh_from_db()
    assert kept.action.version == plan.approved_version
    assert (kept.status, kept.progress) == ("in_progress", 60)
    assert kept.updates.count() == 1


def test_an_action_of_a_superseded_version_is_no_longer_tracked(revised_plan):
    _plan, _kept, dropped = revised_plan
    assert dropped.action.version.status == "superseded"
    with pytest.raises(ValidationError):
        services.action_track(tracking=dropped, status="in_progress", progress=10)
    assert state(dropped)[:2] == ("done", 100)
    assert dropped.updates.count() == 1


def test_the_plan_in_force_is_tracked_while_a_revision_is_drafted(tracking, coordinator):
    services.plan_revise(plan=tracking.plan, by=coordinator)
    services.action_track(tracking=tracking, status="in_progress", progress=15, on=days_ago(1))
    assert state(tracking)[:2] == ("in_progress", 15)


# --- progress of a plan ---------------------------------------------------------------------


@pytest.fixture
def mixed(programme, coordinator):
    """An approved plan of five actions in every state. By hand, on TODAY (1 July 2024):

    | action    | status      | progress | ends       | budget  | overdue |
    | lamps     | done        | 100      | 30.06.2024 | 1000    | no, closed |
    | patrols   | in_progress | 45       | 30.06.2024 | 2500.50 | yes     |
    | hotline   | cancelled   | 10       | 31.03.2024 | —       | no, closed |
    | training  | not_started | 0        | 31.12.2024 | 0       | no      |
    | shelter   | delayed     | 20       | 31.05.2024 | 4000    | yes     |

    Mean progress of the four not cancelled: (100 + 45 + 0 + 20) / 4 = 41.25, shown as 41.
    Budget: 1000 + 2500.50 + 0 + 4000 = 7500.50."""
    plan = SafetyPlanFactory(group=WorkingGroupFactory(programme=programme))
    version = plan.versions.get()
    priority = PriorityFactory(version=version)
    rows = [
        ("lamps", JUNE_END, Decimal("1000"), "done", 100),
        ("patrols", JUNE_END, Decimal("2500.50"), "in_progress", 45),
        ("hotline", datetime.date(2024, 3, 31), None, "cancelled", 10),
        ("training", datetime.date(2024, 12, 31), Decimal("0"), "not_started", 0),
        ("shelter", datetime.date(2024, 5, 31), Decimal("4000"), "delayed", 20),
    ]
    actions = {
        name: ActionFactory(priority=priority, activity=name, ends_on=ends, budget_uah=budget)
        for name, ends, budget, _status, _progress in rows
    }
    approved = approve(version, coordinator)
    for name, _ends, _budget, status, progress in rows:
        if status != "not_started":
            track(actions[name], status, progress)
    return approved, actions


def test_version_progress_is_the_mean_of_the_actions_not_cancelled(mixed):
    version, _actions = mixed

    content = version_content(version, today=TODAY)

    assert content.progress == Progress(actions=5, done=1, cancelled=1, overdue=2, percent=41)
    assert content.progress.open == 3
    assert [a.activity for a in content.overdue] == ["patrols", "shelter"]
    assert content.budget == Decimal("7500.50")


def test_nothing_is_overdue_before_the_actions_end(mixed):
    version, _actions = mixed
    progress = version_content(version, today=datetime.date(2024, 3, 1)).progress
    assert (progress.overdue, progress.percent) == (0, 41)


def test_a_draft_has_no_progress(group):
    _plan, draft = plan_in_state("draft", group=group)
    content = version_content(draft, today=TODAY)
    assert content.progress is None
    assert content.overdue == []


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], Progress()),
        ([("cancelled", 50, JUNE_END)], Progress(actions=1, cancelled=1, percent=0)),
        (
            [("in_progress", 33, JUNE_END), ("in_progress", 34, JUNE_END)],
            Progress(actions=2, overdue=2, percent=34),  # 33.5 rounds to even: 34
        ),
        (
            [("done", 100, JUNE_END), ("not_started", 0, datetime.date(2024, 7, 1))],
            Progress(actions=2, done=1, percent=50),  # ends today: not overdue yet
        ),
    ],
)
def test_progress_of_hand_made_trackings(rows, expected):
    trackings = [
        ActionTracking(status=status, progress=progress, action=Action(ends_on=ends))
        for status, progress, ends in rows
    ]
    assert progress_of(trackings, overdue_on=TODAY) == expected


# --- the programme overview -----------------------------------------------------------------


@pytest.fixture
def superseded(programme, coordinator):
    """Version 1 approved with x (1000), y (2000) and z (3000); x tracked at 60%, z done.
    Version 2 dropped z, raised y to 5000, added w (700), and was approved. By hand, on TODAY:
    in force x, y, w: 3 actions, none done; x and y end 30.06 and are open: 2 overdue;
    progress (60 + 0 + 0) / 3 = 20; budget 1000 + 5000 + 700 = 6700. z (done, 3000) belongs
    to the superseded version and counts nowhere."""
    plan = SafetyPlanFactory(group=WorkingGroupFactory(programme=programme))
    v1 = plan.versions.get()
    priority = PriorityFactory(version=v1)
    x = ActionFactory(priority=priority, activity="x", budget_uah=1000, ends_on=JUNE_END)
    ActionFactory(priority=priority, activity="y", budget_uah=2000, ends_on=JUNE_END)
    z = ActionFactory(priority=priority, activity="z", budget_uah=3000, ends_on=JUNE_END)
    approve(v1, coordinator)
    track(x, "in_progress", 60)
    track(z, "done", 100)
    v2 = services.plan_revise(plan=plan, by=coordinator)
    gone = v2.actions.get(activity="z")
    services.action_remove(action=gone, revision=gone.revision, by=coordinator)
    y = v2.actions.get(activity="y")
    fields = {name: getattr(y, name) for name in services.ACTION_FIELDS}
    services.action_update(
        action=y, revision=y.revision, by=coordinator, **{**fields, "budget_uah": Decimal(5000)}
    )
    services.action_add(
        version=v2,
        by=coordinator,
        **{**fields, "activity": "w", "budget_uah": Decimal(700), "ends_on": TODAY},
    )
    approve(v2, coordinator)
    plan.refresh_from_db()
    return plan


@pytest.fixture
def draft_plan(programme, coordinator):
    plan, _version = plan_in_state(
        "draft", group=WorkingGroupFactory(programme=programme), actions=2
    )
    return plan


def test_programme_overview_figures_match_the_hand_computed_ones(
    programme, other_programme, draft_plan, mixed, superseded
):
    plan_in_state("approved", group=WorkingGroupFactory(programme=other_programme), actions=3)
    mixed_plan = mixed[0].plan

    plans = {plan.pk: plan for plan in programme_plans(programme, today=TODAY)}

    assert set(plans) == {draft_plan.pk, mixed_plan.pk, superseded.pk}

    def figures(plan):
        percent = plan.progress_percent
        return (
            plan.status,
            plan.actions_count,
            plan.done_count,
            plan.overdue_count,
            None if percent is None else float(percent),
            plan.budget,
        )

    assert figures(plans[draft_plan.pk]) == ("draft", 0, 0, 0, None, None)
    assert figures(plans[mixed_plan.pk]) == (
        "approved",
        5,
        1,
        2,
        pytest.approx(41.25),
        Decimal("7500.50"),
    )
    assert figures(plans[superseded.pk]) == (
        "approved",
        3,
        0,
        2,
        pytest.approx(20.0),
        Decimal("6700"),
    )


def test_programme_overview_agrees_with_the_plan_page(programme, mixed, superseded):
    for plan in programme_plans(programme, today=TODAY):
        progress = version_content(plan.approved_version, today=TODAY).progress
        assert (plan.actions_count, plan.done_count, plan.overdue_count) == (
            progress.actions,
            progress.done,
            progress.overdue,
        )
        assert round(float(plan.progress_percent)) == progress.percent


def test_the_overview_page_lists_the_plans_with_their_figures(
    as_user, coordinator, programme, mixed, superseded
):
    response = as_user(coordinator).get(reverse("safetyplans:overview", args=[programme.pk]))
    assert response.status_code == 200
    assert {p.pk for p in response.context["plans"]} == {mixed[0].plan_id, superseded.pk}


# --- the track page -------------------------------------------------------------------------


def track_url(tracking) -> str:
    return reverse("safetyplans:track", args=[tracking.pk])


@pytest.mark.parametrize("role", ["coordinator", "leader"])
def test_a_dated_update_is_recorded_and_listed_in_earlier_updates(request, as_user, tracking, role):
    client = as_user(request.getfixturevalue(role))
    on = days_ago(3)

    response = client.post(
        track_url(tracking),
        {
            "status": "in_progress",
            "progress": "35",
            "on": on.isoformat(),
            "note": "Закуплено опори",
        },
    )

    assert response.status_code == 302
    assert response.url == f"{tracking.plan.get_absolute_url()}#action-{tracking.action_id}"
    assert state(tracking) == ("in_progress", 35, on)
    page = client.get(track_url(tracking))
    assert [u.note for u in page.context["updates"]] == ["Закуплено опори"]
    html = page.content.decode()
    earlier = html[html.index('id="updates-title"') :]
    assert f"{on:%d.%m.%Y}" in earlier
    assert "Закуплено опори" in earlier
    assert "35%" in earlier


def test_a_refused_update_shows_the_form_again_and_records_nothing(as_user, coordinator, tracking):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = as_user(coordinator).post(
        track_url(tracking),
        {"status": "not_started", "progress": "20", "on": tomorrow.isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ActionUpdate.objects.exists()
    assert state(tracking) == ("not_started", 0, None)


def test_a_donor_may_not_record_progress(as_user, donor, tracking):
    client = as_user(donor)
    assert client.get(track_url(tracking)).status_code == 403
    response = client.post(
        track_url(tracking), {"status": "done", "progress": "100", "on": days_ago(1).isoformat()}
    )
    assert response.status_code == 403
    assert not ActionUpdate.objects.exists()


@pytest.mark.parametrize("role", ["other_coordinator", "other_leader"])
def test_the_track_page_of_another_group_is_not_found(request, as_user, tracking, role):
    client = as_user(request.getfixturevalue(role))
    assert client.get(track_url(tracking)).status_code == 404


def shown_percent(html: str, after: str) -> str:
    """The value of the first progress bar after a marker in a page."""
    return re.search(r'<progress[^>]*value="(\d+)"', html[html.index(after) :]).group(1)


def test_the_overview_and_the_plan_page_show_the_same_percent(
    as_user, coordinator, programme, group
):
    # Two actions at 45% and 40%: a mean of 42.5, exactly between two whole numbers.
    plan, version = plan_in_state("approved", group=group, actions=2, by=coordinator)
    first, second = version.actions.order_by("pk")
    track(first, "in_progress", 45)
    track(second, "in_progress", 40)
    client = as_user(coordinator)

    plan_page = client.get(plan.get_absolute_url()).content.decode()
    overview = client.get(reverse("safetyplans:overview", args=[programme.pk])).content.decode()

    assert shown_percent(plan_page, 'id="progress-title"') == shown_percent(
        overview, f'href="{plan.get_absolute_url()}"'
    )
