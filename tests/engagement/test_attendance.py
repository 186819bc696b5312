"""Event attendance: the counts and self-assessment gain of each event (annotated on the list,
worked out for one event on its page), the sign-in sheet that records them, and who takes part
in the programme, counted once, by age band.

Score gain is the mean of (after − before) over the participants who gave both scores, whatever
their attendance. Every expected figure below is worked out by hand."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from communities.models import Community
from dashboards.indicators import Period, people_by_age_band
from engagement.models import Event
from engagement.selectors import (
    attendance_figures,
    programme_people,
    with_attendance,
)
from tests.factories import (
    CommunityFactory,
    EnrolmentFactory,
    EventFactory,
    MembershipFactory,
    ParticipantFactory,
    PersonFactory,
    WorkingGroupFactory,
    YouthLeaderFactory,
)
from workinggroups.models import AgeBand

pytestmark = pytest.mark.django_db

PRESENT, ABSENT, REGISTERED = "present", "absent", "registered"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each role fixture sets a password; the production hasher would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def community(programme, name_uk, name_en):
    created = CommunityFactory(name_uk=name_uk, name_en=name_en)
    EnrolmentFactory(programme=programme, community=created)
    return created


def attend(event, attendance, before=None, after=None, **kwargs):
    return ParticipantFactory(
        event=event, attendance=attendance, score_before=before, score_after=after, **kwargs
    )


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- with_attendance ------------------------------------------------------------------------


@pytest.fixture
def events(programme):
    """Four events of the programme, and their figures by hand.

    busy: 5 participants, 3 present, 1 absent, 1 registered.
          Scores (before → after): 3→7 (+4), 5→6 (+1), –→8 (no before), 4→– (no after),
          2→2 (0, registered but scored). Gain: (4 + 1 + 0) / 3 = 1.666…
    no_show: 2 participants, both absent, no scores. Gain: none.
    empty: no participants at all. 0 / 0 / 0, gain none.
    worse: 3 present, 8→6 (−2), 7→7 (0), 6→5 (−1). Gain: −3 / 3 = −1.
    """
    visitors = [community(programme, "Гостинна", "Guest"), community(programme, "Сусідня", "Near")]
    busy = EventFactory(programme=programme, topics=["fundraising", "communications"])
    # Topics and visitors must not multiply the counts.
    busy.visiting_communities.set(visitors)
    attend(busy, PRESENT, 3, 7)
    attend(busy, PRESENT, 5, 6)
    attend(busy, PRESENT, None, 8)
    attend(busy, ABSENT, 4, None)
    attend(busy, REGISTERED, 2, 2)
    no_show = EventFactory(programme=programme)
    attend(no_show, ABSENT)
    attend(no_show, ABSENT)
    empty = EventFactory(programme=programme, topics=["public_safety", "other"])
    worse = EventFactory(programme=programme)
    worse.visiting_communities.set(visitors[:1])
    attend(worse, PRESENT, 8, 6)
    attend(worse, PRESENT, 7, 7)
    attend(worse, PRESENT, 6, 5)
    return {"busy": busy, "no_show": no_show, "empty": empty, "worse": worse}


EXPECTED = {
    # name: (registered, present, absent, score gain)
    "busy": (5, 3, 1, 5 / 3),
    "no_show": (2, 0, 2, None),
    "empty": (0, 0, 0, None),
    "worse": (3, 3, 0, -1.0),
}


def figures_of(rows, events):
    names = {event.pk: name for name, event in events.items()}
    return {
        names[row.pk]: (row.registered_count, row.present_count, row.absent_count, row.score_gain)
        for row in rows
    }


def test_events_are_annotated_with_registered_present_absent_and_score_gain(programme, events):
    # An event of another programme's participants must not leak into these.
    attend(EventFactory(), PRESENT, 1, 10)

    found = figures_of(with_attendance(Event.objects.filter(programme=programme)), events)

    assert found == {
        name: (registered, present, absent, pytest.approx(gain) if gain is not None else None)
        for name, (registered, present, absent, gain) in EXPECTED.items()
    }


def test_annotations_survive_the_events_list_filters(as_user, coordinator, programme, events):
    """The list page filters on topics and on visiting communities (joins of their own); the
    counts stay those of the events."""
    client = as_user(coordinator)
    url = reverse("engagement:events", args=[programme.pk])
    guest = Community.objects.get(name_en="Guest")
    host = events["busy"].host_community
    for query, names in [
        ({"topic": "communications"}, {"busy"}),
        ({"community": guest.pk}, {"busy", "worse"}),
        ({"community": host.pk}, {"busy"}),
        ({"kind": "training"}, set(EXPECTED)),
    ]:
        response = client.get(url, query)
        found = figures_of(response.context["events"], events)
        assert set(found) == names, query
        for name in names:
            registered, present, absent, gain = EXPECTED[name]
            assert found[name][:3] == (registered, present, absent), (query, name)
            assert found[name][3] == (pytest.approx(gain) if gain is not None else None)


# --- attendance_figures ---------------------------------------------------------------------


def test_attendance_figures_of_one_event_by_community_and_by_sex(programme):
    """Host "Яблунівська" (Yablunivka) and visitors from "Борова" (Borova), which sorts first.

    Borova:     woman present 5→8 (+3), man present 6→8 (+2), woman absent
    Yablunivka: man present 4→6 (+2), woman present –→9, man registered 9→9 (0),
                not stated present 2→3 (+1)
    Registered 7, present 5, absent 1. Present by sex: female 2, male 2, not stated 1.
    Gain: (3 + 2 + 2 + 0 + 1) / 5 = 1.6.
    """
    host = community(programme, "Яблунівська", "Yablunivka")
    visitors = community(programme, "Борова", "Borova")
    event = EventFactory(programme=programme, host_community=host)
    event.visiting_communities.set([visitors])
    woman, man, unstated = {"sex": "female"}, {"sex": "male"}, {"sex": "not_stated"}

    def row(where, sex, attendance, before=None, after=None):
        attend(event, attendance, before, after, community=where, person=PersonFactory(**sex))

    row(visitors, woman, PRESENT, 5, 8)
    row(visitors, man, PRESENT, 6, 8)
    row(visitors, woman, ABSENT)
    row(host, man, PRESENT, 4, 6)
    row(host, woman, PRESENT, None, 9)
    row(host, man, REGISTERED, 9, 9)
    row(host, unstated, PRESENT, 2, 3)

    with translation.override("en"):
        figures = attendance_figures(event)

    assert (figures.registered, figures.present, figures.absent) == (7, 5, 1)
    assert figures.by_community == [("Borova", 3, 2), ("Yablunivka", 4, 3)]
    assert figures.by_sex == {"female": 2, "male": 2, "not_stated": 1}
    assert figures.score_gain == pytest.approx(1.6)


def test_attendance_figures_keep_the_mean_gain_unrounded_for_the_page_to_round(programme):
    # +4, +1, 0: 5 / 3 = 1.666…; the pages show it as 1.7 (floatformat, halves up).
    event = EventFactory(programme=programme)
    attend(event, PRESENT, 3, 7)
    attend(event, PRESENT, 5, 6)
    attend(event, PRESENT, 2, 2)

    assert attendance_figures(event).score_gain == pytest.approx(5 / 3)


def test_attendance_figures_of_an_event_without_participants_are_zero(programme):
    figures = attendance_figures(EventFactory(programme=programme))

    assert (figures.registered, figures.present, figures.absent) == (0, 0, 0)
    assert figures.by_community == []
    assert figures.by_sex == {}
    assert figures.score_gain is None


# --- the sign-in sheet ----------------------------------------------------------------------


@pytest.fixture
def sheet(programme):
    """A training that has started, still marked planned, with four people registered; and a
    participant of another event, who must never change."""
    event = EventFactory(programme=programme, status="planned")
    rows = [attend(event, REGISTERED) for _ in range(4)]
    bystander = attend(EventFactory(programme=programme), REGISTERED, 5, 5)
    return event, rows, bystander


def as_the_browser_sends_it(client, event):
    """The sheet's form data as a browser would post it unchanged: checked radios and filled
    score inputs; empty score inputs are sent empty, unchecked radios not at all."""
    form = client.get(reverse("engagement:sign_in", args=[event.pk])).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name.startswith("attendance_"):
            if value:
                data[name] = value
        else:
            data[name] = "" if value is None else str(value)
    return data


def state(participant):
    participant.refresh_from_db()
    return (participant.attendance, participant.score_before, participant.score_after)


def test_sign_in_sheet_records_attendance_and_scores_of_the_marked_rows_only(
    as_user, coordinator, sheet
):
    event, (first, second, third, fourth), bystander = sheet
    client = as_user(coordinator)
    data = as_the_browser_sends_it(client, event)
    data |= {
        f"attendance_{first.pk}": PRESENT,
        f"score_before_{first.pk}": "4",
        f"score_after_{first.pk}": "8",
        f"attendance_{second.pk}": ABSENT,
        # third: left unmarked
        f"attendance_{fourth.pk}": PRESENT,
        f"score_after_{fourth.pk}": "6",
    }

    response = client.post(reverse("engagement:sign_in", args=[event.pk]), data)

    assert response.status_code == 302
    assert response.url == event.get_absolute_url()
    assert state(first) == (PRESENT, 4, 8)
    assert state(second) == (ABSENT, None, None)
    assert state(third) == (REGISTERED, None, None)
    assert state(fourth) == (PRESENT, None, 6)
    assert state(bystander) == (REGISTERED, 5, 5)
    event.refresh_from_db()
    assert event.status == "held"  # someone was present


def test_saving_the_sheet_again_keeps_earlier_marks(as_user, coordinator, sheet):
    event, (first, second, third, fourth), _bystander = sheet
    client = as_user(coordinator)
    url = reverse("engagement:sign_in", args=[event.pk])
    data = as_the_browser_sends_it(client, event)
    data |= {
        f"attendance_{first.pk}": PRESENT,
        f"score_before_{first.pk}": "3",
        f"score_after_{first.pk}": "9",
        f"attendance_{second.pk}": ABSENT,
    }
    assert client.post(url, data).status_code == 302

    # Later, on the same sheet: only the fourth person is marked.
    data = as_the_browser_sends_it(client, event)
    data[f"attendance_{fourth.pk}"] = ABSENT
    assert client.post(url, data).status_code == 302

    assert state(first) == (PRESENT, 3, 9)
    assert state(second) == (ABSENT, None, None)
    assert state(third) == (REGISTERED, None, None)
    assert state(fourth) == (ABSENT, None, None)


def test_sign_in_sheet_with_a_score_out_of_range_changes_nothing(as_user, coordinator, sheet):
    event, (first, second, *_rest), _bystander = sheet
    client = as_user(coordinator)
    data = as_the_browser_sends_it(client, event)
    data |= {
        f"attendance_{first.pk}": PRESENT,
        f"attendance_{second.pk}": PRESENT,
        f"score_before_{second.pk}": "11",
    }

    response = client.post(reverse("engagement:sign_in", args=[event.pk]), data)

    assert response.status_code == 200
    assert state(first) == (REGISTERED, None, None)
    assert state(second) == (REGISTERED, None, None)
    event.refresh_from_db()
    assert event.status == "planned"


# --- the list and the event page agree ------------------------------------------------------


def list_row(client, event):
    """(registered, present, gain) as the events list shows them for `event`."""
    page = client.get(reverse("engagement:events", args=[event.programme_id])).content.decode()
    (row,) = [
        tr
        for tr in re.findall(r"<tr>(.*?)</tr>", page, re.S)
        if f'href="{event.get_absolute_url()}"' in tr
    ]
    cells = re.findall(r'<td class="text-end">(.*?)</td>', row, re.S)
    return tuple(cell.strip() for cell in cells)


def event_page(client, event):
    """(registered, present, gain) as the event's own page shows them."""
    page = client.get(event.get_absolute_url()).content.decode()
    present, registered = re.search(r"([^\s>]+) present of (\S+) registered", page).groups()
    gain = re.search(r"Self-assessment rose by (\S+) points", page)
    return (registered, present, gain.group(1) if gain else "—")


