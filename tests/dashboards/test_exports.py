"""Exports: the indicator table by community and month as CSV and XLSX and the printable
progress report as PDF, built on a worker with progress the exports page polls. The table is
checked against a small data set worked out by hand."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from cohesion.storage import private_storage
from dashboards import exports, services
from dashboards.indicators import BY_CODE, Period
from dashboards.models import Export
from meetings.models import Attendance
from tests.factories import (
    CommunityFactory,
    EventFactory,
    MeetingFactory,
    MembershipFactory,
    ParticipantFactory,
    PersonFactory,
    WorkingGroupFactory,
)
from workinggroups.models import GroupStatusChange

pytestmark = pytest.mark.django_db

H, X = "<5", "x"
JANUARY, MARCH = datetime.date(2024, 1, 1), datetime.date(2024, 3, 31)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each role fixture sets a password; the production hasher would take most of the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English, so that messages are compared as the code writes them. A request
    leaves its language active in the thread: the next test gets back the one it had."""
    language = translation.get_language()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield
    translation.activate(language)


@pytest.fixture(autouse=True)
def media(private_media, monkeypatch):
    """Export files in the test's private media: the field built its storage at import."""
    monkeypatch.setattr(Export._meta.get_field("file"), "storage", private_storage())
    return private_media


def kyiv(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(15)))


def active_from(group, day):
    GroupStatusChange.objects.create(group=group, status="active", changed_on=day, reason="launch")
    group.status = "active"
    group.save(update_fields=["status"])


def members(group, *people):
    """(sex, birth year) → memberships of new people; born 2000 is young in 2024, 1970 not."""
    return [
        MembershipFactory(group=group, person=PersonFactory(sex=sex, birth_year=year))
        for sex, year in people
    ]


def held(group, day, present, absent=()):
    meeting = MeetingFactory(group=group, starts_at=kyiv(day), status="held")
    for membership in present:
        Attendance.objects.create(meeting=meeting, membership=membership, status="present")
    for membership in absent:
        Attendance.objects.create(meeting=meeting, membership=membership, status="absent")
    return meeting


F, M = "female", "male"


@pytest.fixture
def world(programme):
    """Two communities, January to March 2024.

    Andrushivska, active all along: 6 people (4 women, 2 young) at the January meeting, 3 of
    them (2 women, both young ones) in February, no meeting in March (missed), and a training
    it hosts on 5 March with 5 people present and 1 absent.
    Berdychivska, active from 1 February (not expected in January): 7 people (5 women, 2 young)
    in February, 2 of them (a young woman and a young man) in March."""
    andrushivka = WorkingGroupFactory(
        programme=programme,
        community=CommunityFactory(name_uk="Андрушівська", name_en="Andrushivska"),
    )
    berdychiv = WorkingGroupFactory(
        programme=programme,
        community=CommunityFactory(name_uk="Бердичівська", name_en="Berdychivska"),
    )
    active_from(andrushivka, datetime.date(2023, 1, 1))
    active_from(berdychiv, datetime.date(2024, 2, 1))

    a = members(andrushivka, (F, 2000), (F, 1970), (F, 1970), (F, 1970), (M, 2000), (M, 1970))
    held(andrushivka, datetime.date(2024, 1, 16), a)
    held(andrushivka, datetime.date(2024, 2, 13), [a[0], a[1], a[4]], absent=[a[5]])
    # Before and after the period: counted nowhere.
    held(andrushivka, datetime.date(2023, 12, 12), a)
    held(andrushivka, datetime.date(2024, 4, 9), a)

    b = members(berdychiv, (F, 2000), (F, 1970), (F, 1970), (F, 1970), (F, 1970), (M, 2000))
    b += members(berdychiv, (M, 1970))
    held(berdychiv, datetime.date(2024, 2, 20), b)
    held(berdychiv, datetime.date(2024, 3, 19), [b[0], b[5]])

    training = EventFactory(
        programme=programme,
        host_community=andrushivka.community,
        starts_on=datetime.date(2024, 3, 5),
        ends_on=datetime.date(2024, 3, 5),
    )
    for _ in range(5):
        ParticipantFactory(event=training)
    ParticipantFactory(event=training, attendance="absent")
    return programme


