"""Playwright in Debian's Chromium. Never `playwright install`: downloads fail here.

Locally a missing Chromium skips these tests with a hint; under CI (CI=true) it fails the run.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "e2e" in item.nodeid:
            # Chromium and the Celery workers read the real clock: so does the live server.
            item.add_marker(pytest.mark.wall_clock)
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"Chromium is required under CI but {CHROMIUM} is missing.")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} missing: apt-get install -y chromium")
    for item in items:
        if "e2e" in item.nodeid:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "uk-UA", "timezone_id": "Europe/Kyiv"}


@pytest.fixture(autouse=True)
def _service_workers_only_where_asked(browser):
    """Browser contexts block service workers unless a test asks for them (the offline
    journey): elsewhere the worker's background fetches of the leader's pages outlive the
    test and, on SQLite, hold up the database's teardown."""
    original = browser.new_context

    def new_context(**kwargs):
        kwargs.setdefault("service_workers", "block")
        return original(**kwargs)

    browser.new_context = new_context
    yield
    browser.new_context = original


class DemoSnapshot:
    """The seeded demo, taken once per run and put back for each journey that asks for it:
    seeding takes 20-40 s (a third of the suite's time went there), putting it back about a
    second. The journeys are transactional (a live server), so their flush empties the
    database after each; the snapshot is every table's rows, content types included (the
    flush's post_migrate renumbers those). SQLite copies the whole file with its backup API;
    PostgreSQL empties the tables and inserts the rows with triggers off (the rows already
    hold what the triggers keep: summaries, figure versions)."""

    def __init__(self):
        from django.db import connection

        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            import sqlite3

            connection.ensure_connection()
            self.copy = sqlite3.connect(":memory:", check_same_thread=False)
            connection.connection.backup(self.copy)
            return
        self.tables = {}
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f'SELECT * FROM "{table}"')
                columns = [column.name for column in cursor.description]
                self.tables[table] = (columns, cursor.fetchall())

    def restore(self):
        from django.contrib.contenttypes.models import ContentType
        from django.db import connection

        if self.vendor == "sqlite":
            connection.ensure_connection()
            self.copy.backup(connection.connection)
        else:
            names = ", ".join(f'"{table}"' for table in self.tables)
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
                try:
                    cursor.execute(f"TRUNCATE {names}")
                    for table, (columns, rows) in self.tables.items():
                        if rows:
                            fields = ", ".join(f'"{c}"' for c in columns)
                            marks = ", ".join(["%s"] * len(columns))
                            cursor.executemany(
                                f'INSERT INTO "{table}" ({fields}) VALUES ({marks})', rows
                            )
                finally:
                    cursor.execute("SET session_replication_role = DEFAULT")
        ContentType.objects.clear_cache()


_demo: dict[str, DemoSnapshot] = {}


@pytest.fixture
def demo(settings, transactional_db):
    """The demo as `make run` lays it out, seeded on the first journey that asks for it and
    put back for the others."""
    from demo.seed import seed_demo

    if "demo" in _demo:
        _demo["demo"].restore()
        return
    settings.DEBUG = True  # demo accounts get their printed password only in DEBUG
    seed_demo()
    settings.DEBUG = False
    _demo["demo"] = DemoSnapshot()