@pytest.mark.parametrize("role", ["coordinator", "donor"])
@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        # 7 registered, 5 present; gains +3, +1, +1 → 5 / 3 = 1.666… → 1.7
        (
            [(PRESENT, 2, 5), (PRESENT, 4, 5), (PRESENT, 6, 7), (PRESENT,), (PRESENT,),
             (ABSENT,), (REGISTERED,)],
            ("7", "5", "1.7"),
        ),
        # 3 registered, 2 present: small counts, hidden from anyone but a coordinator.
        ([(PRESENT,), (PRESENT,), (ABSENT, 5, 5)], ("3", "2", "0.0")),
    ],
    ids=["seven-registered", "three-registered"],
)  # fmt: skip
def test_events_list_and_event_page_show_the_same_counts(
    request, as_user, programme, role, marks, expected
):
    client = in_english(as_user(request.getfixturevalue(role)))
    event = EventFactory(programme=programme)
    for mark in marks:
        attend(event, *mark)

    shown = list_row(client, event)

    assert shown == event_page(client, event)
    registered, present, gain = expected
    if role == "donor":
        registered, present = ("&lt;5" if int(n) < 5 else n for n in (registered, present))
    assert shown == (registered, present, gain)


def test_events_list_and_event_page_round_a_half_the_same_way(as_user, coordinator, programme):
    """Gains +1, 0, 0, 0: 1 / 4 = 0.25, exactly half-way between 0.2 and 0.3. Whichever way
    it is rounded, both pages must show the same figure."""
    client = in_english(as_user(coordinator))
    event = EventFactory(programme=programme)
    attend(event, PRESENT, 4, 5)
    for _ in range(3):
        attend(event, PRESENT, 6, 6)

    assert list_row(client, event)[2] == event_page(client, event)[2]


