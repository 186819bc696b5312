"""Member import from CSV or XLSX: every row is checked before anything is saved, errors are
listed by row and column, and a file with any error saves nothing at all."""

import csv
import datetime
import io
import os

import openpyxl
import pytest
import tablib
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role, RoleAssignment
from tests import bombs
from tests.factories import CommunityFactory, MembershipFactory, PersonFactory, UserFactory
from workinggroups.imports import COLUMNS
from workinggroups.models import Membership, Person, WorkingGroup

pytestmark = pytest.mark.django_db

KEYS = [column.key for column in COLUMNS]

ROWS = [
    {
        "full_name": "Оксана Шевчук",
        "sex": "жінка",
        "birth_year": "1988",
        "phone": "+380501112233",
        "email": "oksana@example.org",
        "category": "Поліція",
        "role": "leader",
        "joined_on": "15.03.2024",
        "is_veteran": "ні",
        "is_idp": "так",
        "has_disability": "",
        "consent_given_on": "2024-03-15",
        "consent_purpose": "Участь у робочій групі",
    },
    {
        "full_name": "Андрій Бондаренко",
        "sex": "чоловік",
        "birth_year": "2001",
        "category": "youth",
        "joined_on": "2024-03-15",
        "is_veteran": "так",
    },
    {
        "full_name": "Ганна Кравець",
        "sex": "Ж",
        "category": "Освіта",
        "role": "Secretary",
        "joined_on": "01/04/2024",
        "has_disability": "+",
    },
]


def uk_headers():
    """The headers of the template a Ukrainian-speaking user downloads."""
    with translation.override("uk"):
        return [str(column.label) for column in COLUMNS]


