"""The whole life of a recommendation, through the pages, with the clock moved: adopted at a
meeting, sent, no answer by the deadline, answered, implemented; the programme's figures and
the stage at each step."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import translation

from dashboards.indicators import Period
from recommendations.models import Recommendation, Stage
from recommendations.selectors import recommendation_figures
from tests.recommendations.conftest import D, at, held_meeting

pytestmark = pytest.mark.django_db


def figures(programme, today):
    return recommendation_figures(programme, Period.of(programme, today), today=today)


def stage(recommendation, today):
    return Recommendation.objects.with_stage(today).get(pk=recommendation.pk).stage


def test_a_recommendation_goes_from_adopted_to_implemented_with_the_programmes_figures(
    as_user, coordinator, leader, programme, group, council, time_machine, settings
):
    settings.RECOMMENDATION_ANSWER_DAYS = 30
    meeting = held_meeting(group, D(2024, 3, 5), present=[{"is_veteran": True}])
    decision = meeting.decisions.get()
    client = as_user(leader)

    time_machine.move_to(at(D(2024, 3, 6)), tick=False)
    response = client.post(
        reverse("recommendations:create", args=[meeting.pk]),
        {"decision": decision.pk, "title": "Освітлення зупинок", "text": "Встановити ліхтарі.",
         "addressee": council.pk},
    )  # fmt: skip
    recommendation = Recommendation.objects.get()
    assert response.status_code == 302
    assert (recommendation.group, recommendation.decision) == (group, decision)
    today = D(2024, 3, 6)
    assert stage(recommendation, today) == Stage.ADOPTED
    assert figures(programme, today)["recommendations_adopted"] == 1
    assert figures(programme, today)["recommendations_sent"] == 0

    # Sent with no deadline given: the default, 30 days later.
    time_machine.move_to(at(D(2024, 3, 11)), tick=False)
    client.post(
        reverse("recommendations:send", args=[recommendation.pk]),
        {"sent_on": "2024-03-11", "letter_number": "01-12/45"},
    )
    recommendation.refresh_from_db()
    assert recommendation.answer_due_on == D(2024, 4, 10)
    assert stage(recommendation, D(2024, 4, 10)) == Stage.SENT
    assert figures(programme, D(2024, 4, 10))["recommendations_overdue"] == 0

    # The deadline passes without an answer: overdue, worked out from the clock.
    time_machine.move_to(at(D(2024, 4, 11)), tick=False)
    assert stage(recommendation, D(2024, 4, 11)) == Stage.OVERDUE
    assert figures(programme, D(2024, 4, 11))["recommendations_overdue"] == 1
    page = client.get(recommendation.get_absolute_url())
    assert 'data-stage="overdue"' in page.text
    assert str(Stage.OVERDUE.label) in page.text

    # Answered late, partly accepted.
    time_machine.move_to(at(D(2024, 4, 20)), tick=False)
    client.post(
        reverse("recommendations:answer", args=[recommendation.pk]),
        {"outcome": "partly", "received_on": "2024-04-19", "summary": "Частково."},
    )
    today = D(2024, 4, 20)
    assert stage(recommendation, today) == Stage.ANSWERED
    found = figures(programme, today)
    assert found["recommendations_overdue"] == 0
    assert found["recommendations_answered_in_time"] == 0  # after the deadline
    assert found["recommendations_partly_accepted"] == 1
    assert found["recommendations_accepted"] == 0
    assert found["recommendations_implemented"] == 0

    # What was done: partly, then implemented.
    time_machine.move_to(at(D(2024, 6, 1)), tick=False)
    for day, status in (("2024-05-10", "partly"), ("2024-05-30", "implemented")):
        response = client.post(
            reverse("recommendations:step_add", args=[recommendation.pk]),
            {"on": day, "text": "Встановлено ліхтарі.", "status": status},
        )
        assert response.status_code == 302
    today = D(2024, 6, 1)
    assert stage(recommendation, today) == Stage.IMPLEMENTED
    assert figures(programme, today)["recommendations_implemented"] == 1
    # The figures of a period that ended before the last step: as it stood then.
    may = recommendation_figures(programme, Period(D(2024, 1, 1), D(2024, 5, 20)), today=today)
    assert may["recommendations_implemented"] == 0

    # The coordinators' list and the figures above it agree.
    page = as_user(coordinator).get(reverse("recommendations:programme_list", args=[programme.pk]))
    assert 'data-figure="recommendations_implemented">1<' in page.text
    assert "Освітлення зупинок" in page.text


def test_an_answer_by_the_deadline_counts_as_answered_in_time_and_accepted(
    leader, programme, group, council, time_machine
):
    from recommendations import services

    meeting = held_meeting(group, D(2024, 3, 5))
    today = D(2024, 3, 20)
    time_machine.move_to(at(today), tick=False)
    recommendation = services.recommendation_adopt(
        meeting=meeting, title="Т", text="Текст", addressee=council, sent_on=D(2024, 3, 6),
        answer_due_on=D(2024, 3, 15), today=today, by=leader,
    )  # fmt: skip
    services.answer_record(
        recommendation=recommendation, outcome="accepted", received_on=D(2024, 3, 15),
        today=today,
    )  # fmt: skip
    found = figures(programme, today)
    assert found["recommendations_answered_in_time"] == 1
    assert found["recommendations_accepted"] == 1


def test_the_default_deadline_is_a_setting(leader, group, council, time_machine, settings):
    from recommendations import services

    settings.RECOMMENDATION_ANSWER_DAYS = 15
    meeting = held_meeting(group, D(2024, 3, 5))
    recommendation = services.recommendation_adopt(
        meeting=meeting, title="Т", text="Текст", addressee=council, sent_on=D(2024, 3, 6),
        today=D(2024, 3, 6),
    )  # fmt: skip
    assert recommendation.answer_due_on == D(2024, 3, 6) + datetime.timedelta(days=15)


def test_a_recommendation_cannot_be_sent_in_the_future_or_answered_before_sending(
    as_user, leader, group, council, time_machine
):
    meeting = held_meeting(group, D(2024, 3, 5))
    time_machine.move_to(at(D(2024, 3, 10)), tick=False)
    client = as_user(leader)
    client.post(
        reverse("recommendations:create", args=[meeting.pk]),
        {"title": "Т", "text": "Текст", "addressee": council.pk},
    )
    recommendation = Recommendation.objects.get()
    response = client.post(
        reverse("recommendations:send", args=[recommendation.pk]), {"sent_on": "2024-03-12"}
    )
    assert response.status_code == 400
    with translation.override("uk"):  # the leader reads the site in Ukrainian
        refusal = translation.gettext("The day it was sent cannot be in the future.")
    assert refusal in html.unescape(response.text)
    response = client.post(
        reverse("recommendations:answer", args=[recommendation.pk]),
        {"outcome": "accepted", "received_on": "2024-03-09"},
    )
    assert response.status_code == 400
    recommendation.refresh_from_db()
    assert recommendation.sent_on is None
    assert not hasattr(recommendation, "answer") or recommendation.answer is None
