"""The composition scorecard against cases computed by hand, and the programme's composition
rules (age bands that cover every age, targets as data)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import MembershipFactory, PersonFactory, WorkingGroupFactory, category_by_code
from workinggroups.forms import CompositionRulesForm
from workinggroups.models import AgeBand, CompositionTarget
from workinggroups.selectors import composition_rules, scorecards
from workinggroups.services import programme_set_composition_rules

pytestmark = pytest.mark.django_db

F, M = "female", "male"


def born(age):
    """The birth year of someone who is `age` this year (ages are counted by year)."""
    return timezone.localdate().year - age


def seat(group, *, sex, age, category, role="member", left_on=None, **flags):
    MembershipFactory(
        group=group,
        person=PersonFactory(sex=sex, birth_year=None if age is None else born(age), **flags),
        category=category_by_code(category),
        role=role,
        left_on=left_on,
    )


@pytest.fixture
def mixed_group(programme, group, other_group):
    """Six current members, one former member and someone in another group.

    | # | sex | age  | category         | flags      |
    | 1 | F   | 20   | youth            | IDP        |
    | 2 | F   | 30   | police           | veteran    |
    | 3 | M   | 17   | youth            |            |
    | 4 | M   | 40   | local_government | disability | leader
    | 5 | F   | 65   | cso              |            |
    | 6 | M   | ?    | police           |            |
    former: F, 25, ses (left) -- not counted; other group: F, 22, veterans -- not counted.
    """
    seat(group, sex=F, age=20, category="youth", is_idp=True)
    seat(group, sex=F, age=30, category="police", is_veteran=True)
    seat(group, sex=M, age=17, category="youth")
    seat(group, sex=M, age=40, category="local_government", has_disability=True, role="leader")
    seat(group, sex=F, age=65, category="cso")
    seat(group, sex=M, age=None, category="police")
    seat(group, sex=F, age=25, category="ses", left_on=datetime.date(2023, 6, 1))
    seat(other_group, sex=F, age=22, category="veterans", is_veteran=True)
    programme.required_categories.set(
        [category_by_code(code) for code in ("youth", "police", "ses", "veterans")]
    )
    for measure, threshold in {
        "women_share": 40,
        "youth_share": 60,
        "veterans": 1,
        "idps": 2,
        "disability": 1,
        "members": 10,
    }.items():
        CompositionTarget.objects.create(programme=programme, measure=measure, threshold=threshold)
    return group


def card_of(group):
    return scorecards([group], composition_rules(group.programme))[group.pk]


def test_scorecard_counts_members_sexes_and_markers(mixed_group):
    card = card_of(mixed_group)
    assert card.members == 6
    assert (card.women, card.men) == (3, 3)
    assert (card.veterans, card.idps, card.disability) == (1, 1, 1)
    assert card.unknown_age == 1
    assert card.has_leader


def test_scorecard_counts_youth_by_the_programmes_age_limit(mixed_group):
    # Default limit 35: ages 17, 20 and 30.
    assert card_of(mixed_group).youth == 3


def test_scorecard_uses_the_default_age_bands(mixed_group):
    card = card_of(mixed_group)
    # 0-17: 17; 18-24: 20; 25-35: 30; 36-59: 40; 60+: 65; the unknown age is in no band.
    assert [count for _label, count in card.by_band] == [1, 1, 1, 1, 1]
    assert [
        (band.min_age, band.max_age) for band in composition_rules(mixed_group.programme).bands
    ] == [
        (0, 17),
        (18, 24),
        (25, 35),
        (36, 59),
        (60, None),
    ]


def test_scorecard_lists_covered_categories_and_gaps(mixed_group):
    card = card_of(mixed_group)
    assert sorted(c.code for c in card.covered) == ["police", "youth"]
    # SES only had a former member; veterans only sit in another group.
    assert sorted(c.code for c in card.gaps) == ["ses", "veterans"]


def test_scorecard_checks_each_target(mixed_group):
    card = card_of(mixed_group)
    assert sorted(
        (check.actual, check.target, check.met, check.is_share) for check in card.checks
    ) == sorted(
        [
            (50.0, 40, True, True),  # women 3 of 6
            (50.0, 60, False, True),  # youth 3 of 6
            (1, 1, True, False),  # veterans
            (1, 2, False, False),  # internally displaced
            (1, 1, True, False),  # disability
            (6, 10, False, False),  # members
        ]
    )
    assert sorted((c.actual, c.target) for c in card.failed_checks) == [
        (1, 2),
        (6, 10),
        (50.0, 60),
    ]
    assert not card.is_complete


def test_custom_bands_and_youth_limit_change_the_counts(mixed_group):
    programme_set_composition_rules(
        programme=mixed_group.programme,
        bands=[(0, 18), (19, 24), (25, 35), (36, None)],
        youth_max_age=24,
        targets={"youth_share": 30},
    )
    card = card_of(mixed_group)
    # 0-18: 17; 19-24: 20; 25-35: 30; 36+: 40 and 65.
    assert [count for _label, count in card.by_band] == [1, 1, 1, 2]
    assert card.youth == 2  # 17 and 20
    assert [(c.actual, c.target, c.met) for c in card.checks] == [(33.3, 30, True)]


def test_ages_on_band_edges_fall_in_exactly_one_band(programme, group):
    for age in (0, 17, 18, 24, 25, 35, 36, 59, 60, 99):
        seat(group, sex=F, age=age, category="other")
    card = card_of(group)
    assert [count for _label, count in card.by_band] == [2, 2, 2, 2, 2]
    assert card.youth == 6  # up to and including 35


def test_a_group_meeting_every_rule_is_complete(programme, group):
    seat(group, sex=F, age=22, category="police", is_veteran=True, role="leader")
    seat(group, sex=M, age=50, category="youth", is_idp=True)
    programme.required_categories.set([category_by_code("police"), category_by_code("youth")])
    for measure, threshold in {"women_share": 50, "veterans": 1, "idps": 1, "members": 2}.items():
        CompositionTarget.objects.create(programme=programme, measure=measure, threshold=threshold)
    card = card_of(group)
    assert card.gaps == []
    assert card.failed_checks == []
    assert card.is_complete


def test_an_empty_group_meets_no_share_target(programme, group):
    CompositionTarget.objects.create(programme=programme, measure="women_share", threshold=0)
    card = card_of(group)
    assert card.members == 0
    assert [(c.actual, c.met) for c in card.checks] == [(None, False)]
    assert not card.has_leader


def test_group_page_shows_the_same_scorecard_to_coordinator_and_leader(
    as_user, coordinator, leader, mixed_group
):
    for user in (coordinator, leader):
        card = as_user(user).get(mixed_group.get_absolute_url()).context["card"]
        assert (card.members, card.women, card.youth) == (6, 3, 3)
        assert sorted(c.code for c in card.gaps) == ["ses", "veterans"]


def test_group_list_filters_groups_with_gaps(
    as_user, coordinator, programme, mixed_group, other_group
):
    complete = WorkingGroupFactory(programme=programme)
    for code in ("youth", "police", "ses", "veterans"):
        seat(complete, sex=F, age=20, category=code, is_veteran=True, is_idp=True)
    seat(complete, sex=F, age=40, category="other", has_disability=True, is_idp=True)
    for _ in range(5):
        seat(complete, sex=M, age=30, category="other")
    client = as_user(coordinator)
    url = reverse("workinggroups:group_list", args=[programme.pk])

    def listed(**params):
        return {group.pk for group, _card in client.get(url, params).context["rows"]}

    assert listed() == {mixed_group.pk, other_group.pk, complete.pk}
    # The other group has no members at all: it misses everything.
    assert listed(gap="any") == {mixed_group.pk, other_group.pk}
    assert listed(gap="ses") == {mixed_group.pk, other_group.pk}
    assert listed(gap="police") == {other_group.pk}


def test_donor_gets_no_composition_detail(as_user, donor, mixed_group):
    client = as_user(donor)
    page = client.get(reverse("workinggroups:group_list", args=[mixed_group.programme_id]))
    assert page.context["rows"]
    assert all(card is None for _group, card in page.context["rows"])
    assert "card" not in client.get(mixed_group.get_absolute_url()).context


@pytest.mark.parametrize(
    "bands",
    [
        [(0, 17), (19, None)],  # 18 falls between two bands
        [(0, 20), (18, None)],  # 18-20 in two bands
        [(1, 17), (18, None)],  # does not start at 0
        [(0, 17), (18, 64)],  # no open-ended last band
        [(0, None), (18, None)],  # two open-ended bands
        [],
    ],
)
def test_composition_rules_service_refuses_bands_that_do_not_cover_every_age_once(programme, bands):
    with pytest.raises(ValidationError):
        programme_set_composition_rules(
            programme=programme, bands=bands, youth_max_age=35, targets={}
        )
    assert not AgeBand.objects.filter(programme=programme).exists()


def test_composition_rules_service_refuses_bands_with_the_same_start(programme):
    with pytest.raises(ValidationError):
        programme_set_composition_rules(
            programme=programme, bands=[(0, 17), (0, None)], youth_max_age=35, targets={}
        )


@pytest.mark.parametrize(
    "text",
    [
        "0-17, 19-24, 25+",  # gap
        "0-20, 18-30, 31+",  # overlap
        "0-17, 18-120",  # no open end
        "5-17, 18+",  # not from 0
        "0-17, 18+, 30-40",  # a band after the open-ended one
        "0-17, 24-18, 25+",  # a band that ends before it starts
        "0-17; 18+",
        "дитячі, 18+",
    ],
)
def test_composition_rules_form_refuses_bad_bands(text):
    form = CompositionRulesForm({"age_bands": text, "youth_max_age": "35"})
    assert not form.is_valid()
    assert "age_bands" in form.errors


def test_composition_rules_form_accepts_bands_in_any_order():
    form = CompositionRulesForm(
        {"age_bands": "60+, 0-17, 25-35, 18-24, 36-59", "youth_max_age": "35"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["age_bands"] == [(0, 17), (18, 24), (25, 35), (36, 59), (60, None)]


def test_coordinator_saves_composition_rules(as_user, coordinator, programme):
    response = as_user(coordinator).post(
        reverse("workinggroups:composition_rules", args=[programme.pk]),
        {
            "age_bands": "0-17, 18-29, 30+",
            "youth_max_age": "29",
            "target_women_share": "40",
            "target_veterans": "1",
        },
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.youth_max_age == 29
    assert list(programme.age_bands.values_list("min_age", "max_age")) == [
        (0, 17),
        (18, 29),
        (30, None),
    ]
    assert dict(programme.composition_targets.values_list("measure", "threshold")) == {
        "women_share": 40,
        "veterans": 1,
    }


@pytest.mark.parametrize(
    "data",
    [
        {"age_bands": "0-17, 19+", "youth_max_age": "29"},
        {"age_bands": "0-17, 18+", "youth_max_age": "29", "target_women_share": "140"},
        {"age_bands": "0-17, 18+", "youth_max_age": "3"},
    ],
)
def test_invalid_composition_rules_change_nothing(as_user, coordinator, programme, data):
    response = as_user(coordinator).post(
        reverse("workinggroups:composition_rules", args=[programme.pk]), data
    )
    assert response.status_code == 200
    programme.refresh_from_db()
    assert programme.youth_max_age == 35
    assert not programme.age_bands.exists()
    assert not programme.composition_targets.exists()


def test_composition_rules_page_refuses_two_bands_from_the_same_age(
    as_user, coordinator, programme
):
    client = as_user(coordinator)
    client.raise_request_exception = False
    response = client.post(
        reverse("workinggroups:composition_rules", args=[programme.pk]),
        {"age_bands": "0-17, 0+", "youth_max_age": "29"},
    )
    assert response.status_code == 200
    assert not programme.age_bands.exists()
