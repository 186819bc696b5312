"""Playwright in Debian's Chromium. Never `playwright install`: downloads fail here.

Locally a missing Chromium skips these tests with a hint; under CI (CI=true) it fails the run.
"""

import os
from pathlib import Path

import pytest

from tests.demo_snapshot import DemoSnapshot

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


_demo: dict[str, DemoSnapshot] = {}


@pytest.fixture
def demo(settings, transactional_db):
    """The demo as `make run` lays it out, seeded on the first journey that asks for it and
    put back for the others (seeding takes 20-40 s, putting it back about a second). Seeded
    committed, its callbacks on commit run, unlike the modules' `demo_snapshot`; the journeys
    are transactional (a live server), so their flush empties the database after each."""
    from demo.seed import seed_demo

    if "demo" in _demo:
        _demo["demo"].restore()
        return
    settings.DEBUG = True  # demo accounts get their printed password only in DEBUG
    seed_demo()
    settings.DEBUG = False
    _demo["demo"] = DemoSnapshot()