# --- people of the programme, by age ---------------------------------------------------------


@pytest.fixture
def people(programme, group):
    """Who takes part, one way or several. Each person is named by how they take part."""
    event = EventFactory(programme=programme, host_community=group.community)
    everything = PersonFactory(birth_year=2000)
    MembershipFactory(group=group, person=everything)
    YouthLeaderFactory(programme=programme, person=everything, community=group.community)
    attend(event, PRESENT, person=everything)
    member = MembershipFactory(group=group, person__birth_year=1970).person
    former = MembershipFactory(
        group=group, person__birth_year=1960, left_on=datetime.date(2023, 9, 1)
    ).person
    youth_leader = YouthLeaderFactory(
        programme=programme, community=group.community, person__birth_year=2004
    ).person
    participant = attend(event, ABSENT, person=PersonFactory(birth_year=None)).person
    # The same person in two events, and as a member of two groups: still one person.
    both_events = MembershipFactory(group=group, person__birth_year=1988).person
    attend(event, PRESENT, person=both_events)
    attend(EventFactory(programme=programme), PRESENT, person=both_events)
    MembershipFactory(group=WorkingGroupFactory(programme=programme), person=both_events)
    # Someone of another programme only.
    MembershipFactory(group=WorkingGroupFactory(), person__birth_year=1990)
    return {
        "everything": everything,
        "member": member,
        "former": former,
        "youth_leader": youth_leader,
        "participant": participant,
        "both_events": both_events,
    }


