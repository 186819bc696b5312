"""A coordinator approves a safety plan, watches its PDF being prepared by a real Celery
worker, and downloads it.

The approval queues the rendering on Redis; the worker is started only once the page shows the
waiting PDF, so the progress indicator is seen every time, and the page's polling then swaps in
the download link. Needs PostgreSQL (the worker is another process and must see the test
database) and Redis, as CI has; a local SQLite run skips it."""

import os
import re
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pypdf
import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from safetyplans.models import PlanDocument, PlanVersion, SafetyPlan
from tests.e2e.test_sign_in_journey import current_code, give_totp, sign_in
from tests.meetings.test_celery_integration import BROKER_URL
from tests.workers import database_url

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the worker process must share the test database: PostgreSQL only",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def queue(monkeypatch):
    """Rendering tasks go to a queue of their own on the real Redis instead of running eagerly
    inside the request."""
    import redis

    from safetyplans.tasks import render_plan_document

    client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {BROKER_URL}")
    name = f"plans-test-{uuid.uuid4().hex[:12]}"
    # Not the current app: the shared tasks must stay bound to the project's app.
    sender = Celery("plans-producer", broker=BROKER_URL, set_as_current=False)
    sender.conf.task_serializer = "json"

    def send(args, **options):
        sender.send_task(render_plan_document.name, args=list(args), queue=name)

    # cohesion.broker hands the task over with apply_async: to this queue, not run eagerly.
    monkeypatch.setattr(render_plan_document, "apply_async", send)
    yield name
    sender.close()
    for key in client.scan_iter(match=f"*{name}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def start_worker(settings):
    processes = []
    logs = tempfile.TemporaryDirectory(prefix="plan-worker-")

    def start(queue: str):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cohesion.settings",
            "DATABASE_URL": database_url(),
            "CONN_MAX_AGE": "0",
            "REDIS_URL": BROKER_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        }
        celery = Path(sys.executable).with_name("celery")
        log = open(Path(logs.name) / "worker.log", "wb")  # noqa: SIM115 - closed below
        command = [
            str(celery), "-A", "cohesion", "worker", "--pool=solo", "-Q", queue,
            "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        root = Path(__file__).resolve().parents[2]
        processes.append((subprocess.Popen(command, cwd=root, env=env, stdout=log), log))

    yield start
    for process, log in processes:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
    logs.cleanup()


def test_coordinator_approves_a_plan_sees_the_pdf_progress_and_downloads_it(
    page: Page, live_server, demo, queue, start_worker, tmp_path
):
    plan = SafetyPlan.objects.get(
        group__programme__title_en__startswith="Demo programme",
        group__community__name_uk="Чорнобаївська",
        status=PlanVersion.Status.IN_REVIEW,
    )
    secret = give_totp("coordinator@cohesion.example")
    sign_in(page, live_server.url, "coordinator@cohesion.example", DEMO_PASSWORD)
    page.get_by_label("Код", exact=False).first.fill(current_code(secret))
    page.get_by_role("button", name="Увійти").click()
    # Signed in before going on: a page opened while the sign-in is still posting loses it.
    expect(page).not_to_have_url(re.compile(r"/accounts/"))

    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    page.get_by_role("link", name="Затвердити").click()
    page.get_by_label("Ким затверджено").fill("Чорнобаївська сільська військова адміністрація")
    page.get_by_label("Номер рішення").fill("45-р")
    page.get_by_label("Дата рішення").fill(timezone.localdate().isoformat())
    page.locator("main form button[type=submit]").click()

    # Back on the plan: approved, and the PDF waits for a worker.
    expect(page.get_by_text("Затверджено").first).to_be_visible()
    progress = page.locator("[data-document-progress]")
    expect(progress).to_be_visible()
    expect(page.locator("main progress[aria-label]").last).to_be_visible()
    assert PlanDocument.objects.get(version__plan=plan).status == PlanDocument.Status.QUEUED

    start_worker(queue)
    download_link = page.locator("[data-document-ready]")
    expect(download_link).to_be_visible(timeout=60_000)
    with page.expect_download() as info:
        download_link.click()
    path = tmp_path / "plan.pdf"
    info.value.save_as(path)

    text = "".join(p.extract_text() for p in pypdf.PdfReader(path).pages)
    assert "Чорнобаївська" in text
    assert "45-р" in text
    document = PlanDocument.objects.get(version__plan=plan)
    assert document.status == PlanDocument.Status.READY
    assert document.size == path.stat().st_size
