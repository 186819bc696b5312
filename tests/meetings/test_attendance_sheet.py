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


# --- the printable sheet (PDF) ------------------------------------------------------------


def pdf_text(response) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def take_pdf(client, group):
    return client.post(sheet_url(group), {"format": "pdf"})


def test_the_leader_prints_a_sheet_of_names_and_roles_in_ukrainian_and_it_is_recorded(
    as_user, leader, group, members
):
    group.community.name_uk = "Їжаківсько-Ґорʼєвська"
    group.community.save()
    response = take_pdf(as_user(leader), group)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('.pdf"')
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response)
    assert "Аркуш присутності" in text and group.name in text
    assert "Їжаківсько-Ґорʼєвська" in text
    for heading in ["Дата:", "Місце:", "Ім’я та прізвище", "Роль у групі", "Присутній", "Підпис"]:
        assert heading in text
    # In alphabetical order, Ukrainian letters where they belong (Ґ after Г, Я last).
    positions = [text.index(name) for name in ["Антоненко Ольга", "Ґалаган Марія", "Ярема Ігор"]]
    assert positions == sorted(positions)
    assert "Заступник" in text and "Лідер" in text
    [record] = SheetExport.objects.all()
    assert (record.group, record.exported_by, record.format) == (group, leader, "pdf")
    page = as_user(leader).get(reverse("meetings:group_meetings", args=[group.pk]))
    assert "(PDF)" in page.text.split("Аркуш присутності", 1)[1]


def test_the_sheet_says_nothing_of_anyone_but_name_and_role(as_user, leader, group, members):
    for membership in members:
        person = membership.person
        person.is_veteran = person.has_disability = person.is_idp = True
        person.birth_year, person.email = 1950, "someone@example.org"
        person.other_vulnerability = "Самотня мати"
        person.save()
    text = pdf_text(take_pdf(as_user(leader), group))
    assert "Ярема Ігор" in text  # the control: the text is read
    for marker in ["ветеран", "переміщ", "інвалідн", "Самотня", "1950", "+380", "@example.org"]:
        assert marker not in text.lower(), marker


def test_the_sheet_leaves_out_those_who_left(as_user, leader, group, members):
    left = MembershipFactory(group=group, person__full_name="Вийшла Оксана")
    left.left_on = left.joined_on
    left.save()
    text = pdf_text(take_pdf(as_user(leader), group))
    assert "Ярема Ігор" in text
    assert "Вийшла Оксана" not in text


def test_an_english_reader_gets_the_sheet_in_english(as_user, leader, group, members):
    leader.language = "en"
    leader.save()
    text = pdf_text(take_pdf(as_user(leader), group))
    assert "Attendance sheet" in text and "Signature" in text and "Deputy" in text
    assert "Ярема Ігор" in text  # names stay as written


@pytest.mark.parametrize(
    ("role", "status"),
    [("donor", 403), ("other_coordinator", 404), ("other_leader", 404), ("coordinator", 200)],
)
def test_who_may_print_the_sheet(request, as_user, group, members, role, status):
    response = take_pdf(as_user(request.getfixturevalue(role)), group)
    assert response.status_code == status
    assert SheetExport.objects.filter(format="pdf").count() == (1 if status == 200 else 0)


def test_signed_out_visitor_is_sent_to_sign_in_and_nothing_is_recorded(client, group, members):
    response = take_pdf(client, group)
    assert response.status_code == 302 and "/accounts/" in response["Location"]
    assert not SheetExport.objects.exists()


def test_a_plain_link_to_the_pdf_records_nothing(as_user, leader, group, members):
    assert as_user(leader).get(sheet_url(group), {"format": "pdf"}).status_code == 405
    assert not SheetExport.objects.exists()


@pytest.mark.parametrize("value", ["xlsx", "", "PDF", "pdf\x00", "../../etc"])
def test_an_unknown_format_is_refused_with_a_message_and_nothing_is_recorded(
    as_user, leader, group, members, value
):
    leader.language = "en"  # the message is new: its Ukrainian comes with the next catalogue
    leader.save()
    response = as_user(leader).post(sheet_url(group), {"format": value}, follow=True)
    assert response.status_code == 200
    assert "Choose CSV or PDF." in response.text
    assert not SheetExport.objects.exists()


def test_a_group_without_members_gets_a_sheet_that_says_so(as_user, leader, group):
    text = pdf_text(take_pdf(as_user(leader), group))
    assert "Учасників ще немає." in text
    assert SheetExport.objects.get().format == "pdf"


def test_the_sheet_of_fifty_costs_the_queries_of_the_sheet_of_one(
    as_user, leader, group, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    MembershipFactory(group=group)
    client = as_user(leader)
    with CaptureQueriesContext(connection) as one:
        take_pdf(client, group)
    MembershipFactory.create_batch(49, group=group)
    with CaptureQueriesContext(connection) as fifty:
        response = take_pdf(client, group)
    assert len(pdf_text(response).splitlines()) > 50
    assert len(fifty) == len(one)


def test_markup_in_a_name_is_printed_as_text_and_fetches_nothing(
    as_user, leader, group, monkeypatch
):
    from safetyplans import pdf

    made = []
    real = pdf.url_fetcher

    def spy():
        made.append(real())
        return made[-1]

    monkeypatch.setattr(pdf, "url_fetcher", spy)
    MembershipFactory(group=group, person__full_name='Ім <img src="file:///etc/passwd">')
    text = pdf_text(take_pdf(as_user(leader), group))
    assert '<imgsrc="file:///etc/passwd">' in "".join(text.split())  # the cell wraps it
    assert made and made[0].refused == []
