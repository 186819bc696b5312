"""Member export as CSV and XLSX: for the programme's coordinators only, safe to open in a
spreadsheet program, and never a name to anyone else."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import MembershipFactory, PersonFactory, WorkingGroupFactory

pytestmark = pytest.mark.django_db

HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)"]


@pytest.fixture
def members(group, other_group, other_programme):
    """Two current members, a former member, a hostile name; elsewhere, two outsiders."""
    MembershipFactory(group=group, person__full_name="Ірина Мельник", person__phone="0501234567")
    MembershipFactory(group=group, person__full_name="Тарас Олійник", role="leader")
    MembershipFactory(
        group=group, person__full_name="Колишня Учасниця", left_on=datetime.date(2023, 8, 1)
    )
    for name in HOSTILE:
        MembershipFactory(group=group, person=PersonFactory(full_name=name, birth_year=None))
    MembershipFactory(group=other_group, person__full_name="Сусідка З Іншої Групи")
    elsewhere = other_programme.enrolments.first().community
    outside = WorkingGroupFactory(programme=other_programme, community=elsewhere)
    MembershipFactory(group=outside, person__full_name="Чужа Програма")
    return group


NAMES = ["Ірина Мельник", "Тарас Олійник", "Колишня Учасниця"]


def group_url(group, fmt):
    return reverse("workinggroups:group_export", args=[group.pk, fmt])


def programme_url(programme, fmt):
    return reverse("workinggroups:programme_export", args=[programme.pk, fmt])


def csv_rows(response):
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 Cyrillic intact
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell for cell in row] for row in sheet.iter_rows()]


def test_coordinator_exports_the_groups_members_as_csv(as_user, coordinator, members):
    response = as_user(coordinator).get(group_url(members, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="members-group-' in response["Content-Disposition"]
    rows = csv_rows(response)
    names = [row[1] for row in rows[1:]]
    assert set(NAMES) <= set(names)  # former members included
    assert "Сусідка З Іншої Групи" not in names
    assert "Чужа Програма" not in names
    assert len(rows) == 1 + len(NAMES) + len(HOSTILE)
    iryna = next(row for row in rows if row[1] == "Ірина Мельник")
    assert "0501234567" in iryna


def test_coordinator_exports_the_groups_members_as_xlsx(as_user, coordinator, members):
    response = as_user(coordinator).get(group_url(members, "xlsx"))
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    names = [row[1].value for row in xlsx_rows(response)[1:]]
    assert set(NAMES) <= set(names)
    assert len(names) == len(NAMES) + len(HOSTILE)


def test_programme_export_has_every_group_of_the_programme_only(
    as_user, coordinator, programme, members
):
    for fmt in ("csv", "xlsx"):
        response = as_user(coordinator).get(programme_url(programme, fmt))
        assert response.status_code == 200
        if fmt == "csv":
            names = [row[1] for row in csv_rows(response)[1:]]
        else:
            names = [row[1].value for row in xlsx_rows(response)[1:]]
        assert {*NAMES, "Сусідка З Іншої Групи"} <= set(names)
        assert "Чужа Програма" not in names


def test_formula_like_values_are_defused_in_csv(as_user, coordinator, members):
    names = {row[1] for row in csv_rows(as_user(coordinator).get(group_url(members, "csv")))}
    for value in HOSTILE:
        assert "'" + value in names
        assert value not in names


def test_formula_like_values_are_defused_in_xlsx(as_user, coordinator, members):
    rows = xlsx_rows(as_user(coordinator).get(group_url(members, "xlsx")))
    cells = {row[1].value: row[1] for row in rows[1:]}
    for value in HOSTILE:
        cell = cells["'" + value]
        assert cell.data_type == "s"  # text, not a formula
    assert not any(
        cell.data_type == "f" for row in rows for cell in row
    )  # no formula anywhere in the sheet


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_leader_cannot_export(as_user, leader, programme, members, fmt):
    client = as_user(leader)
    for url in (group_url(members, fmt), programme_url(programme, fmt)):
        response = client.get(url)
        assert response.status_code == 403
        assert not any(name.encode() in response.content for name in NAMES)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_donor_export_has_no_names(as_user, donor, programme, members, fmt):
    client = as_user(donor)
    for url in (group_url(members, fmt), programme_url(programme, fmt)):
        response = client.get(url)
        assert response.status_code in (403, 404)
        assert not any(name.encode() in response.content for name in NAMES)
        assert "Content-Disposition" not in response


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_other_programmes_coordinator_gets_404(as_user, other_coordinator, programme, members, fmt):
    client = as_user(other_coordinator)
    assert client.get(group_url(members, fmt)).status_code == 404
    assert client.get(programme_url(programme, fmt)).status_code == 404


def test_unknown_export_format_is_404(as_user, coordinator, programme, members):
    client = as_user(coordinator)
    assert client.get(group_url(members, "pdf")).status_code == 404
    assert client.get(programme_url(programme, "json")).status_code == 404


def test_export_query_count_does_not_grow_with_members(as_user, coordinator, group):
    client = as_user(coordinator)
    MembershipFactory(group=group)
    client.get(group_url(group, "csv"))
    with CaptureQueriesContext(connection) as one:
        client.get(group_url(group, "csv"))
    MembershipFactory.create_batch(49, group=group)
    with CaptureQueriesContext(connection) as many:
        client.get(group_url(group, "csv"))
    assert len(many) == len(one)
