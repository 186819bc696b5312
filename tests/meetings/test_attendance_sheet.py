"""A leader takes their group's attendance sheet to the meeting: names and roles, nothing
else about anyone; each sheet taken is recorded."""

import csv
import io

import pytest
from django.urls import reverse

from meetings.models import SheetExport
from tests.factories import MembershipFactory
from workinggroups.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(group):
    return [
        MembershipFactory(
            group=group, person__full_name=name, person__phone="+380501112233",
            person__is_idp=True, role=role,
        )
        for name, role in [("Ярема Ігор", "member"), ("Ґалаган Марія", "deputy"),
                           ("Антоненко Ольга", Membership.Role.LEADER)]
    ]  # fmt: skip


def sheet_url(group):
    return reverse("meetings:attendance_sheet", args=[group.pk])


def test_the_leader_takes_names_and_roles_in_alphabetical_order_and_it_is_recorded(
    as_user, leader, group, members
):
    response = as_user(leader).post(sheet_url(group))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["№", "Ім’я та прізвище", "Роль у групі", "Присутній", "Підпис"]
    assert [row[1] for row in rows[1:]] == ["Антоненко Ольга", "Ґалаган Марія", "Ярема Ігор"]
    assert [row[2] for row in rows[1:]] == ["Лідер", "Заступник", "Учасник"]
    text = response.content.decode("utf-8-sig")
    assert "+380501112233" not in text and "переміщ" not in text.lower()
    [record] = SheetExport.objects.all()
    assert (record.group, record.exported_by, record.format) == (group, leader, "csv")
    page = as_user(leader).get(reverse("meetings:group_meetings", args=[group.pk]))
    assert leader.full_name in page.text.split("Аркуш присутності", 1)[1]


@pytest.mark.parametrize(
    ("role", "status"), [("donor", 403), ("other_coordinator", 404), ("coordinator", 200)]
)
def test_who_may_take_the_sheet(request, as_user, group, members, role, status):
    response = as_user(request.getfixturevalue(role)).post(sheet_url(group))
    assert response.status_code == status
    assert SheetExport.objects.count() == (1 if status == 200 else 0)


def test_another_groups_leader_gets_nothing(as_user, leader, other_group):
    MembershipFactory(group=other_group)
    response = as_user(leader).post(sheet_url(other_group))
    assert response.status_code in (403, 404)
    assert not SheetExport.objects.exists()


def test_a_plain_link_records_nothing(as_user, leader, group, members):
    assert as_user(leader).get(sheet_url(group)).status_code == 405
    assert not SheetExport.objects.exists()
