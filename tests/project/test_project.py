"""Project-wide guarantees: migrations, catalogues, settings, security headers, error pages."""

import ast
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]


def test_no_pending_migrations(db):
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as exit_:  # raised when a migration is missing
        pytest.fail(f"Pending migrations:\n{out.getvalue()} ({exit_})")


def po_entries(path: Path):
    """(msgid, [msgstr...], flags) for each entry of a .po file, header excluded."""
    entries, current, key, flags = [], None, None, ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#,"):
            flags = line
        elif line.startswith("msgid "):
            current, key = {"msgid": "", "msgstr": {}, "flags": flags}, "msgid"
            current["msgid"] = ast.literal_eval(line[6:])
        elif line.startswith("msgid_plural "):
            key = "plural"
        elif line.startswith("msgstr"):
            key = line.split(" ", 1)[0]
            current["msgstr"][key] = eval(line.split(" ", 1)[1])
        elif line.startswith('"') and current is not None:
            if key == "msgid":
                current["msgid"] += ast.literal_eval(line)
            elif key.startswith("msgstr"):
                current["msgstr"][key] += ast.literal_eval(line)
        elif not line.strip() and current is not None:
            if current["msgid"]:
                entries.append(current)
            current, flags = None, ""
    return entries


def test_ukrainian_catalogue_is_complete():
    entries = po_entries(ROOT / "locale/uk/LC_MESSAGES/django.po")
    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_ukrainian_catalogue_loads():
    with translation.override("uk"):
        assert translation.gettext("Programmes") == "Програми"
        assert translation.gettext("Sign in") == "Увійти"
    with translation.override("en"):
        assert translation.gettext("Programmes") == "Programmes"


def test_health_reports_the_database(client, db):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_health_names_a_broker_that_is_down_without_taking_the_site_out(client, db, settings):
    # Pages answer without Redis: a 503 would make the load balancer drop every web process.
    settings.REDIS_URL = settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "ok", "broker": "error"},
    }


def test_health_fails_when_the_database_is_down(client, db):
    from unittest import mock

    from django.db import connection

    with mock.patch.object(connection, "cursor", side_effect=OSError("connection refused")):
        response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"


@pytest.mark.parametrize(
    ("language", "text"), [("uk", "Сторінку не знайдено"), ("en", "Page not found")]
)
def test_404_page_speaks_the_visitors_language(client, db, settings, language, text):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert text in response.text


def test_500_page_renders_without_context(db):
    from cohesion.views import server_error

    request = RequestFactory().get("/")
    with translation.override("en"):
        response = server_error(request)
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_pages_send_a_strict_content_security_policy(client, db):
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


def test_pages_have_no_inline_script_or_style(as_user, coordinator, programme):
    client = as_user(coordinator)
    urls = [
        reverse("communities:programme_list"),
        programme.get_absolute_url(),
        reverse("communities:programme_edit", args=[programme.pk]),
        reverse("communities:community_list"),
        reverse("communities:organisation_list"),
        reverse("accounts:invitation_list"),
        reverse("accounts:profile"),
        reverse("mfa_index"),
    ]
    client.logout()
    urls_anonymous = [reverse("home"), reverse("account_login"), reverse("account_reset_password")]
    for url in urls_anonymous:
        html = client.get(url).text
        assert not INLINE_SCRIPT.search(html), url
        assert not EVENT_HANDLER.search(html), url
        assert not INLINE_STYLE.search(html), url
    client = as_user(coordinator)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not INLINE_SCRIPT.search(response.text), url
        assert not EVENT_HANDLER.search(response.text), url
        assert not INLINE_STYLE.search(response.text), url


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7#kq!2v9@zL4m$wP0r^tY8uE3nB6cJ1hG5dF-aS_oI+eR&yT*",
    "ALLOWED_HOSTS": "cohesion.example.org",
    "DATABASE_URL": "sqlite:////tmp/cohesion-deploy-check.sqlite3",
}


def test_deploy_check_is_clean_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_secret_key_is_required_once_debug_is_off():
    env = {key: value for key, value in PRODUCTION.items() if key != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_without_redis_tasks_run_eagerly_and_cache_is_local(settings):
    if settings.REDIS_URL:
        pytest.skip("Redis is configured for this run")
    assert settings.CELERY_TASK_ALWAYS_EAGER
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


def test_database_connections_persist(settings):
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
