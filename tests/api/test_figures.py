"""One definition per figure: for the demo programmes and a generated one, the API's indicators
are the dashboard's, figure by figure and mark by mark, for a coordinator and a donor, for the
whole period, a sub-period and one community; its IPTT is the IPTT page's table; and a donor's
crawl of every endpoint of every programme finds no person."""

import datetime
import json
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import translation

from accounts.models import User
from api.services import api_token_create
from cohesion import clock
from communities.models import Programme
from dashboards import iptt
from dashboards.indicators import BY_CODE
from tests.api.conftest import ENDPOINTS, url
from tests.conftest import give_totp
from tests.dashboards.test_consistency import dashboard_figures, scopes, shown, signed_in
from tests.dashboards.test_dashboard_queries_and_cache import grow
from tests.dashboards.test_privacy import secrets
from tests.factories import EnrolmentFactory, ProgrammeFactory
from workinggroups.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(demo_snapshot, django_db_blocker):
    """The demo (seeded once per run) and a generated running programme, made once for the
    module in a transaction rolled back at its end; every demo person given an email to look
    for."""
    with django_db_blocker.unblock(), demo_snapshot.restored():
        today = clock.today()
        generated = ProgrammeFactory(
            start_date=(today - datetime.timedelta(days=400)).replace(day=1),
            end_date=today + datetime.timedelta(days=200),
        )
        EnrolmentFactory(programme=generated)
        grow(generated, groups=4, months=13)
        people = list(Person.objects.all())
        for person in people:
            person.email = person.email or f"member.{person.pk}@hromada.example"
        Person.objects.bulk_update(people, ["email"])
        coordinator = give_totp(User.objects.get(email="coordinator@cohesion.example"))
        coordinator.is_superuser = True  # coordinates the generated programme too
        coordinator.save(update_fields=["is_superuser"])
        donor = User.objects.get(email="donor@cohesion.example")
        yield SimpleNamespace(
            programmes=list(Programme.objects.order_by("pk")),
            coordinator=coordinator,
            donor=donor,
            tokens={
                "coordinator": api_token_create(user=coordinator, name="t")[1],
                "donor": api_token_create(user=donor, name="t")[1],
            },
            secrets=secrets(),
        )


def api_get(client, path, secret, **params):
    response = client.get(path, params, headers={"Authorization": f"Bearer {secret}"})
    return response


@pytest.mark.parametrize("viewer", ["coordinator", "donor"])
def test_the_api_gives_the_dashboards_figure_for_every_indicator(world, client, viewer):
    client = signed_in(client, getattr(world, viewer))
    secret = world.tokens[viewer]
    checked = 0
    for programme in world.programmes:
        path = url("/programmes/{programme_id}/indicators", programme)
        if api_get(client, path, secret).status_code != 200:
            continue  # not this donor's programme
        for _name, period, community in scopes(programme):
            page = dashboard_figures(client, programme, period, community)
            cache.clear()
            params = {"start": period.start, "end": period.end}
            if community is not None:
                params["community"] = community.pk
            body = api_get(client, path, secret, **params).json()
            assert (body["start"], body["end"]) == (str(period.start), str(period.end))
            assert body["protected"] is (viewer == "donor")
            with translation.override("en"):
                for row in body["indicators"]:
                    unit = BY_CODE[row["code"]].unit
                    assert shown(row["value"], unit) == page[row["code"]], (
                        programme.pk, period, community, row["code"],
                    )  # fmt: skip
            assert {row["code"] for row in body["indicators"]} == set(page)
            checked += 1
    assert checked >= (3 if viewer == "donor" else 3 * len(world.programmes))


@pytest.mark.parametrize("viewer", ["coordinator", "donor"])
def test_the_api_gives_the_iptt_pages_table(world, client, viewer):
    secret = world.tokens[viewer]
    checked = 0
    for programme in world.programmes:
        path = url("/programmes/{programme_id}/iptt", programme)
        response = api_get(client, path, secret)
        if response.status_code != 200:
            continue
        body = response.json()
        cache.clear()
        table = iptt.build(programme, protected=viewer == "donor")
        assert [r["code"] for r in body["rows"]] == [r.indicator.code for r in table.rows]
        for got, row in zip(body["rows"], table.rows, strict=True):
            unit = row.indicator.unit
            assert shown(got["to_date"], unit) == shown(row.to_date, unit)
            assert got["percent"] == row.percent
            assert [shown(c["actual"], unit) for c in got["periods"]] == [
                shown(c.actual, unit) for c in row.cells
            ]
        checked += 1
    assert checked >= 1


def test_a_donors_crawl_of_every_endpoint_finds_no_person(world, client):
    secret = world.tokens["donor"]
    crawled = details = 0
    for programme in world.programmes:
        for template in ENDPOINTS:
            page = 1
            while True:
                response = api_get(client, url(template, programme), secret, page=page)
                # Decoded, so that an escaped name cannot slip by the search.
                text = json.dumps(response.json(), ensure_ascii=False)
                for found in world.secrets:
                    assert found not in text, (template, found)
                crawled += response.status_code == 200
                body = response.json()
                if template.endswith("/safety-plans") and response.status_code == 200:
                    for plan in body["items"]:
                        detail = api_get(client, f"{url(template, programme)}/{plan['id']}", secret)
                        assert detail.status_code == 200
                        text = json.dumps(detail.json(), ensure_ascii=False)
                        for found in world.secrets:
                            assert found not in text, (template, found)
                        details += 1
                if not isinstance(body, dict) or "items" not in body:
                    break
                if page * 100 >= body["count"]:
                    break
                page += 1
    assert crawled >= 5
    assert details >= 3  # the demo's approved plans, each with its actions
    assert len(world.secrets) > 50  # the search had something to look for
