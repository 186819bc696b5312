"""A group's lifecycle: forming, active, suspended, ceased, re-established. Each change is a
dated record with a reason; the history is never rewritten, so a ceased group stays visible with
why and when it ceased."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tests.factories import EnrolmentFactory, WorkingGroupFactory
from workinggroups.models import GroupStatusChange, WorkingGroup
from workinggroups.services import working_group_change_status, working_group_create

pytestmark = pytest.mark.django_db

S = WorkingGroup.Status
R = GroupStatusChange.Reason

# What the domain asks for, written out by hand rather than copied from the code.
ALLOWED = [
    (S.FORMING, S.ACTIVE),
    (S.FORMING, S.CEASED),
    (S.ACTIVE, S.SUSPENDED),
    (S.ACTIVE, S.CEASED),
    (S.SUSPENDED, S.ACTIVE),
    (S.SUSPENDED, S.CEASED),
    (S.CEASED, S.REESTABLISHED),
    (S.REESTABLISHED, S.SUSPENDED),
    (S.REESTABLISHED, S.CEASED),
]
REFUSED = [
    (S.ACTIVE, S.FORMING),
    (S.ACTIVE, S.ACTIVE),
    (S.CEASED, S.ACTIVE),
    (S.CEASED, S.SUSPENDED),
    (S.CEASED, S.FORMING),
    (S.CEASED, S.CEASED),
    (S.FORMING, S.REESTABLISHED),
    (S.ACTIVE, S.REESTABLISHED),
    (S.SUSPENDED, S.FORMING),
]


def change(group, status, day, reason=R.OTHER, by=None):
    return working_group_change_status(
        group=group, status=status, changed_on=day, reason=reason, note="", by=by
    )


@pytest.mark.parametrize(("current", "new"), ALLOWED)
def test_allowed_transition_is_recorded(group, current, new):
    WorkingGroup.objects.filter(pk=group.pk).update(status=current)
    record = change(group, new, datetime.date(2024, 5, 1))
    group.refresh_from_db()
    assert group.status == new
    assert (record.status, record.changed_on) == (new, datetime.date(2024, 5, 1))


@pytest.mark.parametrize(("current", "new"), REFUSED)
def test_refused_transition_changes_nothing(group, current, new):
    WorkingGroup.objects.filter(pk=group.pk).update(status=current)
    with pytest.raises(ValidationError) as refused:
        change(group, new, datetime.date(2024, 5, 1))
    assert "status" in refused.value.message_dict
    group.refresh_from_db()
    assert group.status == current
    assert not GroupStatusChange.objects.exists()


def test_a_new_group_starts_forming_with_a_dated_launch(programme, coordinator):
    community = EnrolmentFactory(programme=programme).community
    group = working_group_create(
        programme=programme,
        community=community,
        name_uk="Група",
        name_en="Group",
        established_on=datetime.date(2021, 9, 1),
        by=coordinator,
    )
    assert group.status == S.FORMING
    launch = group.status_changes.get()
    assert (launch.status, launch.changed_on, launch.reason, launch.recorded_by) == (
        S.FORMING,
        datetime.date(2021, 9, 1),
        R.LAUNCH,
        coordinator,
    )


def test_one_group_per_programme_and_community(programme, group, coordinator):
    with pytest.raises(ValidationError):
        working_group_create(
            programme=programme,
            community=group.community,
            name_uk="Друга",
            name_en="Second",
            established_on=None,
            by=coordinator,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingGroupFactory(programme=programme, community=group.community)
    assert WorkingGroup.objects.count() == 1


def test_a_group_needs_an_enrolled_community(programme, other_programme, coordinator):
    elsewhere = other_programme.enrolments.first().community
    with pytest.raises(ValidationError):
        working_group_create(
            programme=programme,
            community=elsewhere,
            name_uk="Група",
            name_en="Group",
            established_on=None,
            by=coordinator,
        )
    assert not WorkingGroup.objects.exists()


def test_a_change_dated_before_the_last_one_is_refused(group):
    change(group, S.ACTIVE, datetime.date(2022, 1, 10))
    with pytest.raises(ValidationError) as refused:
        change(group, S.CEASED, datetime.date(2022, 1, 9), reason=R.OCCUPATION)
    assert "changed_on" in refused.value.message_dict
    group.refresh_from_db()
    assert group.status == S.ACTIVE
    assert group.status_changes.count() == 1


def test_a_change_on_the_same_day_as_the_last_is_allowed(group):
    change(group, S.ACTIVE, datetime.date(2022, 1, 10))
    change(group, S.SUSPENDED, datetime.date(2022, 1, 10))
    group.refresh_from_db()
    assert group.status == S.SUSPENDED


def test_a_change_dated_in_the_future_is_refused(group):
    with pytest.raises(ValidationError) as refused:
        change(group, S.ACTIVE, timezone.localdate() + datetime.timedelta(days=1))
    assert "changed_on" in refused.value.message_dict
    group.refresh_from_db()
    assert group.status == S.FORMING


def test_the_status_history_is_kept_in_order(group, coordinator):
    steps = [
        (S.ACTIVE, datetime.date(2021, 10, 1), R.LAUNCH),
        (S.CEASED, datetime.date(2022, 3, 1), R.OCCUPATION),
        (S.REESTABLISHED, datetime.date(2023, 1, 15), R.DEOCCUPATION),
        (S.SUSPENDED, datetime.date(2023, 6, 1), R.HOSTILITIES),
    ]
    for status, day, reason in steps:
        change(group, status, day, reason=reason, by=coordinator)
    history = list(
        group.status_changes.order_by("changed_on").values_list("status", "changed_on", "reason")
    )
    assert history == steps
    assert set(group.status_changes.values_list("recorded_by", flat=True)) == {coordinator.pk}
    # django-simple-history keeps the group row's own changes too.
    assert [h.status for h in group.history.order_by("history_date")][-4:] == [
        S.ACTIVE,
        S.CEASED,
        S.REESTABLISHED,
        S.SUSPENDED,
    ]


def test_group_page_shows_that_the_group_ceased_because_of_occupation(
    as_user, donor, coordinator, group
):
    change(group, S.ACTIVE, datetime.date(2021, 10, 1), reason=R.LAUNCH)
    change(group, S.CEASED, datetime.date(2022, 3, 1), reason=R.OCCUPATION)
    for user in (donor, coordinator):
        page = as_user(user).get(group.get_absolute_url())
        history = [(c.status, c.changed_on, c.reason) for c in page.context["history"]]
        assert history == [
            (S.CEASED, datetime.date(2022, 3, 1), R.OCCUPATION),
            (S.ACTIVE, datetime.date(2021, 10, 1), R.LAUNCH),
        ]
        assert "2022" in page.text


def test_coordinator_changes_status_with_a_reason(as_user, coordinator, group):
    response = as_user(coordinator).post(
        reverse("workinggroups:status", args=[group.pk]),
        {"status": "active", "changed_on": "2024-02-01", "reason": "launch", "note": "Перше"},
    )
    assert response.status_code == 302
    record = group.status_changes.get()
    assert (record.status, record.note, record.recorded_by) == ("active", "Перше", coordinator)


@pytest.mark.parametrize(
    "data",
    [
        {"status": "reestablished", "changed_on": "2024-02-01", "reason": "launch"},
        {"status": "active", "changed_on": "2999-02-01", "reason": "launch"},
        {"status": "active", "changed_on": "not a date", "reason": "launch"},
        {"status": "active", "changed_on": "2024-02-01", "reason": "nonsense"},
        {"status": "unknown", "changed_on": "2024-02-01", "reason": "launch"},
    ],
)
def test_status_page_refuses_invalid_changes_and_changes_nothing(as_user, coordinator, group, data):
    response = as_user(coordinator).post(reverse("workinggroups:status", args=[group.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    group.refresh_from_db()
    assert group.status == S.FORMING
    assert not group.status_changes.exists()
