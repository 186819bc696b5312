"""Member import through the wizard, with files made the way coordinators make them: upload
(CSV in UTF-8 or Windows-1251 with any separator, XLSX with titles and merged headers),
columns, words, a preview of every row checked on a worker, then saving all or nothing."""

import csv
import datetime
import io
import os

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role, RoleAssignment
from tests import bombs
from tests.factories import CommunityFactory, MembershipFactory, PersonFactory, UserFactory
from tests.workinggroups.wizard import columns_data, latest_job, refused, run_import
from workinggroups.imports import COLUMNS
from workinggroups.models import (
    ImportColumn,
    ImportJob,
    ImportValue,
    Membership,
    Person,
    WorkingGroup,
)

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


def import_url(group):
    return reverse("workinggroups:member_import", args=[group.pk])


@pytest.fixture
def imp(django_capture_on_commit_callbacks):
    """imp(client, group, file, **steps) takes the file through the wizard: (job, response)."""

    def run(client, group, file, **steps):
        return run_import(
            client, import_url(group), file, capture=django_capture_on_commit_callbacks, **steps
        )

    return run


@pytest.fixture
def existing(group):
    """A member already in the group: an import that fails must leave them alone, too."""
    return MembershipFactory(group=group, person__community=group.community)


def counts():
    return Person.objects.count(), Membership.objects.count()


def saved(job):
    return job is not None and job.status == ImportJob.Status.SAVED


def file_errors(response):
    return response.context["form"].errors.get("file", [])


def test_valid_csv_with_ukrainian_headers_imports_every_row(imp, as_user, leader, group, existing):
    job, _response = imp(as_user(leader), group, csv_upload())
    assert saved(job)
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
    # Saved with their history, by whom they were imported.
    assert p.history.get().history_user == leader
    assert oksana.history.get().history_user == leader


def test_nothing_is_saved_before_the_preview_is_confirmed(imp, as_user, coordinator, group):
    before = counts()
    job, response = imp(as_user(coordinator), group, csv_upload(), save=False)
    assert counts() == before
    assert job.status == ImportJob.Status.CHECKED
    assert job.summary == {"new": 3, "total": 3}
    assert "Зберегти 3 рядки" in response.text
    rows = [(o.row, o.name, o.outcome) for o in response.context["page"]]
    assert rows == [
        (2, "Оксана Шевчук", "new"),
        (3, "Андрій Бондаренко", "new"),
        (4, "Ганна Кравець", "new"),
    ]


def test_semicolon_separated_csv_from_excel_imports(imp, as_user, coordinator, group):
    job, _response = imp(as_user(coordinator), group, csv_upload(delimiter=";"))
    assert saved(job) and (job.delimiter, job.encoding) == (";", "utf-8")
    assert group.memberships.count() == 3


def test_csv_with_a_byte_order_mark_imports(imp, as_user, coordinator, group):
    upload = SimpleUploadedFile("m.csv", b"\xef\xbb\xbf" + csv_bytes(ROWS), "text/csv")
    assert saved(imp(as_user(coordinator), group, upload)[0])
    assert group.memberships.count() == 3


def test_valid_xlsx_imports_every_row(imp, as_user, coordinator, group):
    upload = SimpleUploadedFile("members.xlsx", xlsx_bytes(ROWS))
    assert saved(imp(as_user(coordinator), group, upload)[0])
    assert sorted(group.memberships.values_list("person__full_name", "person__birth_year")) == [
        ("Андрій Бондаренко", 2001),
        ("Ганна Кравець", None),
        ("Оксана Шевчук", 1988),
    ]
    assert set(group.memberships.values_list("joined_on", flat=True)) == {
        datetime.date(2024, 3, 15)
    }


def test_imported_leader_with_an_account_gets_the_leader_role(imp, as_user, coordinator, group):
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
    assert saved(imp(as_user(coordinator), group, csv_upload())[0])
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


# (name, content, the (row, column key) of the refused rows)
BAD_ROW_FILES = {
    "bad date": (_bad_date, [(3, "joined_on")]),
    "future date": (_future_date, [(3, "joined_on")]),
    "duplicate person": (_duplicate_rows, [(4, "full_name")]),
    "two leaders": (_two_leaders, [(3, "role")]),
    "unknown values": (_unknown_values, [(3, "sex"), (3, "category"), (3, "is_idp")]),
}


