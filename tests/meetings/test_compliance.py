"""Monthly compliance: each group's months are held, planned, missed, due (the current month)
or not expected (suspended, ceased, not yet formed), and the rates leave out every month that
was not expected. Checked against grids worked out by hand."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from meetings.models import Meeting
from meetings.selectors import DUE, HELD, MISSED, NOT_EXPECTED, PLANNED, compliance
from tests.factories import MeetingFactory, WorkingGroupFactory
from workinggroups.models import GroupStatusChange

pytestmark = pytest.mark.django_db

KYIV = ZoneInfo("Europe/Kyiv")
TODAY = datetime.date(2024, 6, 10)
JANUARY, JUNE = datetime.date(2024, 1, 1), datetime.date(2024, 6, 30)
NE = NOT_EXPECTED


def kyiv(*args):
    return datetime.datetime(*args, tzinfo=KYIV)


def history(group, *steps):
    """Dated status changes: ("active", date(...)), ("suspended", date(...)), ..."""
    for status, day in steps:
        GroupStatusChange.objects.create(group=group, status=status, changed_on=day, reason="other")
    group.status = steps[-1][0]
    group.save(update_fields=["status"])


def meeting(group, when, status="held"):
    reason = "air_raid" if status in ("cancelled", "postponed") else ""
    return MeetingFactory(group=group, starts_at=when, status=status, status_reason=reason)


@pytest.fixture
def groups(programme):
    steady, suspended, ceased, late = (WorkingGroupFactory(programme=programme) for _ in range(4))
    launch = datetime.date(2023, 1, 1)

    history(steady, ("active", launch))
    meeting(steady, kyiv(2024, 1, 16, 15))
    meeting(steady, kyiv(2024, 2, 13, 15), "planned")  # never logged: missed
    # 00:30 on 1 March in Kyiv is still 29 February in UTC: it counts for March.
    meeting(steady, kyiv(2024, 3, 1, 0, 30))
    meeting(steady, kyiv(2024, 4, 9, 15), "cancelled")  # called off and not replaced
    meeting(steady, kyiv(2024, 6, 20, 15), "planned")  # this month, still ahead

    # Suspended on 10 February, re-established on 20 April: on the 15th of February, March
    # and April it was suspended.
    history(
        suspended,
        ("active", launch),
        ("suspended", datetime.date(2024, 2, 10)),
        ("reestablished", datetime.date(2024, 4, 20)),
    )
    meeting(suspended, kyiv(2024, 1, 10, 18))
    meeting(suspended, kyiv(2024, 5, 14, 18))

    history(ceased, ("active", launch), ("ceased", datetime.date(2024, 3, 1)))
    meeting(ceased, kyiv(2023, 12, 31, 23, 30))  # December in Kyiv: before the period
    meeting(ceased, kyiv(2024, 2, 20, 10))

    # Formed in January, active from 20 March: expected from April.
    history(late, ("forming", datetime.date(2024, 1, 5)), ("active", datetime.date(2024, 3, 20)))
    for month in (4, 5, 6):
        meeting(late, kyiv(2024, month, 5, 16))
    meeting(late, kyiv(2024, 3, 25, 16), "postponed")
    return steady, suspended, ceased, late


EXPECTED = {
    #            Jan     Feb     Mar     Apr     May     Jun
    "steady": [HELD, MISSED, HELD, MISSED, MISSED, PLANNED],
    "suspended": [HELD, NE, NE, NE, HELD, DUE],
    "ceased": [MISSED, HELD, NE, NE, NE, NE],
    "late": [NE, NE, NE, HELD, HELD, HELD],
}
RATES = {"steady": 40, "suspended": 100, "ceased": 50, "late": 100}


def test_compliance_grid_matches_the_hand_computed_one(programme, groups):
    grid = compliance(programme, groups, first=JANUARY, last=JUNE, today=TODAY)
    assert grid.months == [datetime.date(2024, month, 1) for month in range(1, 7)]
    assert [row.group for row in grid.rows] == list(groups)
    cells = {name: row.cells for name, row in zip(EXPECTED, grid.rows, strict=True)}
    assert cells == EXPECTED


def test_group_rates_leave_out_months_not_expected_and_the_current_month(programme, groups):
    grid = compliance(programme, groups, first=JANUARY, last=JUNE, today=TODAY)
    rows = dict(zip(EXPECTED, grid.rows, strict=True))
    assert {name: row.rate for name, row in rows.items()} == RATES
    assert {name: (row.held, row.expected) for name, row in rows.items()} == {
        "steady": (2, 5),
        "suspended": (2, 2),
        "ceased": (1, 2),
        "late": (3, 3),
    }


def test_programme_rate_is_held_over_expected_across_groups(programme, groups):
    grid = compliance(programme, groups, first=JANUARY, last=JUNE, today=TODAY)
    # 8 held out of 12 expected months.
    assert grid.rate == 67
    only_ceased = compliance(programme, groups[2:3], first=JANUARY, last=JUNE, today=TODAY)
    assert only_ceased.rate == 50


def test_no_expected_month_gives_no_rate(programme):
    group = WorkingGroupFactory(programme=programme)
    history(group, ("active", datetime.date(2023, 1, 1)), ("suspended", datetime.date(2023, 6, 1)))
    grid = compliance(programme, [group], first=JANUARY, last=JUNE, today=TODAY)
    assert grid.rows[0].cells == [NE] * 6
    assert (grid.rows[0].rate, grid.rate) == (None, None)


def test_a_group_without_a_recorded_history_is_not_expected(programme):
    # Its months are unknown rather than missed: no dated record says it was operating.
    group = WorkingGroupFactory(programme=programme, status="active")
    meeting(group, kyiv(2024, 2, 1, 15))
    grid = compliance(programme, [group], first=JANUARY, last=JUNE, today=TODAY)
    assert grid.rows[0].cells == [NE, HELD, NE, NE, NE, NE]


def test_the_grid_stops_at_today(programme, groups):
    grid = compliance(programme, groups, first=JANUARY, today=TODAY)
    assert grid.months[-1] == datetime.date(2024, 6, 1)
    assert grid.rows[0].cells[-1] == PLANNED


def test_a_past_month_with_only_a_planned_meeting_is_missed_but_this_month_is_planned(programme):
    group = WorkingGroupFactory(programme=programme)
    history(group, ("active", datetime.date(2023, 1, 1)))
    meeting(group, kyiv(2024, 5, 20, 15), "planned")
    meeting(group, kyiv(2024, 6, 1, 9), "planned")  # earlier this month, not yet logged
    grid = compliance(programme, [group], first=JANUARY, last=JUNE, today=TODAY)
    assert grid.rows[0].cells[-2:] == [MISSED, PLANNED]


def test_meetings_of_other_groups_do_not_count(programme, groups):
    steady = groups[0]
    other = WorkingGroupFactory(programme=programme)
    history(other, ("active", datetime.date(2023, 1, 1)))
    grid = compliance(programme, [other], first=JANUARY, last=JUNE, today=TODAY)
    assert grid.rows[0].cells == [MISSED] * 5 + [DUE]
    assert Meeting.objects.filter(group=steady).exists()


# The page ------------------------------------------------------------------------------------


def test_compliance_page_shows_twelve_months_or_the_whole_programme(
    as_user, coordinator, programme, groups
):
    client = as_user(coordinator)
    url = reverse("meetings:compliance", args=[programme.pk])
    recent = client.get(url).context["grid"]
    # The programme ended in December 2024: its last twelve months.
    assert recent.months[0] == datetime.date(2024, 1, 1)
    assert recent.months[-1] == datetime.date(2024, 12, 1)
    whole = client.get(url, {"period": "all"}).context["grid"]
    assert len(whole.months) == 24
    assert whole.months[0] == programme.start_date
    assert {row.group.pk for row in whole.rows} == {group.pk for group in groups}


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def fill(programme, n):
    """n groups with a history and a year of meetings: held, cancelled and planned ones."""
    for _ in range(n):
        group = WorkingGroupFactory(programme=programme)
        history(
            group,
            ("active", datetime.date(2023, 1, 1)),
            ("suspended", datetime.date(2024, 5, 1)),
            ("reestablished", datetime.date(2024, 8, 1)),
        )
        for month in range(1, 13):
            status = ["held", "cancelled", "planned"][month % 3]
            meeting(group, kyiv(2024, month, 12, 15), status)


@pytest.mark.parametrize("role", ["coordinator", "donor", "admin_user"])
def test_compliance_page_query_count_is_the_same_for_1_and_50_groups(
    request, as_user, programme, role
):
    # Session, user, roles, programme, groups (with communities), status changes, meetings.
    client = as_user(request.getfixturevalue(role))
    url = reverse("meetings:compliance", args=[programme.pk]) + "?period=all"
    fill(programme, 1)
    client.get(url)  # warm caches that every first request fills
    one = queries(client, url)
    fill(programme, 49)
    many = queries(client, url)
    assert len(client.get(url).context["grid"].rows) == 50
    assert many == one


def test_the_grid_of_a_national_programme_shows_fifty_groups_a_page_and_the_rate_of_all(
    as_user, coordinator, programme
):
    fill(programme, 55)
    client = as_user(coordinator)
    url = reverse("meetings:compliance", args=[programme.pk])
    first = client.get(url, {"period": "all"})
    second = client.get(url, {"period": "all", "page": 2})
    assert len(first.context["grid"].rows) == 50
    assert len(second.context["grid"].rows) == 5
    # The rate above the grid is every group's, whatever the page.
    everyone = compliance(
        programme,
        list(programme.working_groups.select_related("community")),
        first=programme.start_date,
        last=programme.end_date,
    ).rate
    assert first.context["rate"] == second.context["rate"] == everyone
    # The page's links keep the period.
    assert "period=all&amp;page=2" in first.content.decode()
    assert queries(client, url + "?period=all&page=2") == queries(client, url + "?period=all")


def test_the_grid_moves_twelve_months_at_a_time(as_user, coordinator, programme, groups):
    client = as_user(coordinator)
    url = reverse("meetings:compliance", args=[programme.pk])
    latest = client.get(url)
    assert latest.context["later"] is None
    assert latest.context["earlier"] == datetime.date(2023, 12, 1)
    earlier = client.get(url, {"until": "2023-12"})
    months = earlier.context["grid"].months
    assert (months[0], months[-1]) == (datetime.date(2023, 1, 1), datetime.date(2023, 12, 1))
    assert earlier.context["earlier"] is None  # the programme's first month is shown
    assert earlier.context["later"] == datetime.date(2024, 12, 1)
    # A month that is not one, or outside the programme, shows the nearest window.
    for nonsense in ("2023-13", "abc", "1900-01", "2999-01"):
        response = client.get(url, {"until": nonsense})
        assert response.status_code == 200
        assert len(response.context["grid"].months) <= 12
