"""Who was present when a group decided, against meetings worked out by hand: members marked
present only (not the absent, not guests), by marker and by category, young people by the
programme's youth age in the year of the meeting; and the programme's figure "decisions taken
with veterans present: x of y"."""

import pytest

from dashboards.indicators import Period
from meetings.models import Decision
from recommendations.selectors import decision_figures, representation_of
from tests.factories import MeetingFactory, WorkingGroupFactory, category_by_code
from tests.recommendations.conftest import D, at, held_meeting

pytestmark = pytest.mark.django_db

VETERAN = {"is_veteran": True, "sex": "male", "birth_year": 1980, "category": "veterans"}
YOUNG_WOMAN = {"sex": "female", "birth_year": 2000, "category": "youth"}  # 24 in 2024
IDP_WITH_DISABILITY = {"is_idp": True, "has_disability": True, "sex": "male", "birth_year": 1970}


def test_a_meetings_representation_counts_the_members_present_by_marker_and_category(group):
    group.programme.youth_max_age = 35
    group.programme.save(update_fields=["youth_max_age"])
    meeting = held_meeting(
        group, D(2024, 3, 5),
        present=[VETERAN, YOUNG_WOMAN, IDP_WITH_DISABILITY, {"sex": "female", "birth_year": 1988}],
        absent=[{"is_veteran": True, "category": "veterans"}],
    )  # fmt: skip

    found = representation_of([meeting.pk])[meeting.pk]

    assert found.present == 4
    # Born in 2000, 24 in 2024: young with the youth age at 35; born in 1988, 36: not.
    assert found.markers == {"veterans": 1, "youth": 1, "idp": 1, "women": 2, "disability": 1}
    # The absent veteran is not among the veterans' community present.
    assert dict(found.categories) == {
        category_by_code("veterans").name: 1,
        category_by_code("youth").name: 1,
        category_by_code("other").name: 2,
    }


def test_youth_follows_the_programmes_youth_age_in_the_year_of_the_meeting(group):
    group.programme.youth_max_age = 24
    group.programme.save(update_fields=["youth_max_age"])
    # Born in 2000: 24 in 2024 (young), 25 in 2025 (not).
    in_2024 = held_meeting(group, D(2024, 3, 5), present=[YOUNG_WOMAN])
    in_2025 = held_meeting(group, D(2025, 3, 5), present=[YOUNG_WOMAN])

    found = representation_of([in_2024.pk, in_2025.pk])

    assert found[in_2024.pk].markers["youth"] == 1
    assert found[in_2025.pk].markers["youth"] == 0


def test_decisions_taken_with_veterans_present_is_counted_from_the_meetings_attendance(
    programme, group
):
    other = WorkingGroupFactory(programme=programme)
    # Two decisions with a veteran present; one where the veteran was absent; three at a
    # meeting of another group with a veteran present; one at a meeting outside the period.
    held_meeting(group, D(2024, 2, 1), present=[VETERAN, YOUNG_WOMAN], decisions=2)
    held_meeting(group, D(2024, 3, 1), present=[YOUNG_WOMAN], absent=[VETERAN], decisions=1)
    held_meeting(other, D(2024, 4, 1), present=[VETERAN, IDP_WITH_DISABILITY], decisions=3)
    held_meeting(group, D(2023, 6, 1), present=[VETERAN], decisions=1)
    # A planned meeting's decisions (none are taken before it is held) do not count.
    planned = MeetingFactory(group=group, starts_at=at(D(2024, 5, 1)))
    Decision.objects.create(meeting=planned, text="—")

    found = decision_figures(programme, Period(D(2024, 1, 1), D(2024, 12, 31)))

    assert found["decisions_taken"] == 6
    assert found["decisions_with_veterans"] == 5  # 2 + 3: "5 of 6"
    assert found["decisions_with_youth"] == 3  # 2 + 1
    assert found["decisions_with_women"] == 3
    assert found["decisions_with_idp"] == 3
    assert found["decisions_with_disability"] == 3
    assert found["decisions_veterans_share"] == 83  # 5 of 6
    assert found["decisions_youth_share"] == 50

    one_community = decision_figures(
        programme, Period(D(2024, 1, 1), D(2024, 12, 31)), other.community
    )
    assert (one_community["decisions_with_veterans"], one_community["decisions_taken"]) == (3, 3)


def test_a_programme_without_decisions_has_no_share(programme):
    found = decision_figures(programme, Period(D(2024, 1, 1), D(2024, 12, 31)))
    assert found["decisions_taken"] == 0
    assert found["decisions_veterans_share"] is None