def test_programme_people_counts_each_person_once(programme, people):
    found = list(programme_people(programme).values_list("pk", flat=True))

    assert sorted(found) == sorted(p.pk for p in people.values())
    assert programme_people(programme).count() == 6


def by_band(programme):
    """The youth page's and the dashboard's people by age band over the programme's whole
    period (2023-2024), aged in 2024."""
    return people_by_age_band(programme, Period(programme.start_date, programme.end_date))


def test_participation_by_age_band_with_the_default_bands(programme, people):
    """In 2024, with the default bands and young people up to 35:
    everything 2000 → 24 (18–24), youth leader 2004 → 20 (18–24), both_events 1988 → 36
    (36–59), member 1970 → 54 (36–59), former 1960 → 64 (60+). The participant who was
    absent took no part: not counted, as on the dashboard."""
    with translation.override("en"):
        bands, unknown = by_band(programme)

    assert bands == [
        ("under 18", 0, True),
        ("18–24", 2, True),
        ("25–35", 0, True),
        ("36–59", 2, False),
        ("60 and older", 1, False),
    ]
    assert unknown == 0


@pytest.mark.parametrize(
    "birth_year, band",
    [
        (2007, "under 18"),  # 17
        (2006, "18–24"),  # 18
        (2000, "18–24"),  # 24
        (1999, "25–35"),  # 25
        (1989, "25–35"),  # 35
        (1988, "36–59"),  # 36
        (1965, "36–59"),  # 59
        (1964, "60 and older"),  # 60
    ],
)
def test_age_band_boundaries_count_the_age_reached_in_the_year(group, birth_year, band):
    MembershipFactory(group=group, person__birth_year=birth_year)

    with translation.override("en"):
        bands, unknown = by_band(group.programme)

    assert {label: n for label, n, _youth in bands if n} == {band: 1}
    assert unknown == 0


@pytest.mark.parametrize(
    ("youth_max_age", "youth_flags"),
    [
        (29, [True, False, False]),  # 0–13 ends below 29; 14–30 ends above it
        (30, [True, True, False]),  # 14–30 ends exactly at 30
        (13, [True, False, False]),  # 0–13 ends exactly at 13
        (12, [False, False, False]),
    ],
)
def test_band_is_youth_when_it_ends_at_or_below_the_programmes_youth_age(
    programme, group, youth_max_age, youth_flags
):
    programme.youth_max_age = youth_max_age
    programme.save(update_fields=["youth_max_age"])
    for low, high in [(31, None), (0, 13), (14, 30)]:  # kept in age order whatever the input
        AgeBand.objects.create(programme=programme, min_age=low, max_age=high)
    # In 2024: 2012 → 12, 2011 → 13, 2010 → 14, 1994 → 30, 1993 → 31, unknown.
    for year in [2012, 2011, 2010, 1994, 1993, None]:
        MembershipFactory(group=group, person__birth_year=year)

    with translation.override("en"):
        bands, unknown = by_band(programme)

    assert bands == [
        ("under 14", 2, youth_flags[0]),
        ("14–30", 2, youth_flags[1]),
        ("31 and older", 1, youth_flags[2]),
    ]
    assert unknown == 1


def test_youth_page_shows_the_bands_counted_once(as_user, coordinator, programme, people):
    page = in_english(as_user(coordinator)).get(reverse("engagement:youth", args=[programme.pk]))

    assert page.status_code == 200
    bands = page.context["bands"]
    # The dashboard's participants: five people who took part (the absent one did not).
    assert sum(n for _label, n, _youth in bands) + page.context["unknown_age"] == 5
    assert page.context["unknown_age"] == 0
