"""The public site, for visitors who never sign in: the list of public programmes, a
programme's page (what it does, where and with whom, meetings held per month, trainings and
visits, approved plans when the programme publishes them), the plans' PDFs and the privacy
notice. Ukrainian by default, English with the language cookie, the same queries however big
the programme, cached by the browser only, and nobody's name or contact anywhere."""

import datetime
import html
import re
from types import SimpleNamespace
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from communities.models import Organisation, Programme
from engagement.models import VeteranOrganisation
from safetyplans import services as plan_services
from safetyplans.models import PlanDocument, PlanVersion
from tests.factories import (
    EnrolmentFactory,
    EventFactory,
    MeetingFactory,
    OrganisationFactory,
    ParticipantFactory,
    ProgrammeFactory,
    WorkingGroupFactory,
    plan_in_state,
)
from workinggroups.models import Person

pytestmark = pytest.mark.django_db

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STUB_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
MONTH_ROW = re.compile(
    r'<th scope="row"[^>]*>([^<]+)</th><td[^>]*><span[^>]*></span></td>'
    r'<td class="text-end">(\d+)</td>'
)


@pytest.fixture(autouse=True, scope="module")
def _fast_passwords():
    # The role fixtures set passwords; the production hasher would dominate the run.
    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        yield


@pytest.fixture(autouse=True)
def _language_restored():
    """A request leaves its language active in the thread: the next test gets back its own."""
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture(autouse=True)
def plan_media(private_media, monkeypatch):
    """Plan PDFs in the test's private media: the field built its storage at import time."""
    from cohesion.storage import private_storage

    for model, name in ((PlanDocument, "file"), (PlanVersion, "decision_file")):
        monkeypatch.setattr(model._meta.get_field(name), "storage", private_storage())
    return private_media


@pytest.fixture
def public(programme):
    """The `programme` (2023–2024, ended) on the public site, with a summary and two donors."""
    programme.is_public = True
    programme.summary_uk = "Програма зміцнює згуртованість громад і громадську безпеку."
    programme.summary_en = "The programme strengthens community cohesion and public safety."
    programme.save(update_fields=["is_public", "summary_uk", "summary_en"])
    programme.donors.add(
        OrganisationFactory(
            kind=Organisation.Kind.DONOR,
            name_uk="Королівство Нідерландів",
            name_en="Kingdom of the Netherlands",
        ),
        OrganisationFactory(
            kind=Organisation.Kind.DONOR, name_uk="Фонд Добра", name_en="Goodwill Fund"
        ),
    )
    return programme


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page_url(programme) -> str:
    return reverse("participation:programme", args=[programme.pk])


def ukrainian(msgid: str) -> str:
    """The Ukrainian of an English message. Fails when the catalogue has none: the page would
    then show English to a reader who was promised Ukrainian."""
    with translation.override("uk"):
        text = gettext(msgid)
    assert text != msgid, f"no Ukrainian translation for {msgid!r}"
    return text


