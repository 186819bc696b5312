"""A token reads what its holder reads on the pages, no more: each role against each endpoint,
every answer checked against the OpenAPI schema; a donor's token never returns a person."""

import json

import pytest

from accounts.models import Role
from tests.api.conftest import ENDPOINTS, check_against_schema, openapi_schema, url
from tests.factories import MembershipFactory, PersonFactory, RoleAssignmentFactory
from workinggroups.models import GroupStatusChange

pytestmark = pytest.mark.django_db

# Expected status by endpoint, in ENDPOINTS order.
EXPECTED = {
    "coordinator": [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
    "leader": [200, 200, 200, 403, 403, 403, 200, 403, 403, 403],
    "donor": [200, 200, 200, 200, 200, 403, 200, 200, 200, 200],
    "other_donor": [200] + [404] * 9,
    "other_coordinator": [200] + [404] * 9,
    "anonymous": [401] * 10,
}


@pytest.fixture
def other_donor(other_programme):
    return RoleAssignmentFactory(role=Role.DONOR, programme=other_programme).user


@pytest.fixture
def people_in_groups(group, other_group):
    """Members with names, phones and emails in both of the programme's groups."""
    made = []
    for index, where in enumerate([group, group, other_group]):
        person = PersonFactory(
            full_name=f"Оксана Тестова-{index}",
            phone=f"+38067000111{index}",
            email=f"oksana.{index}@hromada.example",
            birth_year=1971 + index,
        )
        MembershipFactory(group=where, person=person, joined_on=where.programme.start_date)
        made.append(person)
    GroupStatusChange.objects.create(
        group=group, status="active", changed_on=group.programme.start_date, reason="launch",
        note="Оксана Тестова-0 відкрила групу",
    )  # fmt: skip
    return made


@pytest.fixture
def tokens(bearer, coordinator, leader, donor, other_donor, other_coordinator):
    return {
        "coordinator": bearer(coordinator),
        "leader": bearer(leader),
        "donor": bearer(donor),
        "other_donor": bearer(other_donor),
        "other_coordinator": bearer(other_coordinator),
        "anonymous": {},
    }


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_gets_what_its_pages_give_and_the_schema_says(
    role, client, programme, people_in_groups, tokens
):
    spec = openapi_schema(client)
    found = []
    for template in ENDPOINTS:
        response = client.get(url(template, programme), headers=tokens[role])
        check_against_schema(spec, template, response)
        found.append(response.status_code)
    assert found == EXPECTED[role]


def test_a_leader_sees_their_own_group_only(client, programme, group, other_group, leader, bearer):
    body = client.get(url("/programmes/{programme_id}/groups", programme), headers=bearer(leader))
    assert [row["id"] for row in body.json()["items"]] == [group.pk]


def test_another_programmes_people_see_none_of_its_programme(
    client, programme, other_programme, other_donor, bearer
):
    body = client.get("/api/v1/programmes", headers=bearer(other_donor)).json()
    assert [row["id"] for row in body["items"]] == [other_programme.pk]


def test_a_coordinator_reads_the_people_of_the_programme(
    client, programme, coordinator, people_in_groups, bearer
):
    body = client.get(
        url("/programmes/{programme_id}/members", programme), headers=bearer(coordinator)
    ).json()
    assert body["count"] == 3
    assert {row["full_name"] for row in body["items"]} == {p.full_name for p in people_in_groups}


def test_a_donors_token_never_returns_a_person(client, programme, donor, people_in_groups, bearer):
    headers = bearer(donor)
    secrets = []
    for person in people_in_groups:
        secrets += [person.full_name, person.phone, person.email, str(person.birth_year)]
    secrets += ["Оксана", "hromada.example", "+380"]
    for template in ENDPOINTS:
        response = client.get(url(template, programme), headers=headers)
        # Decoded, so that an escaped name cannot slip by the search; and as sent.
        text = json.dumps(response.json(), ensure_ascii=False) + response.content.decode()
        for secret in secrets:
            assert secret not in text, (template, secret)


def test_the_status_history_leaves_out_notes_and_who_recorded_them(
    client, programme, group, people_in_groups, coordinator, bearer
):
    body = client.get(
        url("/programmes/{programme_id}/groups", programme), headers=bearer(coordinator)
    ).json()
    (history,) = [row["status_history"] for row in body["items"] if row["id"] == group.pk]
    assert history == [
        {"status": "active", "changed_on": str(programme.start_date), "reason": "launch"}
    ]
