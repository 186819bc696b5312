"""Donors receive aggregates only. On the demo data, a donor follows every link and HTMX
fragment they can reach, opens the dashboard for every community and several periods, and
downloads the indicator table (CSV, XLSX) and the progress report (PDF): no person's name,
phone or email and no veteran organisation's contact is anywhere in them, and counts of
people from 1 to 4 are shown as "<5"."""

import csv
import datetime
import html
import io
import itertools
import json
import re
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlencode, urljoin, urlsplit

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from accounts.models import User
from cohesion.storage import private_storage
from communities.models import Community, Programme
from dashboards import exports
from dashboards.indicators import BY_CODE, INDICATORS
from dashboards.models import Export
from dashboards.presenters import PARTS_OF_PARTICIPANTS
from engagement.models import VeteranOrganisation
from tests.conftest import give_totp
from tests.factories import MeetingFactory, MembershipFactory, PersonFactory, WorkingGroupFactory
from workinggroups.models import GroupStatusChange, Person

pytestmark = pytest.mark.django_db

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SMALL = {"1", "2", "3", "4"}
PAGE_LIMIT = 400
# Where a crawler must not go: signing out would end the visit, switching the language is a
# POST anyway, and static files name no one.
SKIP = ("/accounts/logout/", "/i18n/", "/static/")
LINK = re.compile(r'\s(?:href|hx-get)="([^"]*)"')
JSON_SCRIPT = re.compile(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', re.S)
INDICATOR = re.compile(
    r'data-indicator="(\w+)">\s*<div[^>]*><span[^>]*>[^<]*</span>\s*'
    r'<span class="fw-semibold">([^<]*)'
)
CELL = re.compile(r'<td class="text-end(?: fw-semibold)?">([^<]*)</td>')
PERSONAL = [indicator.code for indicator in INDICATORS if indicator.personal]
PERSONAL_COLUMNS = ["attendances", "participants", "women", "youth", "event_attendances"]


@pytest.fixture(scope="module")
def demo(demo_snapshot, django_db_blocker):
    """The demo data (seeded once per run: tests/conftest.py) in a transaction rolled back at
    the module's end; each test runs in a savepoint of its own.

    The demo people have no email and most veteran organisations no contact: everyone gets
    one, so that the search below has something to find."""
    with django_db_blocker.unblock(), demo_snapshot.restored():
        people = list(Person.objects.all())
        for person in people:
            person.email = f"member.{person.pk}@hromada.example"
        Person.objects.bulk_update(people, ["email"])
        for index, entry in enumerate(VeteranOrganisation.objects.order_by("pk")):
            entry.contact_name = entry.contact_name or f"Остап Ветеранчук-{index}"
            entry.contact_phone = entry.contact_phone or f"+38093555000{index}"
            entry.contact_email = f"veterans.{index}@example.org"
            entry.save(update_fields=["contact_name", "contact_phone", "contact_email"])
        programme = Programme.objects.get(title_en__startswith="Increasing Local Social Cohesion")
        coordinator = give_totp(User.objects.get(email="coordinator@cohesion.example"))
        yield SimpleNamespace(
            programme=programme,
            donor=User.objects.get(email="donor@cohesion.example"),
            coordinator=coordinator,
            communities=list(
                Community.objects.filter(working_groups__programme=programme).order_by("pk")
            ),
            secrets=secrets(),
        )


def secrets() -> list[str]:
    """Everything that names or reaches a person: every person's full name, phone and email,
    and every veteran organisation's contact."""
    found = set()
    for row in Person.objects.values_list("full_name", "phone", "email"):
        found.update(row)
    for row in VeteranOrganisation.objects.values_list(
        "contact_name", "contact_phone", "contact_email"
    ):
        found.update(row)
    found.discard("")
    found.discard(None)
    return sorted(found)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_HASHER


@pytest.fixture(autouse=True)
def _export_files(private_media, monkeypatch):
    """Export files in the test's private media: the field built its storage at import."""
    monkeypatch.setattr(Export._meta.get_field("file"), "storage", private_storage())


@pytest.fixture
def english(client):
    """Pages in English: the demo accounts have no saved language, so the cookie decides."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def _language_restored():
    """A request leaves its language active in the thread: the next test gets back the one
    it had."""
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture
def donor_client(demo, as_user, english):
    return as_user(demo.donor)


# --- reading what a response shows ----------------------------------------------------------


@dataclass
class Fetched:
    status: int
    content_type: str
    body: bytes
    location: str = ""

    @property
    def is_html(self) -> bool:
        return self.content_type.startswith("text/html")

    def text(self) -> str:
        """What a reader can get out of the response, decoded whatever its type."""
        if self.content_type.startswith("text/html"):
            page = self.body.decode()
            # JSON in the page escapes non-ASCII letters: read it as the browser does.
            data = [strings(json.loads(html.unescape(b))) for b in JSON_SCRIPT.findall(page)]
            return "\n".join([html.unescape(page), *data])
        if self.content_type.startswith("text/csv"):
            return self.body.decode("utf-8-sig")
        if "spreadsheetml" in self.content_type:
            book = openpyxl.load_workbook(io.BytesIO(self.body))
            return "\n".join(
                str(value)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
                for value in row
                if value is not None
            )
        if self.content_type.startswith("application/pdf"):
            return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(self.body)).pages)
        if self.content_type.startswith("application/json"):
            return strings(json.loads(self.body))
        return self.body.decode(errors="replace")


def strings(value) -> str:
    if isinstance(value, dict):
        return "\n".join(f"{key}\n{strings(item)}" for key, item in value.items())
    if isinstance(value, list):
        return "\n".join(strings(item) for item in value)
    return "" if value is None else str(value)


def fetch(client, url: str) -> Fetched:
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return Fetched(
        response.status_code, response.get("Content-Type", ""), body, response.get("Location", "")
    )


def same_site(base: str, href: str) -> str | None:
    parts = urlsplit(urljoin(f"http://testserver{base}", html.unescape(href)))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    if parts.path.startswith(SKIP):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start: list[str]) -> dict[str, Fetched]:
    """Every page, fragment and file reachable by GET from `start`, following links, HTMX
    requests and redirects, up to PAGE_LIMIT."""
    seen: dict[str, Fetched] = {}
    queue = list(start)
    while queue and len(seen) < PAGE_LIMIT:
        url = queue.pop(0)
        if url in seen:
            continue
        fetched = seen[url] = fetch(client, url)
        if fetched.status in (301, 302):
            targets = [fetched.location]
        elif fetched.status == 200 and fetched.is_html:
            targets = LINK.findall(fetched.body.decode())
        else:
            continue
        for target in targets:
            link = same_site(url, target)
            if link is not None and link not in seen:
                queue.append(link)
    return seen


def indicators(page: str) -> dict[str, str]:
    """Each indicator's figure as the dashboard shows it: "126", "<5", "54%", "—"."""
    return {code: html.unescape(value).strip() for code, value in INDICATOR.findall(page)}


def leaks(text: str, secrets: list[str], *, squeeze=False) -> list[str]:
    """The secrets found in `text`; with `squeeze`, also across the line breaks a PDF puts
    into long table cells."""
    found = [secret for secret in secrets if secret in text]
    if squeeze:
        flat = re.sub(r"\s+", "", text)
        found += [s for s in secrets if s not in found and re.sub(r"\s+", "", s) in flat]
    return found


def dashboard_urls(demo) -> list[str]:
    """The dashboard for every community and the whole programme, over several periods."""
    base = reverse("dashboards:dashboard", args=[demo.programme.pk])
    periods = [{}, *({"start": s, "end": e} for s, e in PERIODS)]
    urls = []
    for period in periods:
        for community in [None, *demo.communities]:
            query = {**period, **({"community": community.pk} if community else {})}
            urls.append(f"{base}?{urlencode(query)}" if query else base)
    return urls


PERIODS = [
    ("2020-03", "2020-03"),
    ("2020-01", "2020-06"),
    ("2020-06", "2020-09"),
    ("2021-01", "2021-04"),
]


def ask_export(client, programme, capture, **fields):
    """POSTs an export request (built eagerly once the request commits); the new export."""
    data = {"kind": "table_csv", "start": "2020-01", "end": "2021-04", "language": "en"}
    data.update(fields)
    before = set(Export.objects.values_list("pk", flat=True))
    with capture(execute=True):
        response = client.post(reverse("dashboards:exports", args=[programme.pk]), data)
    assert response.status_code == 302, response.content[:2000]
    export = Export.objects.exclude(pk__in=before).get()
    assert export.status == Export.Status.READY, export.error
    return export


def table_columns(rows: list[list]) -> dict[str, list]:
    """The personal columns of an exported table, found by their English header."""
    with translation.override("en"):
        labels = dict(exports.columns())
    header = [str(label) for label in rows[0]]
    # The table ends at the blank row above the legend of the marks.
    body = list(itertools.takewhile(any, rows[1:]))
    return {key: [row[header.index(labels[key])] for row in body] for key in PERSONAL_COLUMNS}


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(body: bytes) -> list[list[str]]:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [
        ["" if value is None else str(value) for value in row]
        for row in sheet.iter_rows(values_only=True)
    ]


def assert_no_small_counts(columns: dict[str, list]) -> None:
    for key, values in columns.items():
        assert not SMALL & {str(value) for value in values}, (key, values)
    shown = [value for values in columns.values() for value in values]
    assert "<5" in shown  # the demo has small counts: they are there, hidden


# --- no name, phone or email anywhere -------------------------------------------------------


def test_donor_finds_no_name_phone_or_email_on_any_page_fragment_or_export(
    demo, donor_client, django_capture_on_commit_callbacks
):
    client = donor_client
    programme = demo.programme
    community = demo.communities[0]
    for fields in (
        {"kind": "table_csv"},
        {"kind": "table_xlsx"},
        {"kind": "report_pdf"},
        {"kind": "report_pdf", "community": community.pk, "language": "uk"},
        {"kind": "table_csv", "community": community.pk, "language": "uk"},
    ):
        ask_export(client, programme, django_capture_on_commit_callbacks, **fields)
    start = ["/", *dashboard_urls(demo), reverse("dashboards:exports", args=[programme.pk])]

    found = crawl(client, start)

    assert len(found) > 150, len(found)  # the crawl went everywhere, not nowhere
    assert not [url for url, fetched in found.items() if fetched.status >= 500]
    kinds = [fetched.content_type.split(";")[0] for fetched in found.values()]
    assert kinds.count("text/csv") == 2
    assert kinds.count("application/pdf") == 2
    assert kinds.count("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") == 1
    assert any("/status/" in url for url in found)  # HTMX fragments were followed too
    reached = {url for url, fetched in found.items() if fetched.status == 200}
    for group in programme.working_groups.all():
        assert group.get_absolute_url() in reached, group
    leaked = {}
    for url, fetched in found.items():
        if fetched.status != 200:
            continue
        text = fetched.text()
        found_here = leaks(text, demo.secrets, squeeze=fetched.content_type == "application/pdf")
        if found_here:
            leaked[url] = found_here
        if fetched.is_html:
            assert "mailto:" not in text, url
            assert 'href="tel:' not in text, url
    assert leaked == {}


def test_the_search_finds_the_names_a_coordinator_is_shown(demo, as_user, english):
    # The same reading and search, on pages and files that do name people: a search that
    # finds nothing there would prove nothing above.
    client = as_user(demo.coordinator)
    group = demo.programme.working_groups.order_by("pk").first()
    names = set(group.memberships.values_list("person__full_name", flat=True))
    for url in (
        group.get_absolute_url(),
        reverse("workinggroups:group_export", args=[group.pk, "csv"]),
        reverse("workinggroups:group_export", args=[group.pk, "xlsx"]),
    ):
        fetched = fetch(client, url)
        assert fetched.status == 200, url
        assert names <= set(leaks(fetched.text(), demo.secrets)), url


# --- small counts ---------------------------------------------------------------------------


def test_donor_dashboard_shows_small_people_counts_as_less_than_five(demo, donor_client):
    hidden = 0
    for url in dashboard_urls(demo):
        response = donor_client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        raw = response.context["data"].values
        shown = indicators(page)
        assert set(shown) == set(BY_CODE), url
        for code in PERSONAL:
            value = shown[code]
            assert value not in SMALL, (url, code, value)
            small_rest = code in PARTS_OF_PARTICIPANTS and 0 < raw["participants"] - raw[code] < 5
            if 0 < raw[code] < 5:
                assert value == "<5", (url, code, raw[code], value)
                hidden += 1
            elif small_rest:
                # Withheld to protect the small rest: "x", never a range it is not in.
                assert value == "x", (url, code, raw[code], value)
                hidden += 1
        people = page[page.index('id="chart-people-title"') :]
        people = people[: people.index("</table>")]
        categories = page[page.index('id="categories-title"') :]
        categories = categories[: categories.index("</table>")]
        for table in (people, categories):
            assert not SMALL & set(CELL.findall(table)), url
        charts = json.loads(html.unescape(JSON_SCRIPT.search(page).group(1)))
        for series in charts["people"]["series"]:
            assert not {1, 2, 3, 4} & set(series["data"]), (url, series)
    assert hidden > 10  # the demo has small counts in many places


def test_donor_is_not_served_the_dashboard_a_coordinator_saw_with_exact_counts(
    demo, as_user, english
):
    # The rendered body is cached with the figures: a coordinator's exact page must not be
    # what the donor gets next.
    urls = dashboard_urls(demo)
    coordinator_pages = [as_user(demo.coordinator).get(url) for url in urls]
    assert any(
        indicators(page.content.decode())[code] in SMALL
        for page in coordinator_pages
        for code in PERSONAL
    )
    client = as_user(demo.donor)
    for url in urls:
        shown = indicators(client.get(url).content.decode())
        for code in PERSONAL:
            assert shown[code] not in SMALL, (url, code, shown[code])


def test_donor_table_exports_never_show_one_to_four_people(
    demo, donor_client, django_capture_on_commit_callbacks
):
    programme = demo.programme
    for kind, read in (("table_csv", csv_rows), ("table_xlsx", xlsx_rows)):
        export = ask_export(donor_client, programme, django_capture_on_commit_callbacks, kind=kind)
        assert export.suppressed is True
        body = fetch(donor_client, reverse("dashboards:export_download", args=[export.pk])).body
        assert_no_small_counts(table_columns(read(body)))


def test_donor_table_of_one_community_never_shows_one_to_four_people(
    demo, donor_client, django_capture_on_commit_callbacks
):
    for community in demo.communities:
        export = ask_export(
            donor_client,
            demo.programme,
            django_capture_on_commit_callbacks,
            community=community.pk,
            start="2020-01",
            end="2020-12",
        )
        body = fetch(donor_client, reverse("dashboards:export_download", args=[export.pk])).body
        for key, values in table_columns(csv_rows(body)).items():
            assert not SMALL & set(values), (community.name_en, key, values)


def test_donor_pdf_report_never_shows_one_to_four_people(
    demo, donor_client, django_capture_on_commit_callbacks
):
    with translation.override("en"):
        personal = [str(i.label) for i in INDICATORS if i.personal]
        sexes = [str(label) for _code, label in Person.Sex.choices] + ["Total"]
    checked = 0
    for community in (None, *demo.communities[:2]):
        fields = {"kind": "report_pdf"} | ({"community": community.pk} if community else {})
        export = ask_export(
            donor_client, demo.programme, django_capture_on_commit_callbacks, **fields
        )
        body = fetch(donor_client, reverse("dashboards:export_download", args=[export.pk])).body
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
        for line in text.splitlines():
            label = next(
                (label for label in personal + sexes if line.startswith(label + " ")), None
            )
            if label is None:
                continue
            figures = line[len(label) :].split()
            assert not SMALL & set(figures), line
            checked += 1
    assert checked >= 3 * (len(personal) + len(sexes))


# --- a coordinator's exports ----------------------------------------------------------------


def test_coordinators_export_for_donors_is_protected_and_reaches_the_donor(
    demo, as_user, english, django_capture_on_commit_callbacks
):
    coordinator = as_user(demo.coordinator)
    export = ask_export(
        coordinator, demo.programme, django_capture_on_commit_callbacks, for_donors="1"
    )
    assert export.suppressed is True
    donor = as_user(demo.donor)
    page = donor.get(reverse("dashboards:exports", args=[demo.programme.pk])).text
    download = reverse("dashboards:export_download", args=[export.pk])
    assert f'href="{download}"' in page
    assert_no_small_counts(table_columns(csv_rows(fetch(donor, download).body)))


def test_coordinators_exact_export_is_not_listed_for_nor_downloadable_by_the_donor(
    demo, as_user, english, django_capture_on_commit_callbacks
):
    coordinator = as_user(demo.coordinator)
    export = ask_export(coordinator, demo.programme, django_capture_on_commit_callbacks)
    assert export.suppressed is False
    download = reverse("dashboards:export_download", args=[export.pk])
    exact = table_columns(csv_rows(fetch(coordinator, download).body))
    assert SMALL & set(exact["participants"])  # it really has the small counts
    assert (
        "exact counts: not for donors"
        in coordinator.get(reverse("dashboards:exports", args=[demo.programme.pk])).text
    )

    donor = as_user(demo.donor)
    page = donor.get(reverse("dashboards:exports", args=[demo.programme.pk])).text
    assert download not in page
    assert "exact counts" not in page
    assert donor.get(download).status_code == 404
    assert donor.get(reverse("dashboards:export_status", args=[export.pk])).status_code == 404


def test_donor_cannot_ask_for_an_exact_export(
    demo, donor_client, django_capture_on_commit_callbacks
):
    page = donor_client.get(reverse("dashboards:exports", args=[demo.programme.pk])).text
    assert 'name="for_donors"' not in page
    export = ask_export(
        donor_client, demo.programme, django_capture_on_commit_callbacks, for_donors=""
    )
    assert export.suppressed is True


# --- what the shares give away --------------------------------------------------------------


def test_donor_cannot_work_out_a_hidden_count_of_women_from_their_share(
    as_user, donor, programme, english
):
    # 13 people, 11 of them women, meet once: the dashboard hides the 11 (the 2 men would be
    # 13 - 11). The share of women among the members, 85%, must not give it back: 11 is the
    # only count of 13 that rounds to 85%.
    group = WorkingGroupFactory(programme=programme, status="active")
    GroupStatusChange.objects.create(
        group=group, status="active", changed_on=programme.start_date, reason="launch"
    )
    people = [PersonFactory(sex="female", birth_year=1970) for _ in range(11)]
    people += [PersonFactory(sex="male", birth_year=1970) for _ in range(2)]
    for person in people:
        MembershipFactory(group=group, person=person, joined_on=programme.start_date)
    when = timezone.make_aware(
        datetime.datetime.combine(datetime.date(2023, 2, 14), datetime.time(15))
    )
    MeetingFactory(group=group, starts_at=when, status="held")

    response = as_user(donor).get(reverse("dashboards:dashboard", args=[programme.pk]))
    shown = indicators(response.text)
    assert shown["participants"] == "13"
    # 11 is not a small count: withheld for the 2, and marked "x", as is the share.
    assert shown["participants_women"] == "x"
    assert shown["women_share"] == "x"
    share = shown["women_share"].rstrip("%")
    if share.isdigit():
        consistent = [w for w in range(14) if round(100 * w / 13) == int(share)]
        assert len(consistent) > 1, f"{share}% of 13 people can only be {consistent} women"
