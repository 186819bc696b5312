"""Needs-to-opportunities matching: for each community, the needs of its latest assessment,
each with the opportunities that answer it; a need with none is a gap.

An opportunity answers a need when (a) it lists the need's category, (b) it names the
community or names no community at all (then it is open everywhere in the programme), and (c)
it is open at some time during the assessment's period:
    starts_on <= period_end and (ends_on is None or ends_on >= period_start).
Every expected result below is worked out by hand from these three rules."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from pytest_django.asserts import assertInHTML, assertNotContains

from engagement.selectors import matching
from tests.factories import (
    AssessedNeedFactory,
    CommunityFactory,
    EnrolmentFactory,
    NeedsAssessmentFactory,
    OpportunityFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
# The assessment period used unless a test says otherwise.
START, END = D(2023, 3, 1), D(2023, 4, 30)
# Opportunities open from this day, with no end, unless a test says otherwise.
OPENS = D(2023, 1, 1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each role fixture sets a password; the production hasher would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def community(programme, name_uk, name_en):
    """A community enrolled in the programme, with the names the pages show."""
    created = CommunityFactory(name_uk=name_uk, name_en=name_en)
    EnrolmentFactory(programme=programme, community=created)
    return created


def assessment(programme, where, needs, *, start=START, end=END):
    """An assessment of `where` with `needs` as {category: severity}."""
    created = NeedsAssessmentFactory(
        programme=programme, community=where, period_start=start, period_end=end
    )
    for category, severity in needs.items():
        AssessedNeedFactory(assessment=created, category=category, severity=severity)
    return created


def opportunity(programme, title, categories, *, where=(), starts_on=OPENS, ends_on=None):
    created = OpportunityFactory(
        programme=programme,
        title=title,
        categories=categories,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    created.communities.set(where)
    return created


def table(programme, **kwargs):
    """{community (English name): {need category: [titles of the opportunities answering it]}};
    an empty list is a gap."""
    return {
        match.community.name_en: {
            row.need.category: [o.title for o in row.opportunities] for row in match.needs
        }
        for match in matching(programme, **kwargs)
    }


def answering(programme, where):
    """The titles answering the single need of the single assessment of `where`."""
    (match,) = [m for m in matching(programme) if m.community.pk == where.pk]
    (row,) = match.needs
    return [o.title for o in row.opportunities]


# --- the three rules, one at a time ---------------------------------------------------------


def test_opportunity_answers_only_the_categories_it_lists(programme):
    here = community(programme, "Тут", "Here")
    assessment(programme, here, {"employment": 3, "housing": 2})
    opportunity(programme, "Центр зайнятості", ["employment", "education"])

    # employment is listed; housing is not, so housing is a gap.
    assert table(programme) == {"Here": {"employment": ["Центр зайнятості"], "housing": []}}


def test_opportunity_naming_no_community_is_open_in_every_community(programme):
    first = community(programme, "Перша", "First")
    second = community(programme, "Друга", "Second")
    assessment(programme, first, {"legal_aid": 3})
    assessment(programme, second, {"legal_aid": 3})
    opportunity(programme, "Безоплатна правова допомога", ["legal_aid"], where=[])

    assert answering(programme, first) == ["Безоплатна правова допомога"]
    assert answering(programme, second) == ["Безоплатна правова допомога"]


def test_opportunity_naming_communities_is_open_only_in_those(programme):
    first = community(programme, "Перша", "First")
    second = community(programme, "Друга", "Second")
    assessment(programme, first, {"legal_aid": 3})
    assessment(programme, second, {"legal_aid": 3})
    opportunity(programme, "Юрист у громаді", ["legal_aid"], where=[first])

    assert answering(programme, first) == ["Юрист у громаді"]
    assert answering(programme, second) == []  # named elsewhere: a gap here


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "answers"),
    [
        # The period is 1 March – 30 April 2023.
        pytest.param(D(2022, 1, 1), D(2023, 2, 28), False, id="ends-the-day-before-it-starts"),
        pytest.param(D(2022, 1, 1), D(2023, 3, 1), True, id="ends-on-its-first-day"),
        pytest.param(D(2023, 4, 30), None, True, id="starts-on-its-last-day"),
        pytest.param(D(2023, 4, 30), D(2023, 4, 30), True, id="open-on-its-last-day-only"),
        pytest.param(D(2023, 5, 1), None, False, id="starts-the-day-after-it-ends"),
        pytest.param(D(2020, 1, 1), None, True, id="open-ended-from-long-before"),
        pytest.param(D(2023, 3, 10), D(2023, 3, 20), True, id="inside-it"),
        pytest.param(D(2022, 1, 1), D(2024, 1, 1), True, id="spanning-it"),
    ],
)
def test_opportunity_answers_a_need_only_when_open_during_the_assessment_period(
    programme, starts_on, ends_on, answers
):
    here = community(programme, "Тут", "Here")
    assessment(programme, here, {"employment": 3}, start=START, end=END)
    opportunity(programme, "Вакансії", ["employment"], starts_on=starts_on, ends_on=ends_on)

    assert answering(programme, here) == (["Вакансії"] if answers else [])


def test_need_without_answering_opportunity_is_a_gap(programme):
    here = community(programme, "Тут", "Here")
    assessment(programme, here, {"mental_health": 4})
    # Each misses one rule: wrong category; another community; closed before the period.
    elsewhere = community(programme, "Деінде", "Elsewhere")
    opportunity(programme, "Житло", ["housing"])
    opportunity(programme, "Психолог деінде", ["mental_health"], where=[elsewhere])
    opportunity(
        programme,
        "Психолог торік",
        ["mental_health"],
        starts_on=D(2022, 1, 1),
        ends_on=D(2022, 12, 31),
    )

    (match,) = matching(programme)
    (row,) = match.needs
    assert row.is_gap
    assert row.opportunities == []
    assert match.gaps == [row]
    assert match.covered == []


def test_several_opportunities_answer_one_need_latest_opening_first(programme):
    here = community(programme, "Тут", "Here")
    assessment(programme, here, {"employment": 3})
    # Opportunities come newest first, then by title.
    opportunity(programme, "Б-вакансії", ["employment"], starts_on=D(2023, 2, 1))
    opportunity(programme, "А-вакансії", ["employment"], starts_on=D(2023, 2, 1))
    opportunity(programme, "Старі вакансії", ["employment"], starts_on=D(2021, 1, 1))
    opportunity(programme, "Нові вакансії", ["employment"], starts_on=D(2023, 4, 1), where=[here])

    assert answering(programme, here) == [
        "Нові вакансії",
        "А-вакансії",
        "Б-вакансії",
        "Старі вакансії",
    ]


def test_only_the_latest_assessment_of_a_community_is_matched(programme):
    here = community(programme, "Тут", "Here")
    latest = assessment(programme, here, {"housing": 2}, start=D(2023, 9, 1), end=D(2023, 10, 31))
    # Recorded afterwards but about an earlier period, with other needs: ignored.
    assessment(programme, here, {"employment": 4, "legal_aid": 3}, start=START, end=END)
    opportunity(programme, "Вакансії", ["employment"])

    (match,) = matching(programme)
    assert match.assessment == latest
    assert [row.need.category for row in match.needs] == ["housing"]
    assert match.gaps == match.needs


def test_needs_are_ordered_by_severity_then_category(programme):
    here = community(programme, "Тут", "Here")
    assessment(
        programme,
        here,
        {"housing": 2, "legal_aid": 4, "employment": 2, "family": 4, "other": 1, "health": 3},
    )

    (match,) = matching(programme)
    assert [(row.need.severity, row.need.category) for row in match.needs] == [
        (4, "family"),
        (4, "legal_aid"),
        (3, "health"),
        (2, "employment"),
        (2, "housing"),
        (1, "other"),
    ]


def test_communities_are_ordered_by_name(programme):
    # Created in an order that is neither the name order nor its reverse.
    for name_uk, name_en in [("Бориспільська", "B"), ("Вишнева", "V"), ("Андріївська", "A")]:
        assessment(programme, community(programme, name_uk, name_en), {"employment": 2})

    names = [m.community.name_uk for m in matching(programme)]
    assert names == ["Андріївська", "Бориспільська", "Вишнева"]


def test_opportunity_of_another_programme_never_matches(programme, other_programme):
    here = community(programme, "Тут", "Here")
    EnrolmentFactory(programme=other_programme, community=here)
    assessment(programme, here, {"employment": 3})
    # Right category, right dates, even names the community: but not this programme's.
    opportunity(other_programme, "Чужа програма, всі громади", ["employment"])
    opportunity(other_programme, "Чужа програма, ця громада", ["employment"], where=[here])

    assert table(programme) == {"Here": {"employment": []}}


def test_assessment_of_another_programme_is_not_matched(programme, other_programme):
    here = community(programme, "Тут", "Here")
    EnrolmentFactory(programme=other_programme, community=here)
    assessment(other_programme, here, {"employment": 3})
    opportunity(programme, "Вакансії", ["employment"])

    assert matching(programme) == []


def test_community_without_assessment_is_absent(programme):
    assessed = community(programme, "Оцінена", "Assessed")
    community(programme, "Без оцінки", "Unassessed")
    assessment(programme, assessed, {"employment": 3})
    opportunity(programme, "Вакансії", ["employment"])  # open everywhere, still no row

    assert list(table(programme)) == ["Assessed"]


def test_matching_can_be_limited_to_some_communities(programme):
    first = community(programme, "Перша", "First")
    second = community(programme, "Друга", "Second")
    assessment(programme, first, {"employment": 3})
    assessment(programme, second, {"housing": 3})

    assert table(programme, communities=[second]) == {"Second": {"housing": []}}


# --- a whole table, by hand -----------------------------------------------------------------


@pytest.fixture
def three_communities(programme):
    """Three communities, four needs each, four opportunities.

    Opportunities:
      O1 "Робота поруч"   employment, education  all communities  2023-01-01 → open
      O2 "Юрист у громаді" legal_aid              Alpha, Beta      2023-01-01 → 2023-03-31
      O3 "Реабілітація"    health, mental_health  Gamma            2023-05-01 → open
      O4 "Житловий фонд"   housing                all communities  2022-01-01 → 2022-12-31

    Alpha, 2023-03-01 – 2023-04-30: legal_aid 4, employment 3, housing 2, health 1
      legal_aid  O2 (names Alpha, closes 31 March, after the period starts)   covered
      employment O1                                                           covered
      housing    O4 closed 2022-12-31, before the period                      gap
      health     O3 names Gamma only                                          gap
    Beta, 2023-06-01 – 2023-08-31: mental_health 4, legal_aid 3, education 2, housing 1
      mental_health O3 names Gamma only                                       gap
      legal_aid     O2 closed 31 March, before the period                     gap
      education     O1                                                        covered
      housing       O4 closed 2022                                            gap
    Gamma, 2022-10-01 – 2023-05-31: health 4, mental_health 3, housing 2, legal_aid 1
      health        O3 opens 1 May, before the period ends                    covered
      mental_health O3                                                        covered
      housing       O4 open until 2022-12-31, after the period starts         covered
      legal_aid     O2 names Alpha and Beta only                              gap
    """
    # Created out of name order, so that the result's order comes from sorting.
    gamma = community(programme, "Гайова", "Gamma")
    alpha = community(programme, "Альтанська", "Alpha")
    beta = community(programme, "Березова", "Beta")
    assessment(programme, alpha, {"legal_aid": 4, "employment": 3, "housing": 2, "health": 1})
    assessment(
        programme,
        beta,
        {"mental_health": 4, "legal_aid": 3, "education": 2, "housing": 1},
        start=D(2023, 6, 1),
        end=D(2023, 8, 31),
    )
    assessment(
        programme,
        gamma,
        {"health": 4, "mental_health": 3, "housing": 2, "legal_aid": 1},
        start=D(2022, 10, 1),
        end=D(2023, 5, 31),
    )
    o1 = opportunity(programme, "Робота поруч", ["employment", "education"])
    o2 = opportunity(
        programme, "Юрист у громаді", ["legal_aid"], where=[alpha, beta], ends_on=D(2023, 3, 31)
    )
    o3 = opportunity(
        programme, "Реабілітація", ["health", "mental_health"], where=[gamma],
        starts_on=D(2023, 5, 1),
    )  # fmt: skip
    o4 = opportunity(
        programme, "Житловий фонд", ["housing"], starts_on=D(2022, 1, 1), ends_on=D(2022, 12, 31)
    )
    return {
        "communities": {"Alpha": alpha, "Beta": beta, "Gamma": gamma},
        "opportunities": {"O1": o1, "O2": o2, "O3": o3, "O4": o4},
    }


def test_three_community_table_matches_the_hand_computed_one(programme, three_communities):
    matches = matching(programme)

    assert [m.community.name_en for m in matches] == ["Alpha", "Beta", "Gamma"]
    assert {
        m.community.name_en: (
            {row.need.category for row in m.covered},
            {row.need.category for row in m.gaps},
        )
        for m in matches
    } == {
        "Alpha": ({"legal_aid", "employment"}, {"housing", "health"}),
        "Beta": ({"education"}, {"mental_health", "legal_aid", "housing"}),
        "Gamma": ({"health", "mental_health", "housing"}, {"legal_aid"}),
    }
    assert table(programme) == {
        "Alpha": {
            "legal_aid": ["Юрист у громаді"],
            "employment": ["Робота поруч"],
            "housing": [],
            "health": [],
        },
        "Beta": {
            "mental_health": [],
            "legal_aid": [],
            "education": ["Робота поруч"],
            "housing": [],
        },
        "Gamma": {
            "health": ["Реабілітація"],
            "mental_health": ["Реабілітація"],
            "housing": ["Житловий фонд"],
            "legal_aid": [],
        },
    }
    # Most severe first in every community.
    assert [[row.need.severity for row in m.needs] for m in matches] == [[4, 3, 2, 1]] * 3


# --- the pages ------------------------------------------------------------------------------

SEVERITY = {1: "Low", 2: "Medium", 3: "High", 4: "Critical"}
CATEGORY = {
    "employment": "Employment",
    "housing": "Housing",
    "health": "Health and rehabilitation",
    "mental_health": "Mental health",
    "legal_aid": "Legal aid",
    "education": "Education and retraining",
}
# (community, category, severity, opportunities answering it); none means a gap.
EXPECTED_ROWS = [
    ("Alpha", "legal_aid", 4, ["O2"]),
    ("Alpha", "employment", 3, ["O1"]),
    ("Alpha", "housing", 2, []),
    ("Alpha", "health", 1, []),
    ("Beta", "mental_health", 4, []),
    ("Beta", "legal_aid", 3, []),
    ("Beta", "education", 2, ["O1"]),
    ("Beta", "housing", 1, []),
    ("Gamma", "health", 4, ["O3"]),
    ("Gamma", "mental_health", 3, ["O3"]),
    ("Gamma", "housing", 2, ["O4"]),
    ("Gamma", "legal_aid", 1, []),
]


def links(opportunities):
    """The cell the pages show for a need: links to its opportunities, or the word "gap"."""
    if not opportunities:
        return '<strong class="text-danger">gap</strong>'
    return ", ".join(f'<a href="{o.get_absolute_url()}">{o.title}</a>' for o in opportunities)


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def cards(html):
    """{community name: the HTML of its matching card} on the veterans page."""
    found = {}
    for body in re.findall(r'<article class="card h-100">(.*?)</article>', html, re.S):
        name = re.search(r'<h3 class="h6 card-title[^"]*"><span>(.*?)</span>', body).group(1)
        found[name] = body
    return found


def test_veterans_page_shows_each_gap_and_links_each_covered_need_to_its_opportunities(
    as_user, coordinator, programme, three_communities
):
    client = in_english(as_user(coordinator))
    response = client.get(reverse("engagement:veterans", args=[programme.pk]))

    assert response.status_code == 200
    shown = cards(response.content.decode())
    assert list(shown) == ["Alpha", "Beta", "Gamma"]
    opportunities = three_communities["opportunities"]
    for name, category, severity, answering_ in EXPECTED_ROWS:
        row = (
            f'<li class="mb-1"><span class="badge severity-{severity}">{SEVERITY[severity]}'
            f"</span> {CATEGORY[category]}: "
            f"{links([opportunities[key] for key in answering_])}</li>"
        )
        assertInHTML(row, shown[name], count=1)
    for name, gaps in [("Alpha", "2 gaps"), ("Beta", "3 gaps"), ("Gamma", "1 gap")]:
        assertInHTML(f'<span class="badge text-bg-danger">{gaps}</span>', shown[name], count=1)


def test_assessment_page_shows_the_same_gaps_and_links(
    as_user, coordinator, programme, three_communities
):
    client = in_english(as_user(coordinator))
    opportunities = three_communities["opportunities"]
    for name, where in three_communities["communities"].items():
        page = client.get(where.needs_assessments.get().get_absolute_url())
        assert page.status_code == 200
        rows = [row for row in EXPECTED_ROWS if row[0] == name]
        for _name, category, severity, answering_ in rows:
            assertInHTML(
                f"<tr><td>{CATEGORY[category]}</td>"
                f'<td><span class="badge severity-{severity}">{SEVERITY[severity]}</span></td>'
                f'<td class="small"></td>'
                f"<td>{links([opportunities[key] for key in answering_])}</td></tr>",
                page.content.decode(),
                count=1,
            )
        assert page.content.decode().count('<strong class="text-danger">gap</strong>') == sum(
            1 for row in rows if not row[3]
        )


def test_assessment_page_of_an_older_assessment_says_a_later_one_is_matched(
    as_user, coordinator, programme
):
    here = community(programme, "Тут", "Here")
    older = assessment(programme, here, {"employment": 3}, start=D(2022, 3, 1), end=D(2022, 4, 30))
    assessment(programme, here, {"housing": 2})
    opportunity(programme, "Вакансії", ["employment"], starts_on=D(2020, 1, 1))

    page = in_english(as_user(coordinator)).get(older.get_absolute_url())

    assert page.status_code == 200
    assert "A later assessment is used for matching." in page.content.decode()
    assertNotContains(page, "Вакансії")
    assertNotContains(page, '<strong class="text-danger">gap</strong>')


def test_leaders_veterans_page_matches_only_their_own_community(
    as_user, leader, group, programme, three_communities
):
    own = assessment(programme, group.community, {"employment": 2})

    page = in_english(as_user(leader)).get(reverse("engagement:veterans", args=[programme.pk]))

    assert page.status_code == 200
    assert [m.assessment for m in page.context["matches"]] == [own]
    assert list(cards(page.content.decode())) == [group.community.name_en]
