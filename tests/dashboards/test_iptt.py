"""The indicator performance tracking table against tables worked out by hand, with quarterly
and yearly targets; its page for each role, its XLSX and its place in the report."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from dashboards import exports, iptt, services
from dashboards.indicators import INDICATORS, Period, dashboard_data
from dashboards.models import TrackingPlan
from meetings.models import Meeting
from tests.conftest import give_totp
from tests.factories import (
    MeetingFactory,
    MembershipFactory,
    ProgrammeFactory,
    WorkingGroupFactory,
)
from workinggroups.models import GroupStatusChange

pytestmark = pytest.mark.django_db

D = datetime.date
KYIV_NOON = datetime.time(12)


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, KYIV_NOON))


def programme_with(start, end, meetings, *, frequency):
    """A programme of one group, active from the start, with one member and a meeting held
    on each of `meetings`."""
    programme = ProgrammeFactory(start_date=start, end_date=end)
    group = WorkingGroupFactory(programme=programme, status="active", established_on=start)
    GroupStatusChange.objects.create(group=group, status="active", changed_on=start, reason="x")
    MembershipFactory(group=group, joined_on=start)
    Meeting.objects.bulk_create(
        MeetingFactory.build(group=group, status="held", starts_at=at(day)) for day in meetings
    )
    TrackingPlan.objects.create(programme=programme, frequency=frequency)
    return programme


def row(table, code):
    return next(r for r in table.rows if r.indicator.code == code)


@pytest.fixture
def quarterly(time_machine):
    time_machine.move_to(at(D(2024, 8, 15)))
    programme = programme_with(
        D(2024, 1, 1), D(2024, 12, 31),
        [D(2024, 1, 10), D(2024, 2, 5), D(2024, 2, 20), D(2024, 4, 9), D(2024, 7, 3),
         D(2024, 8, 10)],
        frequency="quarter",
    )  # fmt: skip
    services.targets_set(
        programme=programme,
        targets={"meetings_held": Decimal(12)},
        baselines={"meetings_held": Decimal(0), "participants": Decimal(2)},
        period_targets={("meetings_held", D(2024, m, 1)): Decimal(3) for m in (1, 4, 7, 10)},
    )
    return programme


def test_quarterly_targets_against_actuals_worked_out_by_hand(quarterly):
    with translation.override("en"):
        table = iptt.build(quarterly, protected=False)

    assert table.labels == ["Q1 2024", "Q2 2024", "Q3 2024", "Q4 2024"]
    assert [(p.start, p.end) for p in table.periods] == [
        (D(2024, 1, 1), D(2024, 3, 31)), (D(2024, 4, 1), D(2024, 6, 30)),
        (D(2024, 7, 1), D(2024, 9, 30)), (D(2024, 10, 1), D(2024, 12, 31)),
    ]  # fmt: skip
    held = row(table, "meetings_held")
    # Q1: 10 Jan, 5 and 20 Feb; Q2: 9 Apr; Q3 so far (15 Aug): 3 Jul, 10 Aug; Q4 not begun.
    assert [(c.target, c.actual, c.percent) for c in held.cells] == [
        (Decimal(3), 3, 100), (Decimal(3), 1, 33), (Decimal(3), 2, 67), (Decimal(3), None, None),
    ]  # fmt: skip
    assert (held.baseline, held.target, held.to_date, held.percent) == (
        Decimal(0), Decimal(12), 6, 50,
    )  # fmt: skip
    # One member all year: one person in each quarter, and one person to date, not three.
    people = row(table, "participants")
    assert [c.actual for c in people.cells] == [1, 1, 1, None]
    assert (people.baseline, people.target, people.to_date) == (Decimal(2), None, 1)
    # Only the indicators with a baseline or target, unless every one is asked for.
    assert [r.indicator.code for r in table.rows] == ["meetings_held", "participants"]
    every = iptt.build(quarterly, protected=False, every_indicator=True).rows
    assert [r.indicator.code for r in every] == [i.code for i in INDICATORS]


def test_yearly_periods_are_cut_by_the_programmes_own_dates(time_machine):
    time_machine.move_to(at(D(2025, 3, 1)))
    programme = programme_with(
        D(2023, 7, 1), D(2025, 6, 30),
        [D(2023, 9, 12), D(2024, 3, 5), D(2024, 10, 1), D(2024, 10, 20), D(2025, 2, 11)],
        frequency="year",
    )  # fmt: skip
    services.targets_set(
        programme=programme,
        targets={"meetings_held": Decimal(8)},
        period_targets={
            ("meetings_held", D(2023, 7, 1)): Decimal(2),
            ("meetings_held", D(2024, 1, 1)): Decimal(6),
            ("meetings_held", D(2025, 1, 1)): Decimal(2),
        },
    )
    table = iptt.build(programme, protected=False)

    assert table.labels == ["2023", "2024", "2025"]
    assert [(p.start, p.end) for p in table.periods] == [
        (D(2023, 7, 1), D(2023, 12, 31)), (D(2024, 1, 1), D(2024, 12, 31)),
        (D(2025, 1, 1), D(2025, 6, 30)),
    ]  # fmt: skip
    held = row(table, "meetings_held")
    assert [(c.actual, c.percent) for c in held.cells] == [(1, 50), (3, 50), (1, 50)]
    assert (held.to_date, held.percent) == (5, 62)


def test_each_actual_is_the_dashboards_figure_for_that_period(quarterly):
    table = iptt.build(quarterly, protected=False, every_indicator=True)
    today = D(2024, 8, 15)
    for index, period in enumerate(table.periods[:3]):
        data = dashboard_data(quarterly, Period(period.start, min(period.end, today)))
        for r in table.rows:
            if r.indicator.unit == "count":
                assert r.cells[index].actual == data.values[r.indicator.code], r.indicator.code
    whole = dashboard_data(quarterly, Period.of(quarterly))
    for r in table.rows:
        assert r.to_date == whole.values[r.indicator.code], r.indicator.code


def test_a_donor_sees_the_table_protected_with_its_legend(quarterly, as_user, donor, request):
    donor_membership_programme = request.getfixturevalue("programme")
    client = as_user(donor)
    # The donor funds the conftest programme, not this one: 404 here.
    assert client.get(reverse("dashboards:iptt", args=[quarterly.pk])).status_code == 404
    page = client.get(reverse("dashboards:iptt", args=[donor_membership_programme.pk]))
    assert page.status_code == 200
    table = iptt.build(quarterly, protected=True)
    assert [c.actual for c in row(table, "participants").cells] == ["<5", "<5", "<5", None]
    assert row(table, "participants").to_date == "<5"
    assert row(table, "meetings_held").to_date == 6  # meetings are not people


@pytest.mark.parametrize(
    ("role", "status"),
    [("coordinator", 200), ("donor", 200), ("leader", 403), ("other_coordinator", 404)],
)
def test_the_tracking_table_page_for_each_role(as_user, request, programme, role, status):
    client = as_user(request.getfixturevalue(role))
    response = client.get(reverse("dashboards:iptt", args=[programme.pk]))
    assert response.status_code == status
    if status == 200:
        assert "<5" not in response.content.decode() or role == "donor"


def test_the_page_shows_the_hand_worked_figures(quarterly, client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="a@example.org", password="x")
    client.force_login(give_totp(admin))
    response = client.get(reverse("dashboards:iptt", args=[quarterly.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    held = page[page.index('data-indicator="meetings_held"') :]
    held = held[: held.index("</tr>")]
    assert ">50%<" in held and ">100%<" in held and ">33%<" in held and ">67%<" in held


def test_the_xlsx_has_a_column_per_period_with_marks_and_the_legend_for_donors(quarterly):
    with translation.override("en"):
        content = iptt.to_xlsx(iptt.build(quarterly, protected=True), quarterly.title)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == (
        "Indicator", "Baseline", "Life-of-programme target", "Actual to date", "% met",
    )  # fmt: skip
    assert rows[0][5] == "Q1 2024" and rows[0][14] == "Q4 2024"
    assert rows[1][5:8] == ("Target", "Actual", "% met")
    held = next(r for r in rows if r[0] == "Meetings held")
    assert held[1:5] == (0, 12, 6, 50)
    assert held[5:14] == (3, 3, 100, 3, 1, 33, 3, 2, 67)
    people = next(r for r in rows if r[0] == "Unique participants")
    assert people[3] == "<5" and people[6] == "<5"
    assert rows[-2][0].startswith("<5 — ") and rows[-1][0].startswith("x — ")


def test_the_report_carries_the_tracking_table(quarterly):
    with translation.override("en"):
        page = exports.report_html(
            quarterly, Period.of(quarterly), None, protected=False, targets={}, language="en"
        )
    assert "Indicator performance tracking table" in page
    assert "Q4 2024" in page


def test_targets_page_saves_the_frequency_baselines_and_period_targets(
    as_user, coordinator, programme
):
    client = as_user(coordinator)
    url = reverse("dashboards:targets", args=[programme.pk])
    client.post(url, {"frequency": "year"})
    assert TrackingPlan.objects.get(programme=programme).frequency == "year"
    page = client.get(url).content.decode()
    assert 'name="target:trainings:2023-01-01"' in page
    assert 'name="target:trainings:2024-01-01"' in page
    response = client.post(
        url,
        {"frequency": "year", "baseline:trainings": "0", "trainings": "10",
         "target:trainings:2023-01-01": "4", "target:trainings:2024-01-01": "6"},
    )  # fmt: skip
    assert response.status_code == 302
    table = iptt.build(programme, protected=False)
    trainings = row(table, "trainings")
    assert (trainings.baseline, trainings.target) == (Decimal(0), Decimal(10))
    assert [c.target for c in trainings.cells] == [Decimal(4), Decimal(6)]


def test_a_period_target_of_zero_or_a_share_over_100_is_refused(as_user, coordinator, programme):
    client = as_user(coordinator)
    url = reverse("dashboards:targets", args=[programme.pk])
    response = client.post(
        url,
        {"frequency": "quarter", "target:compliance_rate:2023-01-01": "120",
         "target:trainings:2023-04-01": "0"},
    )  # fmt: skip
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {
        "target:compliance_rate:2023-01-01", "target:trainings:2023-04-01",
    }  # fmt: skip
    assert not programme.period_targets.exists()
