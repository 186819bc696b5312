"""The API is documented by a valid OpenAPI schema at /api/v1/openapi.json, browsable at
/api/v1/docs from our own static files under the Content Security Policy."""

import re

import pytest
from openapi_spec_validator import validate

from tests.api.conftest import ENDPOINTS

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi(client):
    spec = client.get("/api/v1/openapi.json").json()
    validate(spec)
    assert {path.removeprefix("/api/v1") for path in spec["paths"]} == {
        *ENDPOINTS,
        "/programmes/{programme_id}/safety-plans/{plan_id}",
    }
    assert spec["components"]["securitySchemes"] == {
        "TokenAuth": {"type": "http", "scheme": "bearer"}
    }


def test_the_schema_needs_no_token(client):
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_only_the_members_schema_holds_a_person(client):
    """A reviewer's guard: a field that can carry a person is in MemberOut alone."""
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    personal = {"full_name", "phone", "email", "birth_year"}
    holding = {
        name for name, schema in schemas.items() if personal & set(schema.get("properties", {}))
    }
    assert holding <= {"MemberOut", "PagedMemberOut"}


def test_the_docs_page_loads_only_our_files_and_runs_no_inline_script(as_user, donor):
    response = as_user(donor).get("/api/v1/docs")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.S)
    assert scripts
    for attributes, body in scripts:
        assert body.strip() == ""
        assert 'src="/static/' in attributes
    assert "//cdn" not in response.text and "https://" not in response.text
    assert 'data-schema-url="/api/v1/openapi.json"' in response.text


def test_the_docs_page_is_for_signed_in_people(client):
    assert client.get("/api/v1/docs").status_code == 302