def at_kyiv(day: datetime.date, hour: int = 15, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def ready(document: PlanDocument) -> PlanDocument:
    plan_services.document_store(document, STUB_PDF)
    document.refresh_from_db()
    return document


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- anyone may read them -------------------------------------------------------------------


def test_anonymous_visitor_reads_the_list_of_public_programmes(client, public, other_programme):
    response = client.get(reverse("participation:programmes"))

    assert response.status_code == 200
    assert public.title_uk in response.text
    assert other_programme.title_uk not in response.text  # not public


def test_anonymous_visitor_reads_a_public_programmes_page(client, public):
    response = client.get(page_url(public))

    assert response.status_code == 200
    assert public.title_uk in response.text


def test_programme_not_on_the_public_site_is_not_found(client, public, other_programme):
    assert client.get(page_url(other_programme)).status_code == 404
    assert client.get(reverse("participation:programme", args=[987654])).status_code == 404


def test_anonymous_visitor_reads_the_privacy_notice(client, db):
    response = client.get(reverse("participation:privacy"))

    assert response.status_code == 200
    assert str(settings.APPLICATION_RETENTION_DAYS) in response.text


def test_public_pages_are_in_ukrainian_by_default(client, public):
    pages = {
        reverse("participation:programmes"): (
            "Community working groups on social cohesion and public safety"
        ),
        page_url(public): "What the programme does",
        reverse("participation:privacy"): "Privacy notice",
    }
    for url, heading in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="uk">' in response.text, url
        assert ukrainian(heading) in response.text, url
        assert heading not in response.text, url
    assert public.title_uk in client.get(page_url(public)).text


def test_public_pages_are_in_english_with_the_language_cookie(english, public):
    pages = {
        reverse("participation:programmes"): (
            "Community working groups on social cohesion and public safety"
        ),
        page_url(public): "What the programme does",
        reverse("participation:privacy"): "Privacy notice",
    }
    for url, heading in pages.items():
        response = english.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en">' in response.text, url
        assert heading in response.text, url
    page = english.get(page_url(public)).text
    assert public.title_en in page
    assert public.title_uk not in page


# --- what a programme's page shows ----------------------------------------------------------


def test_programme_page_shows_purpose_period_partner_and_donors(english, public):
    page = html.unescape(english.get(page_url(public)).text)

    assert "The programme strengthens community cohesion and public safety." in page
    assert "1 January 2023 – 31 December 2024" in page
    assert public.implementing_partner.name_en in page
    assert "Kingdom of the Netherlands" in page
    assert "Goodwill Fund" in page


def shown_statuses(page: str, groups) -> list[str]:
    """The status badge beside each group's community in the page's list of communities."""
    communities = page[page.index('id="communities-title"') :]
    shown = []
    for group in groups:
        row = re.search(
            rf"{re.escape(group.community.full_name)} <span class=\"badge[^\"]*\">([^<]+)</span>",
            communities,
        )
        assert row is not None, group.community.name_en
        shown.append(row.group(1))
    return shown


def test_programme_page_lists_communities_with_their_group_status(english, public):
    today = timezone.localdate()
    Programme.objects.filter(pk=public.pk).update(end_date=today + datetime.timedelta(days=200))
    active = WorkingGroupFactory(programme=public, status="active")
    ceased = WorkingGroupFactory(programme=public, status="ceased")
    elsewhere = WorkingGroupFactory(status="active")  # another programme's group

    page = english.get(page_url(public)).text

    assert shown_statuses(page, [active, ceased]) == ["Active", "Ceased"]
    assert "running" in page
    assert elsewhere.community.name_en not in page


def test_a_completed_programme_says_when_it_was_completed_and_never_active(english, public):
    # `public` ended on 31 December 2024; one group's outcome is not recorded yet.
    continuing = WorkingGroupFactory(programme=public, status="independent")
    closed = WorkingGroupFactory(programme=public, status="ceased")
    unrecorded = WorkingGroupFactory(programme=public, status="active")

    page = html.unescape(english.get(page_url(public)).text)

    assert "completed on 31 December 2024" in page
    assert shown_statuses(page, [continuing, closed, unrecorded]) == [
        "Continues on its own",
        "Ceased",
        "Programme completed",
    ]
    assert ">Active<" not in page and "running" not in page
    assert "Become a participant" not in page
    listing = html.unescape(english.get(reverse("participation:programmes")).text)
    assert "completed on 31 December 2024" in listing


def test_programme_page_counts_meetings_held_per_month(english, public, group):
    # The programme ended on 31 December 2024: the page shows January to December 2024.
    second = WorkingGroupFactory(programme=public)
    stranger = WorkingGroupFactory(status="active")
    held = [
        (group, at_kyiv(datetime.date(2023, 12, 15))),  # before the twelve months shown
        (group, at_kyiv(datetime.date(2024, 1, 10))),
        (group, at_kyiv(datetime.date(2024, 3, 5))),
        (group, at_kyiv(datetime.date(2024, 3, 20))),
        # Both of these are 31 March in UTC: Kyiv time decides the month.
        (group, at_kyiv(datetime.date(2024, 3, 31), 23, 30)),
        (group, at_kyiv(datetime.date(2024, 4, 1), 0, 30)),
        (second, at_kyiv(datetime.date(2024, 6, 1))),
        (stranger, at_kyiv(datetime.date(2024, 3, 10))),  # another programme
    ]
    for meeting_group, when in held:
        MeetingFactory(group=meeting_group, starts_at=when, status="held")
    MeetingFactory(
        group=group,
        starts_at=at_kyiv(datetime.date(2024, 4, 10)),
        status="cancelled",
        status_reason="air_raid",
    )
    MeetingFactory(group=group, starts_at=at_kyiv(datetime.date(2024, 5, 10)))  # planned

    page = english.get(page_url(public)).text

    expected = dict.fromkeys(
        [datetime.date(2024, month, 1).strftime("%B 2024") for month in range(1, 13)], 0
    )
    expected.update({"January 2024": 1, "March 2024": 3, "April 2024": 1, "June 2024": 1})
    shown = {month: int(n) for month, n in MONTH_ROW.findall(page)}
    assert shown == expected


def held_event(programme, title: str, day: datetime.date, **fields):
    return EventFactory(programme=programme, title=title, starts_on=day, ends_on=day, **fields)


def test_programme_page_lists_held_events_with_participant_counts_hiding_small_ones(
    english, public
):
    few = held_event(public, "Тренінг з медіації", datetime.date(2024, 5, 1))
    for _ in range(3):
        ParticipantFactory(event=few)
    for _ in range(2):
        ParticipantFactory(event=few, attendance="absent")
    many = held_event(public, "Обмінний візит", datetime.date(2024, 6, 1), kind="exchange_visit")
    for _ in range(7):
        ParticipantFactory(event=many)
    nobody = held_event(public, "Форум без списку", datetime.date(2024, 7, 1))
    planned = held_event(
        public, "Запланований тренінг", datetime.date(2024, 8, 1), status="planned"
    )
    elsewhere = EventFactory(title="Тренінг іншої програми")

    page = html.unescape(english.get(page_url(public)).text)
    section = page[page.index('id="events-title"') :]
    section = section[: section.index("</ul>")]
    items = dict(re.findall(r"<strong>([^<]+)</strong>(.*?)</li>", section, re.S))

    assert set(items) == {few.title, many.title, nobody.title}
    assert "<5 participants" in items[few.title]
    assert "3 participants" not in items[few.title]
    assert "7 participants" in items[many.title]
    assert "Exchange visit" in items[many.title]
    assert "participants" not in items[nobody.title]
    assert many.host_community.full_name in items[many.title]
    assert planned.title not in page
    assert elsewhere.title not in page


def test_programme_page_links_approved_plans_only_when_the_programme_publishes_them(
    english, public, group, other_group, coordinator
):
    plan, _version = plan_in_state("approved", group=group, by=coordinator)
    draft, _draft_version = plan_in_state("draft", group=other_group, by=coordinator)
    link = reverse("participation:plan_pdf", args=[plan.pk])

    page = english.get(page_url(public)).text
    assert 'id="plans-title"' not in page
    assert link not in page

    Programme.objects.filter(pk=public.pk).update(publishes_plans=True)
    cache.clear()  # the page's heavy part is cached for five minutes
    page = english.get(page_url(public)).text
    assert f'href="{link}"' in page
    assert f"{group.community.full_name}, 2024–2024" in page
    assert "01.02.2024" in page  # the decision date
    assert reverse("participation:plan_pdf", args=[draft.pk]) not in page


def test_published_plan_pdf_is_served_when_the_document_is_ready(
    client, public, group, coordinator
):
    Programme.objects.filter(pk=public.pk).update(publishes_plans=True)
    plan, version = plan_in_state("approved", group=group, by=coordinator)
    url = reverse("participation:plan_pdf", args=[plan.pk])
    document = version.documents.get(language="uk")

    assert client.get(url).status_code == 404  # queued, not rendered yet

    ready(document)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert body(response) == STUB_PDF


def test_plan_pdf_is_not_found_when_the_programme_does_not_publish_plans(
    client, public, other_programme, group, coordinator
):
    plan, version = plan_in_state("approved", group=group, by=coordinator)
    ready(version.documents.get(language="uk"))
    url = reverse("participation:plan_pdf", args=[plan.pk])

    assert client.get(url).status_code == 404  # public, but not publishing plans

    Programme.objects.filter(pk=public.pk).update(is_public=False, publishes_plans=True)
    assert client.get(url).status_code == 404  # publishing, but not public


def test_plan_pdf_is_not_found_for_a_plan_not_approved(client, public, group, coordinator):
    Programme.objects.filter(pk=public.pk).update(publishes_plans=True)
    plan, _version = plan_in_state("in_review", group=group, by=coordinator)

    assert client.get(reverse("participation:plan_pdf", args=[plan.pk])).status_code == 404


def test_programme_page_shows_the_apply_button_only_while_the_programme_runs(client, public):
    apply = reverse("participation:apply", args=[public.pk])
    assert apply not in client.get(page_url(public)).text  # ended in 2024

    today = timezone.localdate()
    Programme.objects.filter(pk=public.pk).update(end_date=today + datetime.timedelta(days=90))
    assert f'href="{apply}"' in client.get(page_url(public)).text


# --- cost and caching -----------------------------------------------------------------------


def fill(programme, coordinator, start: int, stop: int) -> None:
    """Rows `start` to `stop - 1`: each a group in a community of its own with a held meeting
    and an approved plan, and a held training with a participant."""
    for i in range(start, stop):
        group = WorkingGroupFactory(programme=programme, status="active")
        day = datetime.date(2024, 1 + i % 12, 1 + i % 27)
        MeetingFactory(group=group, starts_at=at_kyiv(day), status="held")
        plan_in_state("approved", group=group, by=coordinator)
        event = EventFactory(programme=programme, starts_on=day, ends_on=day)
        ParticipantFactory(event=event)


def queries(client, url) -> tuple[int, str]:
    cache.clear()  # measure the page as rendered, not as cached
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.text


def test_programme_page_costs_the_same_queries_with_1_and_with_30_groups_meetings_and_events(
    client, public, coordinator
):
    Programme.objects.filter(pk=public.pk).update(publishes_plans=True)
    url = page_url(public)
    fill(public, coordinator, 0, 1)
    client.get(url)  # warm what every first request fills

    # The programme; the version of its figures; meetings per month; and, in the cached
    # fragment: donors, held events
    # with their participant counts, approved plans, groups with their communities.
    one, page = queries(client, url)
    assert len(re.findall(r'href="/p/plans/\d+\.pdf"', page)) == 1

    fill(public, coordinator, 1, 30)
    many, page = queries(client, url)
    assert len(re.findall(r'href="/p/plans/\d+\.pdf"', page)) == 30
    assert page.count("list-group-item d-flex") == 30
    assert many == one
    assert one <= 7


def fragment(page: str) -> str:
    """The cached part of a programme's page."""
    return page[page.index('id="about-title"') : page.index("</aside>")]


def test_second_request_for_a_programme_page_is_served_with_fewer_queries(
    client, public, group, coordinator
):
    Programme.objects.filter(pk=public.pk).update(publishes_plans=True)
    fill(public, coordinator, 0, 3)
    url = page_url(public)
    client.get(url)

    first, first_page = queries(client, url)  # clears the cache first
    with CaptureQueriesContext(connection) as captured:
        second = client.get(url)

    assert second.status_code == 200
    assert len(captured) < first
    assert fragment(second.text) == fragment(first_page)  # the same groups, events and plans


def test_cached_part_of_a_programme_page_is_kept_per_language(client, public, group):
    WorkingGroupFactory._meta.model.objects.filter(pk=group.pk).update(status="independent")
    client.get(page_url(public))  # cached in Ukrainian

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = fragment(client.get(page_url(public)).text)

    assert "What the programme does" in page
    assert "Continues on its own" in page
    assert public.implementing_partner.name_en in page


def test_list_of_programmes_costs_the_same_queries_with_1_and_with_10_programmes(client, db):
    def add():
        programme = ProgrammeFactory(is_public=True)
        EnrolmentFactory(programme=programme)
        WorkingGroupFactory(programme=programme)
        programme.donors.add(OrganisationFactory(kind=Organisation.Kind.DONOR))

    url = reverse("participation:programmes")
    add()
    client.get(url)
    one, page = queries(client, url)
    assert page.count("<article") == 1
    for _ in range(9):
        add()
    many, page = queries(client, url)
    assert page.count("<article") == 10
    # The programmes with their partner and counts; their donors.
    assert many == one
    assert one <= 2


def test_public_pages_may_be_kept_by_the_browser_but_not_by_shared_caches(
    client, public, group, coordinator
):
    Programme.objects.filter(pk=public.pk).update(publishes_plans=True)
    plan, version = plan_in_state("approved", group=group, by=coordinator)
    ready(version.documents.get(language="uk"))
    for url in (
        reverse("participation:programmes"),
        page_url(public),
        reverse("participation:privacy"),
        reverse("participation:plan_pdf", args=[plan.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert "private" in directives, url
        assert "public" not in directives, url
        assert any(re.fullmatch(r"max-age=[1-9]\d*", d) for d in directives), url


# --- no personal data, anywhere on the public site -----------------------------------------


@pytest.fixture(scope="module")
def demo(demo_snapshot, django_db_blocker):
    """The demo data (seeded once per run: tests/conftest.py) in a transaction rolled back at
    the module's end; each test runs in a savepoint of its own.

    The demo people have no email and most veteran organisations no contact: everyone gets
    one, so that the search has something to find."""
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
        yield SimpleNamespace(
            public=list(Programme.objects.filter(is_public=True).order_by("pk")),
            secrets=secrets(),
        )


def secrets() -> list[str]:
    """Everything that names or reaches a person: every person's full name, phone and email,
    every veteran organisation's contact, and every user's name and email."""
    found = set()
    for row in Person.objects.values_list("full_name", "phone", "email"):
        found.update(row)
    for row in VeteranOrganisation.objects.values_list(
        "contact_name", "contact_phone", "contact_email"
    ):
        found.update(row)
    for row in User.objects.values_list("full_name", "email"):
        found.update(row)
    found.discard("")
    found.discard(None)
    return sorted(found)


SKIP = ("/accounts/", "/admin/", "/i18n/", "/static/")
LINK = re.compile(r'\s(?:href|hx-get|src|action)="([^"]*)"')


def same_site(base: str, href: str) -> str | None:
    parts = urlsplit(urljoin(f"http://testserver{base}", html.unescape(href)))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    if parts.path.startswith(SKIP):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start: str) -> dict[str, tuple[int, str, bytes]]:
    """Every page reachable by GET from `start`, following same-site links and redirects."""
    seen: dict[str, tuple[int, str, bytes]] = {}
    queue = [start]
    while queue and len(seen) < 300:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = (response.status_code, response.get("Content-Type", ""), body(response))
        if response.status_code in (301, 302):
            targets = [response["Location"]]
        elif response.status_code == 200 and seen[url][1].startswith("text/html"):
            targets = LINK.findall(seen[url][2].decode())
        else:
            continue
        queue += [link for t in targets if (link := same_site(url, t)) and link not in seen]
    return seen


@pytest.mark.parametrize("language", ["uk", "en"])
def test_public_site_shows_no_name_phone_or_email_of_anyone(demo, client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    # The published plans' PDFs made ready, so that their links lead somewhere (with a stub:
    # what a plan says is the council's public decision, not this page's business).
    for programme in demo.public:
        if programme.publishes_plans:
            for document in PlanDocument.objects.filter(version__plan__group__programme=programme):
                ready(document)

    found = crawl(client, "/")

    assert not [url for url, (status, _type, _body) in found.items() if status >= 500]
    reached = {url for url, (status, _type, _body) in found.items() if status == 200}
    assert reverse("participation:programmes") in reached
    assert reverse("participation:privacy") in reached
    for programme in demo.public:
        assert page_url(programme) in reached, programme.title_en
    assert any(url.endswith("/apply/") for url in reached)  # the running demo programme
    assert [url for url in reached if found[url][1] == "application/pdf"]  # Zhytomyr's plans
    assert len(demo.secrets) > 500  # the search has hundreds of people to look for
    leaked = {}
    for url in reached:
        _status, content_type, content = found[url]
        if not content_type.startswith("text/html"):
            continue
        page = html.unescape(content.decode())
        here = [secret for secret in demo.secrets if secret in page]
        if here:
            leaked[url] = here
        assert "mailto:" not in page, url
        assert 'href="tel:' not in page, url
    assert leaked == {}
