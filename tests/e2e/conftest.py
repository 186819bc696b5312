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
