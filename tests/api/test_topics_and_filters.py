"""Safety plans, events and recommendations are the dashboard's own figures of each topic,
filtered by period and community as /indicators is; filters the programme cannot answer for
are refused (400)."""

import datetime

import pytest

from tests.api.conftest import url
from tests.dashboards.test_dashboard_queries_and_cache import grow

pytestmark = pytest.mark.django_db

TOPICS = {
    "safety-plans/figures": {
        "plans_approved", "plans_in_preparation", "plan_actions_done", "plan_actions_overdue",
    },
    "events": {"trainings", "exchange_visits", "event_participants"},
    "recommendations": {
        "recommendations_adopted", "recommendations_sent", "recommendations_answered_in_time",
        "recommendations_overdue", "recommendations_accepted", "recommendations_partly_accepted",
        "recommendations_implemented",
    },
}  # fmt: skip


@pytest.mark.parametrize("viewer", ["coordinator", "donor"])
@pytest.mark.parametrize("topic", list(TOPICS))
def test_a_topic_gives_the_indicators_own_figures(
    client, programme, coordinator, donor, bearer, topic, viewer
):
    grow(programme, groups=3, months=4)
    headers = bearer(coordinator if viewer == "coordinator" else donor)
    start = programme.start_date.isoformat()
    end = (programme.start_date + datetime.timedelta(days=100)).isoformat()
    query = {"start": start, "end": end}
    every = client.get(
        url("/programmes/{programme_id}/indicators", programme), query, headers=headers
    )
    part = client.get(
        url(f"/programmes/{{programme_id}}/{topic}", programme), query, headers=headers
    )
    assert part.status_code == 200
    figures = {row["code"]: row for row in every.json()["indicators"]}
    got = {row["code"]: row for row in part.json()["indicators"]}
    assert set(got) == TOPICS[topic]
    assert got == {code: figures[code] for code in TOPICS[topic]}
    assert part.json()["start"] == start


def test_a_period_is_cut_to_the_programmes(client, programme, donor, bearer):
    body = client.get(
        url("/programmes/{programme_id}/events", programme),
        {"start": "1990-01-01", "end": "2100-01-01"},
        headers=bearer(donor),
    ).json()
    assert body["start"] == str(programme.start_date)
    assert body["end"] == str(programme.ends_on)


def test_a_period_ending_before_it_starts_is_refused(client, programme, donor, bearer):
    response = client.get(
        url("/programmes/{programme_id}/indicators", programme),
        {"start": "2024-05-01", "end": "2024-02-01"},
        headers=bearer(donor),
    )
    assert response.status_code == 400


def test_a_community_outside_the_programme_is_refused(
    client, programme, other_programme, donor, bearer
):
    elsewhere = other_programme.enrolments.first().community_id
    response = client.get(
        url("/programmes/{programme_id}/indicators", programme),
        {"community": elsewhere},
        headers=bearer(donor),
    )
    assert response.status_code == 400


def test_groups_filter_by_community(client, programme, group, other_group, donor, bearer):
    body = client.get(
        url("/programmes/{programme_id}/groups", programme),
        {"community": group.community_id},
        headers=bearer(donor),
    ).json()
    assert [row["id"] for row in body["items"]] == [group.pk]


def test_communities_carry_their_katotth_code_and_pcode(client, programme, donor, bearer):
    community = programme.enrolments.get().community
    community.pcode = "UA1804001"
    community.save(update_fields=["pcode"])
    body = client.get(
        url("/programmes/{programme_id}/communities", programme), headers=bearer(donor)
    ).json()
    (row,) = body["items"]
    assert (row["katotth_code"], row["pcode"]) == (community.katotth_code, "UA1804001")
