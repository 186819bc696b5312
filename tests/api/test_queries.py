"""Every endpoint costs the same number of queries with one group and with twelve (figures
computed afresh each time: the cache is emptied before each request)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import ENDPOINTS, url
from tests.dashboards.test_dashboard_queries_and_cache import grow

pytestmark = pytest.mark.django_db


def queries(client, programme, headers) -> dict[str, int]:
    counts = {}
    for template in ENDPOINTS:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(template, programme), headers=headers)
        assert response.status_code == 200, template
        counts[template] = len(captured)
    return counts


def test_query_counts_do_not_grow_with_the_programme(client, programme, coordinator, bearer):
    headers = bearer(coordinator)
    client.get("/api/v1/programmes", headers=headers)  # the token's first use is written once
    grow(programme, groups=1, months=3)
    small = queries(client, programme, headers)
    grow(programme, groups=11, months=3, members=4)
    assert queries(client, programme, headers) == small
    # The token with its holder, the holder's roles with their second factor, the count and
    # the page.
    assert small["/programmes"] == 4
    # The token, roles with the second factor, the programme (its access check), the count,
    # the page and the status history.
    assert small["/programmes/{programme_id}/groups"] == 6
    # The IPTT asks the dashboard's figures for each reporting period and the whole period
    # (about 25 each, uncached): it grows with the programme's length, never its size.
    assert small["/programmes/{programme_id}/indicators"] < 30
