"""The pages added or changed keep the same number of queries with one recommendation as with
fifty (answers, steps and all), and the meeting page with one decision as with many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations import services
from tests.factories import OrganisationFactory
from tests.recommendations.conftest import D, held_meeting

pytestmark = pytest.mark.django_db
TODAY = D(2024, 4, 10)


def count(client, url) -> int:
    client.get(url)  # what a first request fills (session, content types)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def more(recommendation, n):
    """n more recommendations at the same meeting, to other bodies, in every stage."""
    meeting = recommendation.meeting
    for index in range(n):
        found = services.recommendation_adopt(
            meeting=meeting, decision=meeting.decisions.first(), title=f"Ще {index}",
            text="Текст", addressee=OrganisationFactory(kind="police"),
            sent_on=D(2024, 3, 7) if index % 2 else None, today=TODAY,
        )  # fmt: skip
        if index % 4 == 1:
            services.answer_record(
                recommendation=found, outcome="partly", received_on=D(2024, 4, 1), today=TODAY
            )
            services.step_add(
                recommendation=found, on=D(2024, 4, 2), text="Крок", status="partly", today=TODAY
            )


@pytest.mark.parametrize("role", ["coordinator", "leader"])
def test_the_lists_cost_the_same_queries_for_1_recommendation_and_50(
    request, as_user, recommendation, role
):
    client = as_user(request.getfixturevalue(role))
    urls = [reverse("recommendations:group_list", args=[recommendation.group_id])]
    if role == "coordinator":
        urls.append(
            reverse("recommendations:programme_list", args=[recommendation.group.programme_id])
            + "?stage=answered"
        )
        urls.append(
            reverse("recommendations:programme_list", args=[recommendation.group.programme_id])
        )
    one = [count(client, url) for url in urls]
    more(recommendation, 49)
    assert [count(client, url) for url in urls] == one


def test_a_recommendations_page_costs_the_same_queries_with_one_step_and_twenty(
    as_user, coordinator, recommendation
):
    client = as_user(coordinator)
    services.step_add(
        recommendation=recommendation, on=D(2024, 4, 2), text="Крок", status="partly", today=TODAY
    )
    one = count(client, recommendation.get_absolute_url())
    for day in range(3, 10):
        services.step_add(
            recommendation=recommendation, on=D(2024, 4, day), text="Крок", status="partly",
            today=TODAY,
        )  # fmt: skip
    assert count(client, recommendation.get_absolute_url()) == one


@pytest.mark.parametrize("role", ["coordinator", "leader", "donor"])
def test_the_meeting_page_costs_the_same_queries_with_one_decision_and_many(
    request, as_user, group, recommendation, role
):
    client = as_user(request.getfixturevalue(role))
    small = held_meeting(group, D(2024, 3, 20), present=[{"is_veteran": True}], decisions=1)
    large = held_meeting(
        group, D(2024, 3, 25), present=[{"is_veteran": True}, {"is_idp": True}] * 5, decisions=12
    )
    for meeting in (small, large):
        services.recommendation_adopt(
            meeting=meeting, decision=meeting.decisions.first(), title="Т", text="Т",
            addressee=recommendation.addressee, today=TODAY,
        )  # fmt: skip
    for decision in large.decisions.all():
        services.recommendation_adopt(
            meeting=large, decision=decision, title="Т", text="Т",
            addressee=recommendation.addressee, today=TODAY,
        )  # fmt: skip
    assert count(client, reverse("meetings:detail", args=[small.pk])) == count(
        client, reverse("meetings:detail", args=[large.pk])
    )
