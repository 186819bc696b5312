"""The protocol of a held meeting: a PDF in the form a council expects, read back with pypdf
(names present and absent with their categories, agenda, what was heard and decided, actions
with owners and due dates, signature lines; Ukrainian, or Ukrainian and English side by side;
no marker of displacement, disability or service); made on a worker, claimed once, retried,
swept; a new version on request. The page and the signed scan: test_protocol_pages."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from meetings import protocols
from meetings.models import Meeting, Protocol
from meetings.protocols import protocol_context, protocol_html, protocol_request
from meetings.services import meeting_log
from meetings.tasks import (
    PROTOCOL_ATTEMPTS,
    PROTOCOL_STALE_AFTER,
    render_protocol,
    render_waiting_protocols,
)
from safetyplans import pdf as pdf_module
from tests.factories import (
    AgendaItemFactory,
    MeetingFactory,
    MembershipFactory,
    PersonFactory,
    category_by_code,
)
from workinggroups.models import Membership, WorkingGroup

pytestmark = pytest.mark.django_db

CHAIR, SECRETARY, MEMBER = "Олена Ковальчук", "Ірина Бондар", "Петро Гуменюк"
ABSENT, EXCUSED = "Марія Левченко", "Андрій Мельник"
ITEMS = ["Освітлення вулиць біля школи", "Ремонт укриття в ліцеї"]
MINUTES = "Виступила Олена Ковальчук щодо ліхтарів."
DECISIONS = ["Звернутися до селищної ради щодо освітлення", "Обстежити укриття до кінця місяця"]
ACTION = "Підготувати лист до військової адміністрації"
# What a protocol must never say about anyone: the person's markers, in both languages, and
# their contacts and year of birth.
MARKERS = [
    "veteran", "serviceperson", "displaced", "disabilit", "ветеран", "військовослужб",
    "переміщ", "ВПО", "інвалідн", "Багатодітний батько", "+380671112233",
    "andrii@example.org", "1979",
]  # fmt: skip
STUB_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)


def seat(group, name, category, role=Membership.Role.MEMBER, **person):
    return MembershipFactory(
        group=group,
        person=PersonFactory(full_name=name, **person),
        category=category_by_code(category),
        role=role,
    )


@pytest.fixture
def held(group, private_media):
    """A meeting held ten days ago, recorded: the chair (the leader), the secretary and a
    member present, one member absent and one excused (a veteran, displaced, with a
    disability: none of which the protocol may say), two agenda items, minutes, two
    decisions, an action, two police officers as guests."""
    group.status = WorkingGroup.Status.ACTIVE
    group.save(update_fields=["status"])
    chair = seat(group, CHAIR, "local_government", Membership.Role.LEADER)
    secretary = seat(group, SECRETARY, "cso", Membership.Role.SECRETARY)
    member = seat(group, MEMBER, "police")
    absent = seat(group, ABSENT, "youth")
    excused = seat(
        group, EXCUSED, "youth", is_veteran=True, is_idp=True, has_disability=True,
        other_vulnerability="Багатодітний батько", phone="+380671112233",
        email="andrii@example.org", birth_year=1979,
    )  # fmt: skip
    meeting = MeetingFactory(group=group, starts_at=timezone.now() - datetime.timedelta(days=10))
    for position, title in enumerate(ITEMS):
        AgendaItemFactory(meeting=meeting, position=position, title=title)
    meeting_log(
        meeting=meeting,
        attendance={
            chair.pk: "present",
            secretary.pk: "present",
            member.pk: "present",
            absent.pk: "absent",
            excused.pk: "excused",
        },
        guests={category_by_code("police").pk: 2},
        minutes=MINUTES,
        decisions=DECISIONS,
        new_actions=[{"description": ACTION, "owner": member, "due_on": due()}],
    )
    meeting.refresh_from_db()
    return meeting


def due() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=14)


def flat(text: str) -> str:
    return " ".join(text.split())


def pdf_text(protocol: Protocol) -> str:
    with protocol.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return flat(" ".join(page.extract_text() for page in reader.pages))


def rendered(meeting, languages="uk") -> Protocol:
    """A version asked for and rendered by the task, run here as a worker would."""
    protocol = protocol_request(meeting=meeting, languages=languages)
    assert render_protocol(protocol.pk) == "ready"
    protocol.refresh_from_db()
    return protocol


# --- what the PDF says ------------------------------------------------------------------------


def test_the_protocol_names_who_was_there_and_what_was_decided(held):
    protocol = rendered(held)
    assert protocol.status == Protocol.Status.READY
    text = pdf_text(protocol)
    # The fixed words in the reader's language (Ukrainian); the record's names and texts
    # as recorded, in Cyrillic.
    assert "ПРОТОКОЛ № 1" in text
    assert "засідання робочої групи" in text
    assert held.group.name_uk in text
    for heading in ("ПРИСУТНІ: 3 з 5 членів", "ВІДСУТНІ:", "ПОРЯДОК ДЕННИЙ", "ДОРУЧЕННЯ"):
        assert heading in text, heading
    present = re.search("ПРИСУТНІ:(.*)ВІДСУТНІ:", text).group(1)
    for name, category in (
        (CHAIR, "Органи місцевого самоврядування"),
        (SECRETARY, "Громадські організації"),
        (MEMBER, "Поліція"),
    ):
        assert f"{name} {category}" in present, name
    absent = re.search("ВІДСУТНІ:(.*)ЗАПРОШЕНІ:", text).group(1)
    assert f"{ABSENT} Молодь" in absent
    assert f"{EXCUSED} Молодь (з поважної причини)" in absent
    assert "Поліція — 2" in text
    for title in ITEMS:
        assert title in text
    assert "1. СЛУХАЛИ:" in text and "2. СЛУХАЛИ:" in text
    assert "ВИСТУПИЛИ:" in text and MINUTES in text
    assert "ВИРІШИЛИ:" in text
    for number, decision in enumerate(DECISIONS, start=1):
        assert f"{number}. {decision}" in text
    assert f"{ACTION} {MEMBER} {due():%d.%m.%Y}" in text
    date = held.starts_at.astimezone(timezone.get_current_timezone())
    assert f"{date:%H:%M}" in text
    assert "Голова засідання:" in text and "Секретар засідання:" in text
    assert text.count("(підпис)") == 2 and text.count("(прізвище, ініціали)") == 2
    assert text.count(CHAIR) >= 3 and text.count(SECRETARY) >= 3  # lists, header, signatures
    assert "Сторінка 1 / 2" in text  # "Page": a word the catalogue has


def test_the_protocol_says_nothing_of_anyones_markers_or_contacts(held):
    text = pdf_text(rendered(held, "uk_en"))
    lowered = text.lower()
    for marker in MARKERS:
        assert marker.lower() not in lowered, marker


def test_the_bilingual_protocol_sets_both_languages_side_by_side(held):
    protocol = rendered(held, "uk_en")
    text = pdf_text(protocol)
    community = held.group.community
    assert held.group.name_uk in text and held.group.name_en in text
    assert f"{community.name_en} hromada" in text
    assert "Поліція / Police" in text
    assert "Молодь / Youth" in text
    assert "Органи місцевого самоврядування / Local government" in text
    assert "Page / Page" not in text  # a label alike in both languages is said once
    # Each fixed line comes once per language: the Ukrainian column's through the catalogue.
    columns = protocol_context(protocol)["columns"]
    assert [column["language"] for column in columns] == ["uk", "en"]
    assert columns[1]["heard"] == "HEARD:" and columns[1]["decided"] == "DECIDED:"
    assert columns[0]["community"] != columns[1]["community"]
    assert "громада" in columns[0]["community"]
    assert text.count("HEARD:") == text.count("СЛУХАЛИ:") == len(ITEMS)
    assert protocols.protocol_filename(protocol).endswith("-uk-en.pdf")


def test_one_agenda_item_carries_the_record_and_several_share_it(held):
    several, _ = protocol_html(protocol_request(meeting=held, languages="uk"))
    assert "З питань порядку денного в цілому" in several
    assert several.index("З питань порядку денного в цілому") > several.index(ITEMS[1])
    held.agenda_items.filter(title=ITEMS[1]).delete()
    Protocol.objects.all().delete()
    one, _ = protocol_html(protocol_request(meeting=held, languages="uk"))
    assert "З питань порядку денного в цілому" not in one
    assert one.index(ITEMS[0]) < one.index("ВИСТУПИЛИ:") < one.index(DECISIONS[0])


def test_each_agenda_items_outcome_is_what_was_decided_on_it(held):
    from meetings.models import AgendaItem

    first = held.agenda_items.get(title=ITEMS[0])
    AgendaItem.objects.filter(pk=first.pk).update(
        outcome="<p>Домовилися:</p><ul><li>звернутися до ОВА</li></ul><script>x</script>"
    )
    html, _ = protocol_html(protocol_request(meeting=held, languages="uk"))
    # Below the item's own section (its title's second appearance, after the agenda list).
    heard = html.index(ITEMS[0], html.index(ITEMS[0]) + 1)
    assert heard < html.index("звернутися до ОВА") < html.index(ITEMS[1], heard)
    assert "<script" not in html
    text = pdf_text(rendered(held))
    assert "звернутися до ОВА" in text


def test_minutes_reach_the_pdf_without_scripts_images_or_styles(held):
    # Written around the service (the admin, an old row): cleaned again on the way out.
    Meeting.objects.filter(pk=held.pk).update(
        minutes='<p onclick="x()">Обговорили <img src="file:///etc/passwd"> укриття</p>'
        '<script>alert(1)</script><style>body{}</style><a href="javascript:alert(1)">лінк</a>'
    )
    html, _recorded = protocol_html(protocol_request(meeting=held, languages="uk"))
    record = html[html.index("ВИСТУПИЛИ:") :]
    assert "Обговорили" in record and "укриття" in record
    for bad in ("<img", "file:///", "<script", "onclick", "javascript:", "body{}"):
        assert bad not in record, bad


def test_a_meeting_without_a_secretary_gets_blank_lines_to_fill(held):
    held.group.memberships.filter(role=Membership.Role.SECRETARY).update(
        role=Membership.Role.MEMBER
    )
    context = protocol_context(protocol_request(meeting=held, languages="uk"))
    assert (context["chair"], context["secretary"]) == (CHAIR, "")


def test_the_number_counts_the_groups_held_meetings_up_to_this_one(held):
    earlier = MeetingFactory(group=held.group, starts_at=held.starts_at - datetime.timedelta(30))
    Meeting.objects.filter(pk=earlier.pk).update(status=Meeting.Status.HELD)
    MeetingFactory(group=held.group, starts_at=held.starts_at - datetime.timedelta(60))  # planned
    assert protocol_request(meeting=held, languages="uk").number == 2


# --- asking for it ----------------------------------------------------------------------------


def test_only_a_held_and_recorded_meeting_gets_a_protocol(group):
    planned = MeetingFactory(group=group)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        protocol_request(meeting=planned, languages="uk")
    Meeting.objects.filter(pk=planned.pk).update(status=Meeting.Status.HELD)
    planned.refresh_from_db()
    with pytest.raises(ValidationError):  # held, but nothing recorded
        protocol_request(meeting=planned, languages="uk")
    assert not Protocol.objects.exists()


def test_a_second_request_while_one_is_being_made_makes_no_second(held):
    first = protocol_request(meeting=held, languages="uk")
    assert protocol_request(meeting=held, languages="uk_en") == first
    assert Protocol.objects.count() == 1


def test_the_request_is_queued_once_and_rendered_after_the_commit(
    held, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(pdf_module, "html_to_pdf", lambda html, fetcher=None: STUB_PDF)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        protocol = protocol_request(meeting=held, languages="uk")
        assert (protocol.status, protocol.version, bool(protocol.file)) == ("queued", 1, False)
    assert len([c for c in callbacks if getattr(c, "task", None) is render_protocol]) == 1
    protocol.refresh_from_db()
    assert (protocol.status, protocol.progress, protocol.attempts) == ("ready", 100, 1)
    assert protocol.size == len(STUB_PDF)
    assert protocol.record_logged_at == held.recorded_at
    assert re.fullmatch(r"protocols/\d{4}/[0-9a-f]{32}\.pdf", protocol.file.name)


@pytest.fixture
def stub_pdf(monkeypatch):
    seen = []

    def fake(html, fetcher=None):
        seen.append(Protocol.objects.values_list("status", "progress").get(status="rendering"))
        return STUB_PDF

    monkeypatch.setattr(pdf_module, "html_to_pdf", fake)
    return seen


def test_a_version_is_rendered_once_however_often_its_task_runs(held, stub_pdf):
    protocol = protocol_request(meeting=held, languages="uk")
    assert render_protocol(protocol.pk) == "ready"
    assert stub_pdf == [("rendering", 50)]
    name = Protocol.objects.get().file.name
    assert render_protocol(protocol.pk) == "not claimed"
    assert render_protocol(protocol.pk + 1000) == "not claimed"
    assert (len(stub_pdf), Protocol.objects.get().file.name) == (1, name)


def test_a_dead_workers_claim_is_taken_over_and_a_live_one_is_not(held, stub_pdf):
    protocol = protocol_request(meeting=held, languages="uk")
    recently = timezone.now() - datetime.timedelta(seconds=10)
    Protocol.objects.filter(pk=protocol.pk).update(status="rendering", started_at=recently)
    assert render_protocol(protocol.pk) == "not claimed"
    assert render_waiting_protocols() == 0
    long_ago = timezone.now() - PROTOCOL_STALE_AFTER - datetime.timedelta(seconds=1)
    Protocol.objects.filter(pk=protocol.pk).update(started_at=long_ago)
    assert render_waiting_protocols() == 1  # queued again, and (eager) rendered
    assert Protocol.objects.get().status == "ready"


def test_a_failing_rendering_is_tried_again_then_marked_failed(held, monkeypatch):
    def fail(html, fetcher=None):
        raise RuntimeError("Pango could not load a font")

    monkeypatch.setattr(pdf_module, "html_to_pdf", fail)
    protocol = protocol_request(meeting=held, languages="uk")
    # On a worker (not eager) the task asks Celery to retry it later, with backoff.
    with pytest.raises(RuntimeError):
        render_protocol(protocol.pk)
    protocol.refresh_from_db()
    assert (protocol.status, protocol.attempts) == ("queued", 1)
    Protocol.objects.filter(pk=protocol.pk).update(attempts=0)
    for attempt in range(1, PROTOCOL_ATTEMPTS + 1):
        assert render_protocol.apply(args=[protocol.pk]).get() == "failed"
        protocol.refresh_from_db()
        assert protocol.attempts == attempt
        expected = "failed" if attempt == PROTOCOL_ATTEMPTS else "queued"
        assert (protocol.status, protocol.progress) == (expected, 0)
        assert "Pango" in protocol.error
    assert not protocol.file
    # A failed version is not the pending one: asking again makes version 2.
    assert protocol_request(meeting=held, languages="uk").version == 2


def test_the_sweep_queues_what_the_broker_never_got(held, stub_pdf, settings):
    protocol = protocol_request(meeting=held, languages="uk")
    assert render_waiting_protocols() == 0  # within the grace
    Protocol.objects.filter(pk=protocol.pk).update(
        requested_at=timezone.now() - datetime.timedelta(seconds=settings.JOB_QUEUE_GRACE + 1)
    )
    assert render_waiting_protocols() == 1
    assert Protocol.objects.get().status == "ready"
