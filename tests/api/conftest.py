import pytest

from api.services import api_token_create


@pytest.fixture
def bearer():
    """`bearer(user)`: headers carrying a new personal token of the user's."""

    def make(user, **kwargs):
        _token, secret = api_token_create(user=user, name="aggregator", **kwargs)
        return {"Authorization": f"Bearer {secret}"}

    return make


ENDPOINTS = [
    "/programmes",
    "/programmes/{programme_id}/communities",
    "/programmes/{programme_id}/groups",
    "/programmes/{programme_id}/indicators",
    "/programmes/{programme_id}/iptt",
    "/programmes/{programme_id}/members",
    "/programmes/{programme_id}/safety-plans",
    "/programmes/{programme_id}/safety-plans/figures",
    "/programmes/{programme_id}/events",
    "/programmes/{programme_id}/recommendations",
]


def url(template: str, programme) -> str:
    return "/api/v1" + template.format(programme_id=programme.pk)


def openapi_schema(client) -> dict:
    """The schema as served (JSON: status codes are strings there)."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def check_against_schema(spec: dict, template: str, response) -> None:
    """The response's body is what the schema says this endpoint returns for its status."""
    from openapi_schema_validator import OAS31Validator

    documented = spec["paths"]["/api/v1" + template]["get"]["responses"]
    assert str(response.status_code) in documented, (template, response.status_code)
    content = documented[str(response.status_code)]["content"]["application/json"]
    schema = {**content["schema"], "components": spec["components"]}
    OAS31Validator(schema).validate(response.json())
