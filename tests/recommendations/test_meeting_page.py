"""The meeting page, beside its decisions: for the group's leader and the programme's
coordinators, who was present when the group decided (by marker and category) and the
recommendations adopted there, each stage by its label; for donors nothing of it."""

import pytest
from django.urls import reverse

from recommendations import services
from recommendations.models import Stage
from tests.recommendations.conftest import D, at, held_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(group, council, time_machine):
    time_machine.move_to(at(D(2024, 4, 20)), tick=False)
    meeting = held_meeting(
        group, D(2024, 3, 5),
        present=[{"is_veteran": True, "full_name": "Петро Ветеранович"}, {"is_idp": True}],
        absent=[{"has_disability": True}],
    )  # fmt: skip
    services.recommendation_adopt(
        meeting=meeting, decision=meeting.decisions.get(), title="Укриття в школі",
        text="Т", addressee=council, sent_on=D(2024, 3, 6), today=D(2024, 4, 20),
    )  # fmt: skip
    return meeting


@pytest.mark.parametrize("role", ["coordinator", "leader"])
def test_those_who_keep_the_group_see_representation_and_recommendations_by_decision(
    request, as_user, meeting, role
):
    user = request.getfixturevalue(role)
    user.language = "en"
    user.save(update_fields=["language"])
    response = as_user(user).get(reverse("meetings:detail", args=[meeting.pk]))
    text = response.text
    assert "Who was present when the group decided" in text
    assert "2 members present" in text
    assert "Veterans or servicepeople: 1" in text
    assert "People with disabilities: 0" in text  # the member with one was absent
    assert "Укриття в школі" in text
    # Sent 6 March, no answer by 5 April: its label, never the stored code.
    assert str(Stage.OVERDUE.label) in text
    assert reverse("recommendations:create", args=[meeting.pk]) in text


def test_donors_see_neither_who_was_present_nor_the_recommendations(as_user, donor, meeting):
    response = as_user(donor).get(reverse("meetings:detail", args=[meeting.pk]))
    assert response.status_code == 200
    assert "data-representation" not in response.text
    assert "Укриття в школі" not in response.text
    assert "Петро Ветеранович" not in response.text