# Worked out by hand from `world`: community, month, expected, held, compliance, attendances,
# people, women, young people, attendances at trainings.
EXACT = [
    ["Андрушівська", "2024-01", "1", "1", "100", "6", "6", "4", "2", "0"],
    ["Андрушівська", "2024-02", "1", "1", "100", "3", "3", "2", "2", "0"],
    ["Андрушівська", "2024-03", "1", "0", "0", "0", "0", "0", "0", "5"],
    ["Бердичівська", "2024-01", "0", "0", "", "0", "0", "0", "0", "0"],
    ["Бердичівська", "2024-02", "1", "1", "100", "7", "7", "5", "2", "0"],
    ["Бердичівська", "2024-03", "1", "1", "100", "2", "2", "1", "2", "0"],
    ["Андрушівська", "ALL", "3", "2", "67", "9", "", "", "", "5"],
    ["Бердичівська", "ALL", "2", "2", "100", "9", "", "", "", "0"],
    ["EVERY", "2024-01", "1", "1", "100", "6", "", "", "", "0"],
    ["EVERY", "2024-02", "2", "2", "100", "10", "", "", "", "0"],
    ["EVERY", "2024-03", "2", "1", "50", "2", "", "", "", "5"],
    ["EVERY", "ALL", "5", "4", "80", "18", "", "", "", "5"],
]
# The same for a donor. Counts of people stand alone: a count from 1 to 4 is hidden, and their
# totals are not published, so no hidden count can be worked out from sums. People at meetings
# go with their attendances; women and young people are hidden when they, or the rest of the
# people, are few: 2 young people are "<5", 5 women of 7 leave 2 and are withheld as "x" (5 is
# not a small count, and "<5" would be untrue). Meetings are not people and keep their totals.
PROTECTED = [
    ["Андрушівська", "2024-01", "1", "1", "100", "6", "6", H, H, "0"],
    ["Андрушівська", "2024-02", "1", "1", "100", H, H, H, H, "0"],
    ["Андрушівська", "2024-03", "1", "0", "0", "0", "0", "0", "0", "5"],
    ["Бердичівська", "2024-01", "0", "0", "", "0", "0", "0", "0", "0"],
    ["Бердичівська", "2024-02", "1", "1", "100", "7", "7", X, H, "0"],
    ["Бердичівська", "2024-03", "1", "1", "100", H, H, H, H, "0"],
    ["Андрушівська", "ALL", "3", "2", "67", "", "", "", "", ""],
    ["Бердичівська", "ALL", "2", "2", "100", "", "", "", "", ""],
    ["EVERY", "2024-01", "1", "1", "100", "", "", "", "", ""],
    ["EVERY", "2024-02", "2", "2", "100", "", "", "", "", ""],
    ["EVERY", "2024-03", "2", "1", "50", "", "", "", "", ""],
    ["EVERY", "ALL", "5", "4", "80", "", "", "", "", ""],
]


def in_ukrainian(rows):
    with translation.override("uk"):
        words = {"ALL": translation.gettext("all"), "EVERY": translation.gettext("all communities")}
    return [[words.get(value, value) for value in row] for row in rows]


def header(language="uk"):
    with translation.override(language):
        return [str(label) for _key, label in exports.columns()]


def ask(client, programme, django_capture_on_commit_callbacks, *, execute=True, **fields):
    """POSTs the export form (the worker runs eagerly once the request commits) and returns
    the response and the newest export."""
    data = {"kind": "table_csv", "start": "2024-01", "end": "2024-03", "language": "uk"}
    data.update(fields)
    with django_capture_on_commit_callbacks(execute=execute) as callbacks:
        response = client.post(reverse("dashboards:exports", args=[programme.pk]), data)
    export = Export.objects.order_by("pk").last()
    return response, export, callbacks


def download(client, export) -> bytes:
    response = client.get(reverse("dashboards:export_download", args=[export.pk]))
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def without_codes(rows: list[list]) -> list[list]:
    """The rows without their P-code and KATOTTH columns (the second and third)."""
    return [[*row[:1], *row[3:]] for row in rows]


def pdf_text(content: bytes) -> tuple[list[str], int]:
    reader = PdfReader(io.BytesIO(content))
    return [page.extract_text() for page in reader.pages], len(reader.pages)


# --- the table ------------------------------------------------------------------------------