@pytest.mark.parametrize("case", BAD_ROW_FILES)
def test_file_with_a_bad_row_saves_nothing_and_lists_errors_by_row_and_column(
    imp, as_user, coordinator, group, existing, case
):
    make, expected = BAD_ROW_FILES[case]
    name, content = make()
    before = counts()
    job, response = imp(as_user(coordinator), group, SimpleUploadedFile(name, content))
    assert job.status == ImportJob.Status.CHECKED
    labels = {column.key: str(column.label) for column in COLUMNS}
    assert refused(job) == sorted((row, labels[key]) for row, key in expected)
    assert counts() == before
    assert "Зберегти" not in response.text
    # Saving is refused even when asked for directly.
    response = as_user(coordinator).post(job.get_absolute_url(), {"action": "save"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and counts() == before


def test_a_file_without_rows_below_its_headers_saves_nothing_and_says_so(
    imp, as_user, coordinator, group
):
    job, response = imp(as_user(coordinator), group, SimpleUploadedFile("m.csv", csv_bytes([])))
    assert job.problem == "У файлі немає рядків під заголовком."
    assert job.problem in response.text
    assert counts() == (0, 0)


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
    "oversize": lambda: ("m.csv", csv_bytes(ROWS * 20000)),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_file_that_is_not_a_readable_spreadsheet_saves_nothing(
    as_user, coordinator, group, existing, case
):
    name, content = BAD_FILES[case]()
    if case == "oversize":
        assert len(content) > 5 * 1024 * 1024
    before = counts()
    response = as_user(coordinator).post(
        import_url(group), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    assert file_errors(response)
    assert counts() == before
    assert not ImportJob.objects.exists()


BOMBS = {
    # What the message says, in the coordinator's language.
    "declares-every-cell": (bombs.full_size_declared, "більше ніж 50 стовпців"),
    "expands-to-a-gigabyte": (lambda: bombs.one_huge_string(1024), "файл займе 1,0"),
    "expands-to-750000-rows": (lambda: bombs.many_rows(750_000), "більше ніж 10000 рядків"),
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
        response = client.post(
            import_url(group), {"file": SimpleUploadedFile("members.xlsx", content)}
        )
    assert response.status_code == 200
    assert words in " ".join(file_errors(response))
    assert counts() == before
    # Parsing any of these would take tens of seconds of CPU: refused before that.
    assert cost.cpu_seconds < 3, cost.cpu_seconds


def test_a_zip_bomb_is_refused_without_the_worker_growing_past_200_mb(as_user, coordinator, group):
    content = bombs.zip_bomb("xl/worksheets/sheet1.xml", 1024)  # 1 GB of zeros in 1 MB
    client = as_user(coordinator)
    with bombs.Cost(memory=True) as cost:
        response = client.post(
            import_url(group), {"file": SimpleUploadedFile("members.xlsx", content)}
        )
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
    ("name", "content", "encoding", "delimiter"),
    [
        ("excel-1251.csv", EXCEL_1251.encode("cp1251"), "cp1251", ";"),
        ("utf8-bom.csv", EXCEL_1251.encode("utf-8-sig"), "utf-8", ";"),
        ("tabs.csv", EXCEL_1251.replace(";", "\t").encode("utf-8"), "utf-8", "\t"),
    ],
    ids=["windows-1251 semicolons", "utf-8 with bom", "tab separated"],
)
def test_the_lists_coordinators_really_have_are_imported(
    imp, as_user, coordinator, group, name, content, encoding, delimiter
):
    client = as_user(coordinator)
    client.post(import_url(group), {"file": SimpleUploadedFile(name, content)})
    job = latest_job()
    assert (job.encoding, job.delimiter) == (encoding, delimiter)
    # Shown on the columns step, as read.
    page = client.get(job.get_absolute_url()).text
    assert {"cp1251": "Windows-1251", "utf-8": "UTF-8"}[encoding] in page
    job, _response = imp(client, group, SimpleUploadedFile(name, content))
    assert saved(job), refused(job)
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


def test_the_encoding_and_separator_can_be_changed_and_a_wrong_choice_is_said(
    as_user, coordinator, group
):
    client = as_user(coordinator)
    client.post(
        import_url(group), {"file": SimpleUploadedFile("m.csv", EXCEL_1251.encode("cp1251"))}
    )
    job = latest_job()
    url = job.get_absolute_url()
    response = client.post(url, {"action": "read", "encoding": "utf-8", "delimiter": ";"})
    assert response.status_code == 200
    assert "Текст файлу не в кодуванні UTF-8" in response.text
    job.refresh_from_db()
    assert (job.encoding, job.headers[0]) == ("cp1251", "ПІБ")  # nothing changed
    response = client.post(url, {"action": "read", "encoding": "cp1251", "delimiter": ","})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.delimiter == "," and len(job.headers) == 1  # one column: read as told
    client.post(url, {"action": "read", "encoding": "cp1251", "delimiter": ";"})
    job.refresh_from_db()
    assert len(job.headers) == 9


def test_columns_no_field_takes_are_shown_left_out(imp, as_user, coordinator, group):
    content = EXCEL_1251.replace("Ветеран\r\n", "Ветеран;Примітки\r\n").encode("cp1251")
    client = as_user(coordinator)
    client.post(import_url(group), {"file": SimpleUploadedFile("m.csv", content)})
    job = latest_job()
    assert job.mapping[-1] is None
    response = client.get(job.get_absolute_url())
    form = response.context["mapping_form"]
    assert form["column_9"].label == "Примітки" and form["column_9"].value() == ""


def organisation_file(first, second=None):
    content = EXCEL_1251.replace("Ветеран\r\n", "Ветеран;Організація\r\n").replace(
        "так;ні\r\n", f"так;ні;{first}\r\n"
    )
    if second:
        content = content.replace("01.04.2024;;+\r\n", f"01.04.2024;;+;{second}\r\n")
    return SimpleUploadedFile("m.csv", content.encode("cp1251"))


def test_the_organisation_column_links_the_directory_and_adds_new_organisations(
    imp, as_user, coordinator, group
):
    from communities.models import Organisation

    police = Organisation.objects.create(
        name_uk="Баранівський відділ поліції", name_en="Baranivka police", kind="police"
    )
    file = organisation_file("БАРАНІВСЬКИЙ відділ поліції", "Спілка «Світанок»")
    job, _response = imp(as_user(coordinator), group, file)
    assert saved(job)
    memberships = {m.person.full_name: m for m in Membership.objects.filter(group=group)}
    assert memberships["Ґалаган Марія Іванівна"].organisation == police
    added = memberships["Їжакевич Петро"].organisation
    assert (added.name_uk, added.community, added.kind) == (
        "Спілка «Світанок»",
        group.community,
        "other",
    )
    assert job.summary["organisations"] == 1


def test_a_new_organisation_is_only_proposed_and_the_coordinator_may_leave_it_unlinked(
    imp, as_user, coordinator, leader, group
):
    from communities.models import Organisation

    file = organisation_file("Спілка «Світанок»")
    before = Organisation.objects.count()
    job, _response = imp(
        as_user(coordinator), group, file, words={("organisation", "Спілка «Світанок»"): ""}
    )
    assert saved(job)
    assert Organisation.objects.count() == before
    assert Membership.objects.get(person__full_name__startswith="Ґалаган").organisation is None


def test_a_leader_cannot_add_organisations_to_the_directory_from_a_file(as_user, leader, group):
    client = as_user(leader)
    client.post(import_url(group), {"file": organisation_file("Спілка «Світанок»")})
    job = latest_job()
    client.post(job.get_absolute_url(), columns_data(job))
    form = client.get(job.get_absolute_url()).context["words_form"]
    [organisations] = [c for c in form.columns if c.key == "organisation"]
    assert "new" not in [value for value, _label in organisations.choices]
    assert organisations.words[0][2] == ""


def test_a_short_name_several_organisations_share_links_the_groups_own_or_is_chosen(
    imp, as_user, coordinator, group, other_group
):
    from communities.models import Organisation

    here = Organisation.objects.create(
        name_uk="ЦНАП громади",
        name_en="ASC here",
        short_name="ЦНАП",
        kind="local_government",
        community=group.community,
    )
    there = Organisation.objects.create(
        name_uk="ЦНАП іншої громади",
        name_en="ASC there",
        short_name="ЦНАП",
        kind="local_government",
        community=other_group.community,
    )
    client = as_user(coordinator)
    assert saved(imp(client, group, organisation_file("цнап"))[0])
    linked = Membership.objects.get(group=group, person__full_name="Ґалаган Марія Іванівна")
    assert linked.organisation == here
    # For a group in a third community the name is ambiguous: not guessed; both offered.
    third = WorkingGroup.objects.create(
        programme=group.programme, community=CommunityFactory(), name_uk="Третя", name_en="Third"
    )
    client.post(import_url(third), {"file": organisation_file("цнап")})
    job = latest_job()
    client.post(job.get_absolute_url(), columns_data(job))
    form = client.get(job.get_absolute_url()).context["words_form"]
    [organisations] = [c for c in form.columns if c.key == "organisation"]
    assert organisations.words[0][2] == ""
    assert {str(here.pk), str(there.pk)} <= {value for value, _label in organisations.choices}
    job, _response = imp(
        client, third, organisation_file("цнап"), words={("organisation", "цнап"): str(there.pk)}
    )
    assert saved(job)
    assert (
        Membership.objects.get(group=third, person__full_name__startswith="Ґалаган").organisation
        == there
    )


def test_a_word_the_importer_does_not_know_is_refused_until_given_a_meaning(
    imp, as_user, coordinator, group
):
    content = EXCEL_1251.replace("жін.", "пані").encode("cp1251")
    client = as_user(coordinator)
    before = counts()
    job, _response = imp(client, group, SimpleUploadedFile("m.csv", content))
    assert counts() == before
    [outcome] = job.outcomes.filter(outcome="refused")
    [[column, message]] = outcome.errors
    assert (outcome.row, column) == (2, "Стать")
    assert "«пані»" in message
    # Said in the words step: "пані" is a woman.
    job, _response = imp(
        client, group, SimpleUploadedFile("m.csv", content), words={("sex", "пані"): "female"}
    )
    assert saved(job)
    assert Person.objects.get(full_name__startswith="Ґалаган").sex == "female"
    # Remembered for the programme's next file, and proposed.
    assert ImportValue.objects.get(field="sex", word="пані").value == "female"
    client.post(import_url(group), {"file": SimpleUploadedFile("m.csv", content)})
    job = latest_job()
    client.post(job.get_absolute_url(), columns_data(job))
    response = client.get(job.get_absolute_url())
    [sex] = [c for c in response.context["words_form"].columns if c.key == "sex"]
    assert ("пані", "пані", "female") in sex.words


def test_a_missing_required_column_is_asked_for_in_ukrainian(imp, as_user, coordinator, group):
    job, response = imp(as_user(coordinator), group, SimpleUploadedFile(*_missing_column()))
    assert response.status_code == 200
    assert "Оберіть стовпець, у якому «Категорія зацікавлених сторін»." in response.text
    assert job.status == ImportJob.Status.COLUMNS


def test_a_ceased_group_imports_nothing(imp, as_user, coordinator, group, existing):
    WorkingGroup.objects.filter(pk=group.pk).update(status=WorkingGroup.Status.CEASED)
    before = counts()
    job, response = imp(as_user(coordinator), group, csv_upload())
    assert job.problem and job.problem in response.text
    assert counts() == before


def test_an_existing_person_is_matched_with_the_reason_not_duplicated(
    imp, as_user, coordinator, group, other_group
):
    # Same name, year of birth and community: already a member of the programme's other group.
    oksana = MembershipFactory(
        group=other_group,
        person__full_name="Оксана Шевчук",
        person__birth_year=1988,
        person__community=group.community,
        person__phone="+380501112233",
        person__email="oksana@example.org",
        person__is_idp=True,
        person__consent_given_on=datetime.date(2024, 3, 15),
        person__consent_purpose="Участь у робочій групі",
    ).person
    # Same name, but another year of birth: a different person.
    MembershipFactory(
        group=other_group,
        person__full_name="Андрій Бондаренко",
        person__birth_year=1970,
        person__community=group.community,
    )
    client = as_user(coordinator)
    job, _response = imp(client, group, csv_upload(), save=False)
    outcomes = {o.name: o for o in job.outcomes.all()}
    assert outcomes["Оксана Шевчук"].outcome == "matched"
    assert "Те саме ім’я, рік народження і громада" in outcomes["Оксана Шевчук"].detail
    assert outcomes["Андрій Бондаренко"].outcome == "new"
    assert "1970" in outcomes["Андрій Бондаренко"].detail
    client.post(job.get_absolute_url(), {"action": "save"})
    job, _response = imp(client, group, csv_upload())
    assert Person.objects.filter(full_name="Оксана Шевчук").get() == oksana
    assert group.memberships.filter(person=oksana).exists()
    assert Person.objects.filter(full_name="Андрій Бондаренко").count() == 2
    assert Person.objects.count() == 4


def test_a_person_on_record_is_updated_with_what_the_file_says_and_the_preview_says_what(
    imp, as_user, coordinator, group, other_group
):
    oksana = MembershipFactory(
        group=other_group,
        person__full_name="Оксана Шевчук",
        person__birth_year=1988,
        person__community=group.community,
        person__phone="+380990000000",
        person__is_veteran=True,
    ).person
    client = as_user(coordinator)
    job, _response = imp(client, group, csv_upload([ROWS[0]]), save=False)
    [outcome] = job.outcomes.all()
    assert outcome.outcome == "updated"
    assert "телефон" in outcome.detail and "ветеран" in outcome.detail
    job, _response = imp(client, group, csv_upload([ROWS[0]]))
    assert saved(job) and job.summary["updated"] == 1
    oksana.refresh_from_db()
    # The file's "ні" for veteran is said, so it is taken; a blank cell would leave it.
    assert (oksana.phone, oksana.is_veteran, oksana.is_idp) == ("+380501112233", False, True)
    assert oksana.history.latest().history_user == coordinator


def test_apostrophe_variants_of_a_name_are_the_same_person(imp, as_user, coordinator, group):
    person = PersonFactory(full_name="Кар'єрна Ольга", birth_year=2004, community=group.community)
    MembershipFactory(
        group=group, person=person,
        joined_on=datetime.date(2019, 6, 1), left_on=datetime.date(2020, 1, 1),
    )  # fmt: skip
    for variant in ("Кар’єрна Ольга", "Карʼєрна Ольга", "КАР`ЄРНА ОЛЬГА"):
        row = {**ROWS[1], "full_name": variant, "birth_year": "2004"}
        job, _response = imp(as_user(coordinator), group, csv_upload([row]), save=False)
        [outcome] = job.outcomes.all()
        assert outcome.outcome in ("matched", "updated"), variant
        assert "Те саме ім’я" in outcome.detail


def test_a_leader_row_is_refused_when_the_group_has_a_leader(imp, as_user, coordinator, group):
    MembershipFactory(group=group, role=Membership.Role.LEADER)
    before = counts()
    job, _response = imp(as_user(coordinator), group, csv_upload())
    assert refused(job) == [(2, str(COLUMNS[KEYS.index("role")].label))]
    assert counts() == before


def test_matching_ignores_the_case_of_cyrillic_names(imp, as_user, coordinator, group):
    person = PersonFactory(full_name="Оксана Шевчук", birth_year=1988, community=group.community)
    MembershipFactory(
        group=group,
        person=person,
        joined_on=datetime.date(2019, 6, 1),
        left_on=datetime.date(2020, 1, 1),
    )
    rows = [{**ROWS[0], "full_name": "ОКСАНА ШЕВЧУК"}]
    assert saved(imp(as_user(coordinator), group, csv_upload(rows))[0])
    assert Person.objects.count() == 1


def test_import_never_matches_a_person_the_importer_cannot_see(
    imp, as_user, leader, group, other_group
):
    hidden = MembershipFactory(
        group=other_group,
        person__full_name="Оксана Шевчук",
        person__birth_year=1988,
        person__community=group.community,
        person__phone="+380990001122",
    ).person
    assert saved(imp(as_user(leader), group, csv_upload([ROWS[0]]))[0])
    joined = group.memberships.get(person__full_name="Оксана Шевчук").person
    assert joined != hidden
    assert as_user(leader).get(hidden.get_absolute_url()).status_code == 404


def test_reimporting_the_same_file_creates_nothing_new(imp, as_user, coordinator, group):
    rows = [{**row, "role": "member"} for row in ROWS]
    client = as_user(coordinator)
    assert saved(imp(client, group, csv_upload(rows))[0])
    after_first = counts()
    assert after_first == (3, 3)
    job, _response = imp(client, group, csv_upload(rows))
    assert saved(job) and job.summary["already"] == 3
    assert counts() == after_first


def test_reimporting_a_file_with_its_leader_succeeds_and_creates_nothing(
    imp, as_user, coordinator, group
):
    client = as_user(coordinator)
    assert saved(imp(client, group, csv_upload())[0])
    after_first = counts()
    assert saved(imp(client, group, csv_upload())[0])
    assert counts() == after_first


def test_import_is_refused_to_other_groups_leader_and_donor(
    as_user, other_leader, donor, group, existing
):
    before = counts()
    upload = {"file": csv_upload()}
    assert as_user(other_leader).post(import_url(group), upload).status_code == 404
    assert as_user(donor).post(import_url(group), {"file": csv_upload()}).status_code in (403, 404)
    assert counts() == before


def test_an_upload_is_the_uploaders_alone_and_gone_after_a_day(
    imp, as_user, client, coordinator, leader, donor, group, programme
):
    from tests.conftest import give_totp

    job, _response = imp(as_user(coordinator), group, csv_upload(), save=False)
    other = UserFactory(email="other.coordinator@example.org")
    RoleAssignment.objects.create(user=other, role=Role.COORDINATOR, programme=programme)
    for user in (give_totp(other), leader, donor):
        for url in (
            job.get_absolute_url(),
            reverse("workinggroups:import_progress", args=[job.pk]),
            reverse("workinggroups:import_mistakes", args=[job.pk]),
        ):
            assert as_user(user).get(url).status_code == 404, (user, url)
        assert as_user(user).post(job.get_absolute_url(), {"action": "save"}).status_code == 404
    client.logout()
    assert client.get(job.get_absolute_url()).status_code in (302, 404)
    # A day later the upload, with its people, is gone.
    from workinggroups.tasks import purge_imports

    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    assert as_user(coordinator).get(job.get_absolute_url()).status_code == 404
    assert purge_imports.run() >= 1
    assert not ImportJob.objects.exists()
    assert counts() == (0, 0)


def test_a_preview_made_stale_by_another_change_saves_nothing_and_says_so(
    imp, as_user, coordinator, group, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    job, _response = imp(client, group, csv_upload(), save=False)
    # Meanwhile someone seats a leader: the file's leader row would now be refused.
    MembershipFactory(group=group, role=Membership.Role.LEADER)
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(job.get_absolute_url(), {"action": "save"})
    job.refresh_from_db()
    assert counts() == before
    assert job.status == ImportJob.Status.CHECKED
    assert "Записи змінилися після перевірки" in job.problem
    assert refused(job) == [(2, str(COLUMNS[KEYS.index("role")].label))]


def test_an_upload_can_be_discarded(as_user, coordinator, group):
    client = as_user(coordinator)
    client.post(import_url(group), {"file": csv_upload()})
    job = latest_job()
    response = client.post(job.get_absolute_url(), {"action": "discard"})
    assert response.status_code == 302
    assert not ImportJob.objects.exists() and counts() == (0, 0)


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
def test_template_round_trips_through_import(imp, as_user, leader, group, fmt):
    client = as_user(leader)
    template = client.get(reverse("workinggroups:import_template", args=[fmt]))
    upload = SimpleUploadedFile(f"template.{fmt}", template.content)
    assert saved(imp(client, group, upload)[0])
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


MAPPED = {"column_1": "full_name", "column_2": "sex", "column_3": "category",
          "column_4": "joined_on"}  # fmt: skip


def own_file(content=OWN_HEADERS):
    return SimpleUploadedFile("own.csv", content.encode("cp1251"))


def test_a_file_with_its_own_headers_is_mapped_column_by_column_then_imported(
    imp, as_user, coordinator, group
):
    client = as_user(coordinator)
    before = counts()
    client.post(import_url(group), {"file": own_file()})
    job = latest_job()
    response = client.get(job.get_absolute_url())
    assert counts() == before  # nothing saved before the mapping
    # Each column offered with its first values.
    assert "Ґалаган Марія" in response.text and "Коли прийшла" in response.text
    assert job.mapping[1] is None  # "Хто" is not a header the importer knows

    job, _response = imp(client, group, own_file(), columns=MAPPED)
    assert saved(job)
    names = set(Membership.objects.filter(group=group).values_list("person__full_name", flat=True))
    assert names == {"Ґалаган Марія", "Їжакевич Петро"}


def test_the_coordinators_mapping_is_proposed_for_the_programmes_next_file(
    imp, as_user, coordinator, group, other_group
):
    client = as_user(coordinator)
    assert saved(imp(client, group, own_file(), columns=MAPPED)[0])
    # The next file with those headers, for another group of the programme: the earlier
    # choices are proposed on the columns step.
    client.post(import_url(other_group), {"file": own_file()})
    job = latest_job()
    assert [job.mapping[i] for i in range(1, 5)] == list(MAPPED.values())
    assert Membership.objects.filter(group=other_group).count() == 0
    assert saved(imp(client, other_group, own_file())[0])
    assert Membership.objects.filter(group=other_group).count() == 2


def test_a_leaders_choices_are_not_remembered_and_known_headers_always_read_as_they_say(
    imp, as_user, coordinator, leader, group, other_group
):
    content = OWN_HEADERS.replace("Примітка", "ВПО").replace("активна", "так")
    client = as_user(leader)
    client.post(import_url(group), {"file": own_file(content)})
    assert latest_job().mapping[5] == "is_idp"  # a header the importer knows
    # The leader reads "ВПО" as disability: for this file only.
    job, _response = imp(
        client, group, own_file(content), columns={**MAPPED, "column_5": "has_disability"}
    )
    assert saved(job)
    assert not ImportColumn.objects.exists() and not ImportValue.objects.exists()
    person = Membership.objects.get(group=group, person__full_name="Ґалаган Марія").person
    assert (person.is_idp, person.has_disability) == (False, True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({**MAPPED, "column_5": "full_name"}, "обрано для кількох стовпців"),
        ({**MAPPED, "column_3": ""}, "Оберіть стовпець"),
    ],
    ids=["a field twice", "a required field left out"],
)
def test_a_mapping_that_cannot_work_is_refused_and_saves_nothing(
    imp, as_user, coordinator, group, fields, message
):
    before = counts()
    job, response = imp(as_user(coordinator), group, own_file(), columns=fields)
    assert response.status_code == 200
    assert counts() == before
    assert message in response.text
    assert job.status == ImportJob.Status.COLUMNS


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
    imp, as_user, coordinator, group
):
    upload = SimpleUploadedFile("список.xlsx", titled_xlsx())
    job, _response = imp(as_user(coordinator), group, upload)
    assert saved(job), refused(job)
    people = {m.person.full_name: m for m in Membership.objects.filter(group=group)}
    assert set(people) == {"Ґалаган Марія", "Їжакевич Петро", "Кар'єрна Ольга"}
    assert people["Їжакевич Петро"].role == Membership.Role.LEADER
    assert people["Ґалаган Марія"].joined_on == datetime.date(2024, 3, 15)


def two_row_headers_xlsx() -> bytes:
    """Headers over two rows, as Excel users lay them out: "ПІБ", "Стать" and "Дата вступу"
    merged down over both rows, "Контакти" merged across "Телефон" and "Email" below it,
    a blank first row and a title above."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([])
    sheet.append(["Члени робочої групи"])
    sheet.merge_cells("A2:G2")
    sheet.append(["ПІБ", "Стать", "Контакти", None, "Категорія", "Дата вступу", "Ветеран"])
    sheet.append([None, None, "Телефон", "Email", None, None, None])
    for cells in ("A3:A4", "B3:B4", "C3:D3", "E3:E4", "F3:F4", "G3:G4"):
        sheet.merge_cells(cells)
    sheet.append(["Ґалаган Марія", "ж", "0501112233", "m@example.org", "Поліція",
                  datetime.date(2024, 3, 15), "так"])  # fmt: skip
    sheet.append(["Їжакевич Петро", "ч", None, None, "Молодь", datetime.date(2024, 4, 1), None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_sheet_with_headers_merged_over_two_rows_is_imported(imp, as_user, coordinator, group):
    upload = SimpleUploadedFile("члени.xlsx", two_row_headers_xlsx())
    job, _response = imp(as_user(coordinator), group, upload)
    assert job.headers == ["ПІБ", "Стать", "Телефон", "Email", "Категорія", "Дата вступу",
                           "Ветеран"]  # fmt: skip
    assert saved(job), refused(job)
    halahan = Person.objects.get(full_name="Ґалаган Марія")
    assert (halahan.phone, halahan.email, halahan.is_veteran) == (
        "0501112233", "m@example.org", True,
    )  # fmt: skip
    # Rows numbered as the sheet shows them: the first person is on row 5.
    assert sorted(job.summary) == ["added", "already", "created", "matched", "organisations",
                                   "updated"]  # fmt: skip


def test_errors_name_the_rows_as_the_sheet_numbers_them_below_a_title(
    imp, as_user, coordinator, group
):
    content = ("Список членів\r\n\r\n" + EXCEL_1251.replace("жін.", "пані")).encode("cp1251")
    job, _response = imp(as_user(coordinator), group, SimpleUploadedFile("m.csv", content))
    # Title, blank line, headers on row 3: the first person is on row 4.
    assert refused(job) == [(4, "Стать")]


def test_a_refused_file_comes_back_with_a_column_saying_what_is_wrong_in_each_row(
    imp, as_user, coordinator, leader, group
):
    content = (
        EXCEL_1251.replace("жін.", "пані").replace("01.04.2024", "31.02.2024")
        + '=HYPERLINK("http://x");ж;1990;;Поліція;член;01.05.2024;;\r\n'
    ).encode("cp1251")
    client = as_user(coordinator)
    job, response = imp(client, group, SimpleUploadedFile("m.csv", content))
    link = reverse("workinggroups:import_mistakes", args=[job.pk])
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
    # The mistakes are the uploader's: another user gets nothing.
    assert as_user(leader).get(link).status_code == 404


def test_ten_thousand_rows_go_through_the_preview_and_save_on_a_worker_with_progress(
    imp, as_user, coordinator, group, monkeypatch
):
    from workinggroups import wizard

    seen = []
    real = wizard._progress
    monkeypatch.setattr(
        wizard,
        "_progress",
        lambda job_id, status, value: (seen.append((status, value)), real(job_id, status, value)),
    )
    lines = ["ПІБ;Стать;Рік народження;Категорія;Дата вступу;ВПО"]
    for n in range(10_000):
        idp = "так" if n % 7 == 0 else ""
        lines.append(f"Учасниця {n:05d};жін.;{1950 + n % 50};Поліція;15.03.2024;{idp}")
    content = "\r\n".join(lines).encode("cp1251")
    job, _response = imp(as_user(coordinator), group, SimpleUploadedFile("великий.csv", content))
    assert saved(job), job.summary
    assert job.summary["added"] == job.summary["created"] == 10_000
    assert group.memberships.count() == 10_000
    assert Person.objects.filter(is_idp=True).count() == 1429
    # The check and the save each told their progress as they went.
    checking = [value for status, value in seen if status == "checking"]
    saving = [value for status, value in seen if status == "saving"]
    assert len(checking) >= 10 and checking == sorted(checking)
    assert len(saving) >= 3 and saving == sorted(saving)
    # Saved: the file and its rows are not kept.
    job.refresh_from_db()
    assert job.rows == [] and bytes(job.content) == b""


def test_a_file_without_a_header_row_is_read_with_numbered_columns_when_told(
    imp, as_user, coordinator, group
):
    body = "\n".join(csv_bytes(ROWS).decode("utf-8").splitlines()[1:]).encode("utf-8")
    client = as_user(coordinator)
    client.post(import_url(group), {"file": SimpleUploadedFile("m.csv", body)})
    job = latest_job()
    assert len(job.rows) == 2  # its first person read as the headers
    response = client.post(
        job.get_absolute_url(),
        {"action": "read", "encoding": "", "delimiter": "", "header_row": "0"},
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.headers[:2] == ["Стовпець 1", "Стовпець 2"] and len(job.rows) == 3
    assert job.first_row == 1
    page = client.get(job.get_absolute_url())
    assert "У файлі немає рядка заголовків" in page.text


def test_a_save_that_fails_on_our_side_saves_nothing_and_says_so(
    imp, as_user, coordinator, group, monkeypatch
):
    from workinggroups import services

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "members_add_many", broken)
    job, response = imp(as_user(coordinator), group, csv_upload())
    assert job.status == ImportJob.Status.CHECKED
    assert "щось пішло не так" in job.problem and job.problem in response.text
    assert counts() == (0, 0)


def test_an_upload_being_checked_is_not_discarded_or_sent_back(as_user, coordinator, group):
    client = as_user(coordinator)
    client.post(import_url(group), {"file": csv_upload()})
    job = latest_job()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKING)
    for action in ("discard", "back"):
        response = client.post(job.get_absolute_url(), {"action": action}, follow=True)
        assert "зачекайте" in response.text
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKING


def test_the_preview_page_costs_the_same_queries_for_a_few_rows_or_many(
    imp, as_user, coordinator, group
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(coordinator)
    costs = []
    for rows in (ROWS, [{**ROWS[1], "full_name": f"Особа {n:03}"} for n in range(120)]):
        job, _response = imp(client, group, csv_upload(rows), save=False)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(job.get_absolute_url())
        assert page.status_code == 200
        costs.append(len(queries))
    assert costs[0] == costs[1], costs
