"""Each token has its own rate limit (API_RATE_LIMIT), and every request is logged with the
id of the token that made it."""

import logging

import pytest

from api.models import ApiToken

pytestmark = pytest.mark.django_db


def test_a_token_past_its_rate_limit_is_refused_and_others_are_not(
    client, donor, coordinator, bearer, settings
):
    settings.API_RATE_LIMIT = "3/m"
    busy, other = bearer(donor), bearer(coordinator)
    codes = [client.get("/api/v1/programmes", headers=busy).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/v1/programmes", headers=other).status_code == 200


def test_the_default_limit_is_generous_for_a_nightly_crawl(settings):
    assert settings.API_RATE_LIMIT == "600/h"


def test_every_request_is_logged_with_its_token(client, donor, bearer, caplog):
    headers = bearer(donor)
    token = ApiToken.objects.get(user=donor)
    with caplog.at_level(logging.INFO, logger="cohesion.api"):
        client.get("/api/v1/programmes", headers=headers)
        client.get("/api/v1/programmes")
    records = [r for r in caplog.records if r.name == "cohesion.api"]
    assert [(r.token_id, r.status) for r in records] == [(token.pk, 200), (None, 401)]
    assert f"token={token.pk}" in records[0].getMessage()
    # The secret never reaches the log.
    assert headers["Authorization"].split()[1] not in caplog.text