def test_coordinators_exact_csv_has_a_row_per_community_and_month_then_the_totals(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    response, export, _ = ask(client, world, django_capture_on_commit_callbacks, for_donors="")
    assert response.status_code == 302
    assert export.suppressed is False
    content = download(client, export)
    assert content.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for UTF-8
    rows = csv_rows(content)
    assert rows[0] == header("uk")
    assert without_codes(rows[1:]) == in_ukrainian(EXACT)


def test_csv_download_is_a_private_attachment(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    _response, export, _ = ask(client, world, django_capture_on_commit_callbacks)
    response = client.get(reverse("dashboards:export_download", args=[export.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="cohesion-table_csv-202401-202403.csv"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_export_for_donors_hides_small_counts_and_the_cells_that_reveal_them(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    _response, export, _ = ask(client, world, django_capture_on_commit_callbacks, for_donors="1")
    assert export.suppressed is True
    rows = csv_rows(download(client, export))
    assert without_codes(rows[1:-3]) == in_ukrainian(PROTECTED)
    # Under the table, what each mark means.
    assert rows[-3] == []
    assert rows[-2][0].startswith("<5 — ") and rows[-1][0].startswith("x — ")


def test_english_export_has_english_header_and_totals(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    _response, export, _ = ask(client, world, django_capture_on_commit_callbacks, language="en")
    rows = csv_rows(download(client, export))
    assert rows[0][:5] == ["Community", "P-code", "KATOTTH code", "Month", "Meetings expected"]
    assert rows[1][0] == "Andrushivska"
    assert [[row[0], row[3]] for row in rows[-1:]] == [["all communities", "all"]]


def test_export_of_one_community_has_only_its_rows_and_totals(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    community = world.working_groups.get(community__name_uk="Бердичівська").community
    _response, export, _ = ask(
        client, world, django_capture_on_commit_callbacks, community=community.pk
    )
    assert without_codes(csv_rows(download(client, export))[1:]) == in_ukrainian([
        ["Бердичівська", "2024-01", "0", "0", "", "0", "0", "0", "0", "0"],
        ["Бердичівська", "2024-02", "1", "1", "100", "7", "7", "5", "2", "0"],
        ["Бердичівська", "2024-03", "1", "1", "100", "2", "2", "1", "2", "0"],
        ["Бердичівська", "ALL", "2", "2", "100", "9", "", "", "", "0"],
        ["EVERY", "2024-01", "0", "0", "", "0", "", "", "", "0"],
        ["EVERY", "2024-02", "1", "1", "100", "7", "", "", "", "0"],
        ["EVERY", "2024-03", "1", "1", "100", "2", "", "", "", "0"],
        ["EVERY", "ALL", "2", "2", "100", "9", "", "", "", "0"],
    ])  # fmt: skip


def test_xlsx_has_the_same_content_as_the_csv_with_a_bold_header(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    _response, export, _ = ask(
        client, world, django_capture_on_commit_callbacks, kind="table_xlsx", for_donors=""
    )
    content = download(client, export)
    assert content[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.active
    assert sheet.title == str(world.title_uk)[:31]
    assert all(cell.font.bold for cell in sheet[1])
    rows = [
        ["" if value is None else str(value) for value in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    assert rows[0] == header("uk")
    assert without_codes(rows[1:]) == in_ukrainian(EXACT)
    # Numbers are numbers, for the spreadsheet's sums.
    assert isinstance(sheet.cell(row=2, column=8).value, int)


def test_xlsx_download_has_the_spreadsheet_type(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    _response, export, _ = ask(client, world, django_capture_on_commit_callbacks, kind="table_xlsx")
    response = client.get(reverse("dashboards:export_download", args=[export.pk]))
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('202403.xlsx"')


# --- the report -----------------------------------------------------------------------------


def test_pdf_report_has_the_title_period_indicators_charts_and_page_numbers(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    _response, export, _ = ask(client, world, django_capture_on_commit_callbacks, kind="report_pdf")
    assert export.status == Export.Status.READY, export.error
    response = client.get(reverse("dashboards:export_download", args=[export.pk]))
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    pages, count = pdf_text(content)
    text = "\n".join(pages)
    assert world.title_uk in text
    assert "01 січня 2024 р. – 31 березня 2024 р." in text
    with translation.override("uk"):
        for code in ("meetings_held", "participants", "trainings", "compliance_rate"):
            assert str(BY_CODE[code].label) in text, code
    # The meetings chart (SVG) labels its bars with the months.
    for month in ("01.2024", "02.2024", "03.2024"):
        assert month in text, month
    # The footer numbers the pages "N / M", without a word.
    for number, page in enumerate(pages, start=1):
        assert f"{number} / {count}" in page, number
    assert "Page" not in text
    assert "Сторінка" not in text


def test_pdf_report_draws_its_charts_as_svg(world):
    with translation.override("uk"):
        html = exports.report_html(
            world,
            Period(JANUARY, MARCH),
            None,
            protected=False,
            targets={},
            language="uk",
        )
    assert html.count("<svg") == 3
    assert "<script" not in html
    assert ">01.2024</text>" in html


# --- progress -------------------------------------------------------------------------------


def test_export_is_queued_then_ready_with_full_progress_and_a_size(
    as_user, coordinator, world, django_capture_on_commit_callbacks, media
):
    client = as_user(coordinator)
    response, export, callbacks = ask(
        client, world, django_capture_on_commit_callbacks, execute=False
    )
    assert response.status_code == 302
    assert (export.status, export.progress, export.size) == ("queued", 0, None)
    assert export.requested_by == coordinator
    page = client.get(reverse("dashboards:exports", args=[world.pk])).text
    status_url = reverse("dashboards:export_status", args=[export.pk])
    assert f'hx-get="{status_url}"' in page
    assert f'href="{reverse("dashboards:export_download", args=[export.pk])}"' not in page

    for callback in callbacks:
        callback()
    export.refresh_from_db()
    assert (export.status, export.progress) == ("ready", 100)
    assert export.size == len(download(client, export)) > 0
    assert export.started_at <= export.finished_at
    assert (media / export.file.name).exists()


def test_failing_build_ends_failed_with_the_error_and_offers_no_download(
    as_user, coordinator, world, django_capture_on_commit_callbacks, monkeypatch, settings
):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(exports, "indicator_table", broken)
    settings.EXPORT_ATTEMPTS = 1
    client = as_user(coordinator)
    _response, export, _ = ask(client, world, django_capture_on_commit_callbacks)
    export.refresh_from_db()
    assert export.status == "failed"
    assert export.error == "RuntimeError: the database went away"
    assert not export.file
    page = client.get(reverse("dashboards:exports", args=[world.pk])).text
    assert "Failed after 1 try" in page
    assert f'href="{reverse("dashboards:export_download", args=[export.pk])}"' not in page
    assert f'hx-get="{reverse("dashboards:export_status", args=[export.pk])}"' not in page
    download_url = reverse("dashboards:export_download", args=[export.pk])
    assert client.get(download_url).status_code == 404


@pytest.mark.parametrize("status", ["queued", "running"])
def test_status_fragment_polls_while_the_export_is_waiting(as_user, coordinator, world, status):
    export = Export.objects.create(
        programme=world,
        kind="table_csv",
        period_start=JANUARY,
        period_end=MARCH,
        status=status,
        progress=30,
        requested_by=coordinator,
    )
    url = reverse("dashboards:export_status", args=[export.pk])
    response = as_user(coordinator).get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'hx-get="{url}"' in response.text
    assert 'hx-trigger="every 2s"' in response.text
    assert 'value="30"' in response.text
    assert "data-export-ready" not in response.text
    assert "no-cache" in response["Cache-Control"]


def test_status_fragment_shows_the_download_link_when_ready(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    _response, export, _ = ask(client, world, django_capture_on_commit_callbacks)
    url = reverse("dashboards:export_status", args=[export.pk])
    fragment = client.get(url, headers={"HX-Request": "true"}).text
    assert "hx-get" not in fragment
    link = reverse("dashboards:export_download", args=[export.pk])
    assert f'href="{link}" data-export-ready' in fragment


def test_one_user_cannot_have_more_exports_waiting_than_the_limit(
    as_user, coordinator, donor, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    for _ in range(services.MAX_WAITING_PER_USER):
        response, _export, _ = ask(client, world, django_capture_on_commit_callbacks, execute=False)
        assert response.status_code == 302
    response, _export, callbacks = ask(
        client, world, django_capture_on_commit_callbacks, execute=False
    )
    assert response.status_code == 200
    assert "Wait for your exports in progress to finish first." in response.text
    assert callbacks == []
    assert Export.objects.count() == services.MAX_WAITING_PER_USER
    # Someone else is not held up by the coordinator's queue.
    response, export, _ = ask(as_user(donor), world, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert export.requested_by == donor
    assert Export.objects.count() == services.MAX_WAITING_PER_USER + 1


def test_finished_exports_do_not_count_against_the_limit(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    for _ in range(services.MAX_WAITING_PER_USER + 2):
        response, export, _ = ask(client, world, django_capture_on_commit_callbacks)
        assert response.status_code == 302
        assert export.status == "ready"


# --- bad input ------------------------------------------------------------------------------

BAD = {
    "end before start": ({"start": "2024-03", "end": "2024-01"}, "must end after it starts"),
    "ten years": ({"start": "2010-01", "end": "2020-01"}, "at most ten years"),
    "unknown kind": ({"kind": "table_pdf"}, "Select a valid choice"),
    "no kind": ({"kind": ""}, "This field is required"),
    "month thirteen": ({"start": "2024-13"}, "YYYY-MM"),
    "words": ({"end": "last month"}, "YYYY-MM"),
    "a day": ({"start": "2024-01-15"}, "YYYY-MM"),
    "year far away": ({"start": "99999-01"}, "YYYY-MM"),
    "year zero": ({"start": "0000-01"}, "YYYY-MM"),
    "no start": ({"start": ""}, "This field is required"),
    "nul character": ({"start": "2024-\x0001"}, "YYYY-MM"),
    "very long": ({"end": "2024-01" * 1000}, "YYYY-MM"),
    "unknown community": ({"community": "999999"}, "Select a valid choice"),
    "community too large": ({"community": "9" * 30}, "Select a valid choice"),
    "community not a number": ({"community": "Бердичів"}, "Select a valid choice"),
    "unknown language": ({"language": "de"}, "Select a valid choice"),
}


@pytest.mark.parametrize("fields, message", BAD.values(), ids=BAD.keys())
def test_bad_export_request_gives_a_message_and_creates_nothing(
    as_user, coordinator, world, django_capture_on_commit_callbacks, fields, message
):
    response, export, callbacks = ask(
        as_user(coordinator), world, django_capture_on_commit_callbacks, **fields
    )
    assert response.status_code == 200
    assert message in response.text
    assert export is None
    assert callbacks == []


def test_ten_years_less_a_month_is_accepted(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    response, export, _ = ask(
        as_user(coordinator),
        world,
        django_capture_on_commit_callbacks,
        execute=False,
        start="2010-01",
        end="2019-12",
    )
    assert response.status_code == 302
    assert (export.period_start, export.period_end) == (
        datetime.date(2010, 1, 1),
        datetime.date(2019, 12, 31),
    )


def test_community_of_another_programme_is_refused(
    as_user, coordinator, world, other_programme, django_capture_on_commit_callbacks
):
    elsewhere = WorkingGroupFactory(programme=other_programme).community
    response, export, _ = ask(
        as_user(coordinator), world, django_capture_on_commit_callbacks, community=elsewhere.pk
    )
    assert response.status_code == 200
    assert export is None


# --- who may ask and download ---------------------------------------------------------------


def test_leader_may_not_open_or_use_the_exports_page(
    as_user, leader, world, django_capture_on_commit_callbacks
):
    client = as_user(leader)
    url = reverse("dashboards:exports", args=[world.pk])
    assert client.get(url).status_code == 403
    response, export, _ = ask(client, world, django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert export is None


def test_anonymous_visitor_is_sent_to_sign_in(client, world):
    response = client.get(reverse("dashboards:exports", args=[world.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_user_of_another_programme_cannot_download_or_follow_an_export(
    as_user, coordinator, other_coordinator, world, django_capture_on_commit_callbacks
):
    _response, export, _ = ask(as_user(coordinator), world, django_capture_on_commit_callbacks)
    assert export.is_ready
    client = as_user(other_coordinator)
    for name in ("dashboards:export_download", "dashboards:export_status"):
        assert client.get(reverse(name, args=[export.pk])).status_code == 404, name
    assert client.get(reverse("dashboards:exports", args=[world.pk])).status_code == 404


def test_leader_cannot_download_an_export_of_their_programme(
    as_user, coordinator, leader, world, django_capture_on_commit_callbacks
):
    _response, export, _ = ask(as_user(coordinator), world, django_capture_on_commit_callbacks)
    client = as_user(leader)
    url = reverse("dashboards:export_download", args=[export.pk])
    assert client.get(url).status_code == 404


def test_unknown_export_is_not_found(as_user, coordinator, world):
    client = as_user(coordinator)
    assert client.get(reverse("dashboards:export_download", args=[987654])).status_code == 404


def test_exports_page_makes_as_many_queries_for_twenty_exports_as_for_one(
    as_user, coordinator, world
):
    community = world.working_groups.first().community

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("dashboards:exports", args=[world.pk]))
        assert response.status_code == 200
        return len(captured)

    def make(count):
        for _ in range(count):
            Export.objects.create(
                programme=world,
                kind="report_pdf",
                period_start=JANUARY,
                period_end=MARCH,
                community=community,
                status="ready",
                size=1000,
                requested_by=coordinator,
            )

    client = as_user(coordinator)
    make(1)
    one = queries()
    make(19)
    assert queries() == one


# --- exports that finish --------------------------------------------------------------------


def test_sheet_titles_are_made_valid_for_excel():
    assert (
        exports.sheet_title("Херсон: безпечні громади [2023/24]?*")
        == "Херсон безпечні громади 2023 24"
    )
    assert len(exports.sheet_title("а" * 80)) == 31
    assert exports.sheet_title("'::'") == "Cohesion"
    assert exports.sheet_title("Прозорість") == "Прозорість"


def test_an_xlsx_export_of_a_programme_with_a_colon_in_its_title_is_ready_and_opens(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    world.title_uk = "Херсон: безпечні громади 2023–2024 [друга фаза]"
    world.save(update_fields=["title_uk"])
    client = as_user(coordinator)
    _response, export, _ = ask(client, world, django_capture_on_commit_callbacks, kind="table_xlsx")
    export.refresh_from_db()
    assert export.status == Export.Status.READY, export.error
    book = openpyxl.load_workbook(io.BytesIO(download(client, export)))
    assert book.active.title == "Херсон безпечні громади 2023–20"


@pytest.fixture
def breaking(monkeypatch):
    """Every build of a table fails, as the colon in a sheet title once made them."""

    def fail(*args, **kwargs):
        raise ValueError("Invalid character : found in sheet title")

    monkeypatch.setattr(exports, "indicator_table", fail)


def build_now(export) -> str:
    from dashboards.tasks import build_export

    result = build_export.run(export.pk)
    export.refresh_from_db()
    return result


def test_a_failing_export_is_tried_again_with_growing_pauses_then_marked_failed(
    coordinator, world, breaking, time_machine, settings
):
    from dashboards.tasks import requeue_waiting_exports

    settings.EXPORT_ATTEMPTS = 3
    export = services.export_request(
        programme=world, kind="table_csv", start=datetime.date(2024, 1, 1),
        end=datetime.date(2024, 3, 31), by=coordinator,
    )  # fmt: skip
    assert build_now(export) == "retrying"
    pauses = []
    for attempt in (1, 2):
        assert (export.status, export.attempts) == (Export.Status.QUEUED, attempt)
        assert "Invalid character" in export.error
        pauses.append(round((export.retry_at - timezone.now()).total_seconds()))
        # Not before its time: the sweep leaves it waiting...
        time_machine.shift(datetime.timedelta(seconds=pauses[-1] - 5))
        assert requeue_waiting_exports.run() == 0
        # ... and then queues it again (the worker, eager here, fails once more).
        time_machine.shift(datetime.timedelta(seconds=10))
        assert requeue_waiting_exports.run() == 1
        export.refresh_from_db()
    assert pauses == [60, 240]
    assert (export.status, export.attempts) == (Export.Status.FAILED, 3)
    # Failed for good: the sweep leaves it alone.
    time_machine.shift(datetime.timedelta(hours=1))
    assert requeue_waiting_exports.run() == 0


def test_a_failed_export_says_so_and_can_be_asked_for_again_with_one_click(
    as_user, coordinator, world, breaking, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.EXPORT_ATTEMPTS = 1
    client = as_user(coordinator)
    _response, export, _ = ask(client, world, django_capture_on_commit_callbacks)
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED
    page = client.get(reverse("dashboards:exports", args=[world.pk])).content.decode()
    retry = reverse("dashboards:export_retry", args=[export.pk])
    assert f'action="{retry}"' in page

    monkeypatch.undo()  # the table builds again
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry)
    assert response.status_code == 302
    export.refresh_from_db()
    assert export.status == Export.Status.READY
    assert without_codes(csv_rows(download(client, export))[1:]) == in_ukrainian(EXACT)


def test_an_export_that_has_not_failed_cannot_be_asked_for_again(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    _response, export, _ = ask(client, world, django_capture_on_commit_callbacks)
    response = client.post(reverse("dashboards:export_retry", args=[export.pk]), follow=True)
    assert "Only an export that failed" in response.content.decode() or (
        "Повторно замовити" in response.content.decode()
    )
    export.refresh_from_db()
    assert export.status == Export.Status.READY


def test_the_limit_counts_only_exports_that_can_still_finish(coordinator, world):
    def make(status, **fields):
        return Export.objects.create(
            programme=world, kind="table_csv", period_start=datetime.date(2024, 1, 1),
            period_end=datetime.date(2024, 3, 31), requested_by=coordinator, status=status,
            **fields,
        )  # fmt: skip

    long_ago = timezone.now() - datetime.timedelta(hours=2)
    for _ in range(3):
        make(Export.Status.FAILED)
        make(Export.Status.RUNNING, started_at=long_ago)  # its worker died
    ask_for = dict(
        programme=world, kind="table_csv", start=datetime.date(2024, 1, 1),
        end=datetime.date(2024, 3, 31), by=coordinator,
    )  # fmt: skip
    services.export_request(**ask_for)
    make(Export.Status.RUNNING, started_at=timezone.now())
    make(Export.Status.QUEUED)
    with pytest.raises(ValidationError):
        services.export_request(**ask_for)


# --- the marks in every output ----------------------------------------------------------------


def test_every_output_for_a_donor_marks_a_complement_x_and_a_small_count_less_than_five(
    as_user, donor, world, django_capture_on_commit_callbacks
):
    """In March 2024 Berdychivska's 7 people at the February meeting were 5 women and 2 men: the
    2 is small ("<5") and the 5 women are withheld only to protect it ("x"). The same marks, and
    their legend, in the page, the CSV, the XLSX and the PDF."""
    client = as_user(donor)
    legend = ("<5 —", "x —")

    page = client.get(reverse("dashboards:dashboard", args=[world.pk])).content.decode()
    assert all(html_legend in page for html_legend in ('<dt class="d-inline fw-semibold">&lt;5',
               '<dt class="d-inline fw-semibold">x'))  # fmt: skip
    # A share of few members is withheld as "x", never "<5%".
    assert "&lt;5%" not in page and "x%" not in page

    _response, csv_export, _ = ask(client, world, django_capture_on_commit_callbacks)
    rows = csv_rows(download(client, csv_export))
    berdychiv = next(r for r in rows if [r[0], r[3]] == ["Бердичівська", "2024-02"])
    assert berdychiv[9:11] == ["x", "<5"]
    assert [r[0][: len(mark)] for r, mark in zip(rows[-2:], legend, strict=True)] == list(legend)

    _response, xlsx_export, _ = ask(
        client, world, django_capture_on_commit_callbacks, kind="table_xlsx"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, xlsx_export))).active
    values = list(sheet.iter_rows(values_only=True))
    berdychiv = next(r for r in values if (r[0], r[3]) == ("Бердичівська", "2024-02"))
    assert berdychiv[9:11] == ("x", "<5")
    assert [r[0][: len(mark)] for r, mark in zip(values[-2:], legend, strict=True)] == list(legend)

    _response, pdf_export, _ = ask(
        client, world, django_capture_on_commit_callbacks, kind="report_pdf"
    )
    text, _pages = pdf_text(download(client, pdf_export))
    flat = " ".join(text)
    assert all(mark in flat for mark in legend)
    assert "<5%" not in flat


def test_the_whole_compliance_grid_is_an_export_in_words(
    as_user, coordinator, world, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    _response, export, _ = ask(client, world, django_capture_on_commit_callbacks, kind="grid_csv")
    export.refresh_from_db()
    assert export.status == Export.Status.READY, export.error
    rows = csv_rows(download(client, export))
    assert rows[0][3:6] == ["2024-01", "2024-02", "2024-03"]
    by_community = {row[0]: row[3:6] for row in rows[1:]}
    assert set(by_community) == {"Андрушівська", "Бердичівська"}
    with translation.override("uk"):
        from meetings.selectors import LABELS

        words = {str(label) for label in LABELS.values()}
    assert all(cell in words for cells in by_community.values() for cell in cells)
    # No code reaches the file.
    assert not {"held", "missed", "not_expected"} & {c for r in rows for c in r}