def csv_bytes(rows, headers=None, keys=KEYS, encoding="utf-8", delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(headers or [h for h, k in zip(uk_headers(), KEYS, strict=True) if k in keys])
    for row in rows:
        writer.writerow([row.get(key, "") for key in keys])
    return out.getvalue().encode(encoding)


def csv_upload(rows=ROWS, name="members.csv", **kwargs):
    return SimpleUploadedFile(name, csv_bytes(rows, **kwargs), "text/csv")


def xlsx_bytes(rows, headers=None):
    """A workbook as a spreadsheet program would save it: numbers and dates as cell types."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers or uk_headers())
    for row in rows:
        values = []
        for key in KEYS:
            value = row.get(key, "")
            if key == "birth_year" and value:
                value = int(value)
            elif key == "joined_on":
                value = datetime.date(2024, 3, 15)
            values.append(value or None)
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def post(client, group, upload):
    return client.post(reverse("workinggroups:member_import", args=[group.pk]), {"file": upload})


@pytest.fixture
def existing(group):
    """A member already in the group: an import that fails must leave them alone, too."""
    return MembershipFactory(group=group, person__community=group.community)


def counts():
    return Person.objects.count(), Membership.objects.count()


def row_errors(response):
    return [(row, column) for row, column, _message in response.context["result"].errors]


def file_errors(response):
    return response.context["form"].errors.get("file", [])


def test_valid_csv_with_ukrainian_headers_imports_every_row(as_user, leader, group, existing):
    response = post(as_user(leader), group, csv_upload())
    assert response.status_code == 302
    imported = {
        m.person.full_name: m
        for m in group.memberships.select_related("person", "category").exclude(pk=existing.pk)
    }
    assert set(imported) == {"Оксана Шевчук", "Андрій Бондаренко", "Ганна Кравець"}
    oksana = imported["Оксана Шевчук"]
    assert (oksana.role, oksana.category.code, oksana.joined_on) == (
        Membership.Role.LEADER,
        "police",
        datetime.date(2024, 3, 15),
    )
    p = oksana.person
    assert (p.sex, p.birth_year, p.phone, p.is_idp, p.is_veteran, p.community) == (
        "female",
        1988,
        "+380501112233",
        True,
        False,
        group.community,
    )
    assert (p.consent_given_on, p.consent_recorded_by) == (datetime.date(2024, 3, 15), leader)
    andriy = imported["Андрій Бондаренко"]
    assert (andriy.person.sex, andriy.person.is_veteran, andriy.category.code, andriy.role) == (
        "male",
        True,
        "youth",
        "member",
    )
    hanna = imported["Ганна Кравець"]
    assert (hanna.person.birth_year, hanna.person.has_disability, hanna.role) == (
        None,
        True,
        "secretary",
    )
    assert hanna.joined_on == datetime.date(2024, 4, 1)


def test_semicolon_separated_csv_from_excel_imports(as_user, coordinator, group):
    response = post(as_user(coordinator), group, csv_upload(delimiter=";"))
    assert response.status_code == 302
    assert group.memberships.count() == 3


def test_csv_with_a_byte_order_mark_imports(as_user, coordinator, group):
    upload = SimpleUploadedFile("m.csv", b"\xef\xbb\xbf" + csv_bytes(ROWS), "text/csv")
    assert post(as_user(coordinator), group, upload).status_code == 302
    assert group.memberships.count() == 3


def test_valid_xlsx_imports_every_row(as_user, coordinator, group):
    upload = SimpleUploadedFile("members.xlsx", xlsx_bytes(ROWS))
    response = post(as_user(coordinator), group, upload)
    assert response.status_code == 302
    assert sorted(group.memberships.values_list("person__full_name", "person__birth_year")) == [
        ("Андрій Бондаренко", 2001),
        ("Ганна Кравець", None),
        ("Оксана Шевчук", 1988),
    ]
    assert set(group.memberships.values_list("joined_on", flat=True)) == {
        datetime.date(2024, 3, 15)
    }


def test_imported_leader_with_an_account_gets_the_leader_role(as_user, coordinator, group):
    user = UserFactory()
    person = PersonFactory(
        full_name="Оксана Шевчук", birth_year=1988, community=group.community, user=user
    )
    # A former member, so the coordinator sees the record and the import matches it.
    MembershipFactory(
        group=group,
        person=person,
        joined_on=datetime.date(2019, 6, 1),
        left_on=datetime.date(2020, 1, 1),
    )
    post(as_user(coordinator), group, csv_upload())
    assert RoleAssignment.objects.filter(user=user, role=Role.LEADER, working_group=group).exists()


def _missing_column():
    keys = [key for key in KEYS if key != "category"]
    return "m.csv", csv_bytes(ROWS, keys=keys)


def _bad_date():
    rows = [ROWS[0], {**ROWS[1], "joined_on": "31.02.2024"}, ROWS[2]]
    return "m.csv", csv_bytes(rows)


def _future_date():
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    return "m.csv", csv_bytes([ROWS[0], {**ROWS[1], "joined_on": tomorrow}])


def _duplicate_rows():
    return "m.csv", csv_bytes([ROWS[0], ROWS[1], {**ROWS[1], "full_name": " андрій  бондаренко"}])


def _two_leaders():
    return "m.csv", csv_bytes([ROWS[0], {**ROWS[1], "role": "лідер"}])


def _unknown_values():
    return "m.csv", csv_bytes(
        [ROWS[0], {**ROWS[1], "sex": "інопланетянин", "category": "Космос", "is_idp": "можливо"}]
    )


# (name, content, the (row, column key) errors expected; None for a file-level error)
BAD_ROW_FILES = {
    "missing column": (_missing_column, [(1, "category")]),
    "bad date": (_bad_date, [(3, "joined_on")]),
    "future date": (_future_date, [(3, "joined_on")]),
    "duplicate person": (_duplicate_rows, [(4, "full_name")]),
    "two leaders": (_two_leaders, [(3, "role")]),
    "unknown values": (_unknown_values, [(3, "sex"), (3, "category"), (3, "is_idp")]),
    "header only": (lambda: ("m.csv", csv_bytes([])), [(1, "")]),
}


@pytest.mark.parametrize("case", BAD_ROW_FILES)
def test_file_with_a_bad_row_saves_nothing_and_lists_errors_by_row_and_column(
    as_user, coordinator, group, existing, case
):
    make, expected = BAD_ROW_FILES[case]
    name, content = make()
    before = counts()
    response = post(as_user(coordinator), group, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    labels = {column.key: str(column.label) for column in COLUMNS} | {"": ""}
    assert sorted(row_errors(response)) == sorted((row, labels[key]) for row, key in expected)
    assert counts() == before


def _png():
    return "photo.png", b"\x89PNG\r\n\x1a\n" + os.urandom(200)


BAD_FILES = {
    "empty": lambda: ("m.csv", b""),
    "blank": lambda: ("m.csv", b"\n \r\n\t\n"),
    "random bytes named xlsx": lambda: ("m.xlsx", b"\x00\x01" + os.urandom(500)),
    "zip-looking bytes named xlsx": lambda: ("m.xlsx", b"PK\x03\x04" + os.urandom(500)),
    "csv named xlsx": lambda: ("m.xlsx", csv_bytes(ROWS)),
    "png": _png,
    "png named csv": lambda: ("m.csv", _png()[1]),
    "text file": lambda: ("members.txt", csv_bytes(ROWS)),
    "binary with NUL named csv": lambda: ("m.csv", b"a,b\x00,c\n1,2,3\n"),
    "no extension": lambda: ("members", csv_bytes(ROWS)),
    "oversize": lambda: ("m.csv", csv_bytes(ROWS * 8000)),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_file_that_is_not_a_readable_spreadsheet_saves_nothing(
    as_user, coordinator, group, existing, case
):
    name, content = BAD_FILES[case]()
    if case == "oversize":
        assert len(content) > 2 * 1024 * 1024
    before = counts()
    response = post(as_user(coordinator), group, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert file_errors(response) or response.context["form"].non_field_errors()
    assert counts() == before


BOMBS = {
    # What the message says, in the coordinator's language.
    "declares-every-cell": (bombs.full_size_declared, "більше ніж 50 стовпців"),
    "expands-to-a-gigabyte": (lambda: bombs.one_huge_string(1024), "файл займе 1,0"),
    "expands-to-750000-rows": (lambda: bombs.many_rows(750_000), "більше ніж 2000 рядків"),
    "zip-bomb": (lambda: bombs.zip_bomb("xl/worksheets/sheet1.xml", 1024), "файл займе 1,0"),
}


@pytest.mark.parametrize("case", BOMBS)
def test_a_spreadsheet_built_to_hurt_is_refused_quickly_with_a_message_and_saves_nothing(
    as_user, coordinator, group, existing, case
):
    make, words = BOMBS[case]
    content = make()
    assert len(content) < 2 * 1024 * 1024  # each passes the size check on the upload
    client, before = as_user(coordinator), counts()
    with bombs.Cost() as cost:
        response = post(client, group, SimpleUploadedFile("members.xlsx", content))
    assert response.status_code == 200
    assert words in " ".join(file_errors(response))
    assert counts() == before
    assert cost.seconds < 1


def test_a_zip_bomb_is_refused_without_the_worker_growing_past_200_mb(as_user, coordinator, group):
    content = bombs.zip_bomb("xl/worksheets/sheet1.xml", 1024)  # 1 GB of zeros in 1 MB
    client = as_user(coordinator)
    with bombs.Cost(memory=True) as cost:
        response = post(client, group, SimpleUploadedFile("members.xlsx", content))
    assert file_errors(response)
    assert cost.peak_mb < 200
    assert cost.rss_growth_mb < 200


# As Excel on a Ukrainian Windows saves "CSV": Windows-1251, ";" between cells, CRLF, the
# coordinator's own headers and the words people write.
EXCEL_1251 = (
    "ПІБ;Стать;Рік народження;Телефон;Категорія;Роль у групі;Дата вступу;ВПО;Ветеран\r\n"
    "Ґалаган Марія Іванівна;жін.;1987;050 111 22 33;Поліція;член;15.03.2024;так;ні\r\n"
    "Їжакевич Петро;Ч;1961;;Молодь;заступник;01.04.2024;;+\r\n"
    "Кар’єрна Ольга;жінка;2004;;поліція;Член групи;2024-04-02;Ні;\r\n"
)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("excel-1251.csv", EXCEL_1251.encode("cp1251")),
        ("utf8-bom.csv", EXCEL_1251.encode("utf-8-sig")),
        ("tabs.csv", EXCEL_1251.replace(";", "\t").encode("utf-8")),
    ],
    ids=["windows-1251 semicolons", "utf-8 with bom", "tab separated"],
)
def test_the_lists_coordinators_really_have_are_imported(
    as_user, coordinator, group, name, content
):
    response = post(as_user(coordinator), group, SimpleUploadedFile(name, content))
    assert response.status_code == 302, response.context["result"].errors
    people = {m.person.full_name: m for m in Membership.objects.filter(group=group)}
    assert set(people) == {"Ґалаган Марія Іванівна", "Їжакевич Петро", "Кар’єрна Ольга"}
    halahan = people["Ґалаган Марія Іванівна"]
    assert (halahan.person.sex, halahan.person.birth_year, halahan.person.is_idp) == (
        "female",
        1987,
        True,
    )
    assert halahan.role == Membership.Role.MEMBER
    petro = people["Їжакевич Петро"]
    assert (petro.person.sex, petro.role, petro.person.is_veteran) == ("male", "deputy", True)
    assert petro.category.code == "youth"
    assert people["Кар’єрна Ольга"].category.code == "police"


def test_columns_no_field_takes_are_named_after_the_import_not_dropped_silently(
    as_user, coordinator, group
):
    content = EXCEL_1251.replace("Ветеран\r\n", "Ветеран;Організація;Примітки\r\n").encode("cp1251")
    client = as_user(coordinator)
    response = post(client, group, SimpleUploadedFile("m.csv", content))
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Ці стовпці не імпортовано: Примітки." in shown


def test_the_organisation_column_links_the_directorys_organisations_and_names_the_others(
    as_user, coordinator, group
):
    from communities.models import Organisation

    police = Organisation.objects.create(
        name_uk="Баранівський відділ поліції", name_en="Baranivka police", kind="police"
    )
    content = (
        EXCEL_1251.replace("Ветеран\r\n", "Ветеран;Організація\r\n")
        .replace("так;ні\r\n", "так;ні;БАРАНІВСЬКИЙ відділ поліції\r\n")
        .replace("01.04.2024;;+\r\n", "01.04.2024;;+;Спілка «Світанок»\r\n")
        .encode("cp1251")
    )
    before = Organisation.objects.count()
    response = post(as_user(coordinator), group, SimpleUploadedFile("m.csv", content))
    assert response.status_code == 302
    memberships = {m.person.full_name: m for m in Membership.objects.filter(group=group)}
    assert memberships["Ґалаган Марія Іванівна"].organisation == police
    assert memberships["Їжакевич Петро"].organisation is None
    assert Organisation.objects.count() == before  # nothing added to the directory from a file
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "Спілка «Світанок»" in shown


def test_a_short_name_several_organisations_share_links_the_groups_own_or_none(
    as_user, coordinator, group, other_group
):
    from communities.models import Organisation

    here = Organisation.objects.create(
        name_uk="ЦНАП громади",
        name_en="ASC here",
        short_name="ЦНАП",
        kind="local_government",
        community=group.community,
    )
    Organisation.objects.create(
        name_uk="ЦНАП іншої громади",
        name_en="ASC there",
        short_name="ЦНАП",
        kind="local_government",
        community=other_group.community,
    )
    content = (
        EXCEL_1251.replace("Ветеран\r\n", "Ветеран;Організація\r\n")
        .replace("так;ні\r\n", "так;ні;цнап\r\n")
        .encode("cp1251")
    )
    client = as_user(coordinator)
    assert post(client, group, SimpleUploadedFile("m.csv", content)).status_code == 302
    linked = Membership.objects.get(group=group, person__full_name="Ґалаган Марія Іванівна")
    assert linked.organisation == here
    # For a group in a third community the name is ambiguous: linked to neither, and said.
    third = WorkingGroup.objects.create(
        programme=group.programme, community=CommunityFactory(), name_uk="Третя", name_en="Third"
    )
    response = post(client, third, SimpleUploadedFile("m.csv", content))
    assert response.status_code == 302
    assert (
        Membership.objects.get(group=third, person__full_name__startswith="Ґалаган").organisation
        is None
    )
    assert "цнап" in " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_a_word_the_importer_does_not_know_is_refused_with_the_words_it_knows(
    as_user, coordinator, group
):
    content = EXCEL_1251.replace("жін.", "пані").encode("cp1251")
    before = counts()
    response = post(as_user(coordinator), group, SimpleUploadedFile("m.csv", content))
    assert counts() == before
    [(row, column, message)] = response.context["result"].errors
    assert (row, column) == (2, "Стать")
    assert "жінка" in message or "female" in message


def test_missing_column_message_is_in_ukrainian(as_user, coordinator, group):
    response = post(as_user(coordinator), group, SimpleUploadedFile(*_missing_column()))
    errors = response.context["result"].errors
    assert errors == [(1, "Категорія зацікавлених сторін", "Цього стовпця немає у файлі.")]
    assert "Цього стовпця немає у файлі." in response.text


def test_a_ceased_group_imports_nothing(as_user, coordinator, group, existing):
    WorkingGroup.objects.filter(pk=group.pk).update(status=WorkingGroup.Status.CEASED)
    before = counts()
    response = post(as_user(coordinator), group, csv_upload())
    assert response.status_code == 200
    assert counts() == before


def test_an_existing_person_is_matched_not_duplicated(as_user, coordinator, group, other_group):
    # Same name, year of birth and community: already a member of the programme's other group.
    oksana = MembershipFactory(
        group=other_group,
        person__full_name="Оксана Шевчук",
        person__birth_year=1988,
        person__community=group.community,
    ).person
    # Same name, but another year of birth: a different person.
    PersonFactory(full_name="Андрій Бондаренко", birth_year=1970, community=group.community)
    response = post(as_user(coordinator), group, csv_upload())
    assert response.status_code == 302
    assert Person.objects.filter(full_name="Оксана Шевчук").get() == oksana
    assert group.memberships.filter(person=oksana).exists()
    assert Person.objects.filter(full_name="Андрій Бондаренко").count() == 2
    assert Person.objects.count() == 4


def test_a_leader_row_is_refused_when_the_group_has_a_leader(as_user, coordinator, group):
    MembershipFactory(group=group, role=Membership.Role.LEADER)
    before = counts()
    response = post(as_user(coordinator), group, csv_upload())
    assert row_errors(response) == [(2, str(COLUMNS[KEYS.index("role")].label))]
    assert counts() == before


def test_matching_ignores_the_case_of_cyrillic_names(as_user, coordinator, group):
    person = PersonFactory(full_name="Оксана Шевчук", birth_year=1988, community=group.community)
    MembershipFactory(
        group=group,
        person=person,
        joined_on=datetime.date(2019, 6, 1),
        left_on=datetime.date(2020, 1, 1),
    )
    rows = [{**ROWS[0], "full_name": "ОКСАНА ШЕВЧУК"}]
    assert post(as_user(coordinator), group, csv_upload(rows)).status_code == 302
    assert Person.objects.count() == 1


def test_import_never_matches_a_person_the_importer_cannot_see(as_user, leader, group, other_group):
    hidden = MembershipFactory(
        group=other_group,
        person__full_name="Оксана Шевчук",
        person__birth_year=1988,
        person__community=group.community,
        person__phone="+380990001122",
    ).person
    assert post(as_user(leader), group, csv_upload([ROWS[0]])).status_code == 302
    joined = group.memberships.get(person__full_name="Оксана Шевчук").person
    assert joined != hidden
    assert as_user(leader).get(hidden.get_absolute_url()).status_code == 404


def test_reimporting_the_same_file_creates_nothing_new(as_user, coordinator, group):
    rows = [{**row, "role": "member"} for row in ROWS]
    client = as_user(coordinator)
    assert post(client, group, csv_upload(rows)).status_code == 302
    after_first = counts()
    assert after_first == (3, 3)
    assert post(client, group, csv_upload(rows)).status_code == 302
    assert counts() == after_first


def test_reimporting_a_file_with_its_leader_succeeds_and_creates_nothing(
    as_user, coordinator, group
):
    client = as_user(coordinator)
    assert post(client, group, csv_upload()).status_code == 302
    after_first = counts()
    assert post(client, group, csv_upload()).status_code == 302
    assert counts() == after_first


def test_import_is_refused_to_other_groups_leader_and_donor(
    as_user, other_leader, donor, group, existing
):
    before = counts()
    assert post(as_user(other_leader), group, csv_upload()).status_code == 404
    assert post(as_user(donor), group, csv_upload()).status_code in (403, 404)
    assert counts() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_downloads_with_ukrainian_headers(as_user, leader, fmt):
    response = as_user(leader).get(reverse("workinggroups:import_template", args=[fmt]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    if fmt == "csv":
        assert response.content.startswith(b"\xef\xbb\xbf")
        dataset = tablib.Dataset().load(response.content.decode("utf-8-sig"), format="csv")
    else:
        dataset = tablib.Dataset().load(response.content, format="xlsx")
    assert dataset.headers == uk_headers()
    assert dataset.height == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_round_trips_through_import(as_user, leader, group, fmt):
    client = as_user(leader)
    template = client.get(reverse("workinggroups:import_template", args=[fmt]))
    upload = SimpleUploadedFile(f"template.{fmt}", template.content)
    response = post(client, group, upload)
    assert response.status_code == 302
    membership = group.memberships.select_related("person", "category").get()
    assert (membership.person.full_name, membership.person.birth_year) == ("Олена Петренко", 1990)
    assert (membership.category.code, membership.role) == ("police", "member")
    assert (membership.person.is_idp, membership.person.is_veteran) == (True, False)


def test_template_is_not_for_donors(as_user, donor):
    response = as_user(donor).get(reverse("workinggroups:import_template", args=["csv"]))
    assert response.status_code in (403, 404)


def test_unknown_template_format_is_404(as_user, leader):
    assert (
        as_user(leader).get(reverse("workinggroups:import_template", args=["pdf"])).status_code
        == 404
    )


# A list whose headers say nothing the importer knows: the coordinator maps its columns.
OWN_HEADERS = (
    "№;Хто;Ж/Ч;Звідки;Коли прийшла;Примітка\r\n"
    "1;Ґалаган Марія;ж;Поліція;15.03.2024;активна\r\n"
    "2;Їжакевич Петро;ч;Молодь;01.04.2024;\r\n"
)


def mapping_step(client, group, content=OWN_HEADERS):
    response = post(client, group, SimpleUploadedFile("own.csv", content.encode("cp1251")))
    assert response.status_code == 200
    return response, response.context["mapping_form"]


def choose(client, group, form, **fields):
    data = {"token": form.initial["token"], **{f"column_{i}": "" for i in range(6)}, **fields}
    return client.post(reverse("workinggroups:member_import", args=[group.pk]), data)


MAPPED = {"column_1": "full_name", "column_2": "sex", "column_3": "category",
          "column_4": "joined_on"}  # fmt: skip


def test_a_file_with_its_own_headers_is_mapped_column_by_column_then_imported(
    as_user, coordinator, group
):
    client = as_user(coordinator)
    before = counts()
    response, form = mapping_step(client, group)
    assert counts() == before  # nothing saved before the mapping
    # Each column offered with its first values.
    assert "Ґалаган Марія" in response.text and "Коли прийшла" in response.text
    assert form.initial["column_1"] == ""  # "Хто" is not a header the importer knows

    response = choose(client, group, form, **MAPPED)
    assert response.status_code == 302
    names = set(Membership.objects.filter(group=group).values_list("person__full_name", flat=True))
    assert names == {"Ґалаган Марія", "Їжакевич Петро"}
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Ці стовпці не імпортовано: №, Примітка." in shown


def test_the_coordinators_mapping_is_proposed_for_the_programmes_next_file_to_confirm(
    as_user, coordinator, group, other_group
):
    client = as_user(coordinator)
    _response, form = mapping_step(client, group)
    assert choose(client, group, form, **MAPPED).status_code == 302

    # The next file with those headers, for another group of the programme: the earlier
    # choices are proposed, and applied once confirmed, never unseen.
    _response, form = mapping_step(client, other_group)
    assert Membership.objects.filter(group=other_group).count() == 0
    assert {k: form.initial[k] for k in MAPPED} == MAPPED
    assert choose(client, other_group, form, **MAPPED).status_code == 302
    assert Membership.objects.filter(group=other_group).count() == 2


def test_a_leaders_mapping_is_not_remembered_and_known_headers_always_read_as_they_say(
    as_user, coordinator, leader, group, other_group
):
    from workinggroups.models import ImportColumn

    client = as_user(leader)
    content = OWN_HEADERS.replace("Примітка", "ВПО").replace("активна", "так")
    _response, form = mapping_step(client, group, content)
    assert form.initial["column_5"] == "is_idp"  # a header the importer knows
    # The leader reads "ВПО" as disability: for this file only.
    assert choose(client, group, form, **MAPPED, column_5="has_disability").status_code == 302
    assert not ImportColumn.objects.exists()
    person = Membership.objects.get(group=group, person__full_name="Ґалаган Марія").person
    assert (person.is_idp, person.has_disability) == (False, True)

    # A coordinator's template upload elsewhere reads "ВПО" as displacement, whatever was done.
    coordinator_client = as_user(coordinator)
    response = post(coordinator_client, other_group, csv_upload())
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({**MAPPED, "column_5": "full_name"}, "обрано для кількох стовпців"),
        ({k: v for k, v in MAPPED.items() if k != "column_3"}, "Оберіть стовпець"),
    ],
    ids=["a field twice", "a required field left out"],
)
def test_a_mapping_that_cannot_work_is_refused_and_saves_nothing(
    as_user, coordinator, group, fields, message
):
    client = as_user(coordinator)
    _response, form = mapping_step(client, group)
    before = counts()
    response = choose(client, group, form, **fields)
    assert response.status_code == 200
    assert counts() == before
    assert message in response.text


def test_a_kept_upload_is_the_uploaders_only_and_expires(as_user, coordinator, group, programme):
    from django.core.cache import cache

    _response, form = mapping_step(as_user(coordinator), group)
    other = UserFactory(email="other.coordinator@example.org")
    RoleAssignment.objects.create(user=other, role=Role.COORDINATOR, programme=programme)
    from tests.conftest import give_totp

    response = choose(as_user(give_totp(other)), group, form, **MAPPED)
    assert response.status_code == 200
    assert "Завантажений файл застарів" in response.text
    assert Membership.objects.filter(group=group).count() == 0

    cache.clear()
    response = choose(as_user(coordinator), group, form, **MAPPED)
    assert "Завантажений файл застарів" in response.text


def titled_xlsx() -> bytes:
    """A sheet as lists are kept: a title merged across the top, a blank row, the headers, the
    people (a date typed as a date, a year as a number)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Список членів робочої групи, Баранівська громада"])
    sheet.merge_cells("A1:G1")
    sheet.append([])
    sheet.append(["ПІБ", "Стать", "Рік народження", "Категорія", "Роль", "Дата вступу", "ВПО"])
    sheet.append(
        ["Ґалаган Марія", "жін.", 1987, "Поліція", "член", datetime.date(2024, 3, 15), "так"]
    )
    sheet.append(["Їжакевич Петро", "ч", 1961, "Молодь", "голова", datetime.date(2024, 4, 1), ""])
    sheet.append(["Кар'єрна Ольга", "Ж", "", "Поліція", "", "2024-04-02", "ні"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_sheet_with_a_merged_title_and_a_blank_row_above_its_headers_is_imported(
    as_user, coordinator, group
):
    upload = SimpleUploadedFile("список.xlsx", titled_xlsx())
    response = post(as_user(coordinator), group, upload)
    assert response.status_code == 302, response.context["result"].errors
    people = {m.person.full_name: m for m in Membership.objects.filter(group=group)}
    assert set(people) == {"Ґалаган Марія", "Їжакевич Петро", "Кар'єрна Ольга"}
    assert people["Їжакевич Петро"].role == Membership.Role.LEADER
    assert people["Ґалаган Марія"].joined_on == datetime.date(2024, 3, 15)


def test_errors_name_the_rows_as_the_sheet_numbers_them_below_a_title(as_user, coordinator, group):
    content = ("Список членів\r\n\r\n" + EXCEL_1251.replace("жін.", "пані")).encode("cp1251")
    response = post(as_user(coordinator), group, SimpleUploadedFile("m.csv", content))
    [(row, column, _message)] = response.context["result"].errors
    # Title, blank line, headers on row 3: the first person is on row 4.
    assert (row, column) == (4, "Стать")


def test_a_refused_file_comes_back_with_a_column_saying_what_is_wrong_in_each_row(
    as_user, coordinator, leader, group
):
    content = (
        EXCEL_1251.replace("жін.", "пані").replace("01.04.2024", "31.02.2024")
        + '=HYPERLINK("http://x");ж;1990;;Поліція;член;01.05.2024;;\r\n'
    ).encode("cp1251")
    client = as_user(coordinator)
    response = post(client, group, SimpleUploadedFile("m.csv", content))
    link = reverse(
        "workinggroups:member_import_errors", args=[group.pk, response.context["errors_token"]]
    )
    assert link in response.text
    download = client.get(link)
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Помилки"
    by_name = {row[0]: row[-1] for row in rows[1:]}
    assert by_name["Ґалаган Марія Іванівна"].startswith("Стать:")
    assert by_name["Їжакевич Петро"].startswith("Дата приєднання:")
    assert by_name["Кар’єрна Ольга"] == ""
    # What a spreadsheet would run as a formula comes back as text.
    assert '\'=HYPERLINK("http://x")' in by_name
    # The mistakes are the uploader's: another user, or another group's address, gets nothing.
    assert as_user(leader).get(link).status_code == 404
    other = reverse(
        "workinggroups:member_import_errors",
        args=[group.pk + 1000, response.context["errors_token"]],
    )
    assert client.get(other).status_code == 404
