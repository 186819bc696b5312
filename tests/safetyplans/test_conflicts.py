"""Two people editing the same draft: every edit form carries the revision it was opened at,
and a save over someone else's newer save is refused (409) instead of silently replacing it.
The refused person loses nothing: their text stays in the form, next to what is saved now, and
saving that form again is a deliberate choice to replace it. The same holds when the other
person removed the item or sent the plan for review meanwhile."""

import re
import threading
import time

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from safetyplans import services
from safetyplans.models import Action, PlanVersion, Priority, SafetyPlan
from safetyplans.services import drafting
from tests.factories import PriorityFactory, SafetyPlanFactory, plan_in_state

pytestmark = pytest.mark.django_db

KINDS = ["priority", "action", "context"]

CONFLICT = {
    "priority": (
        "Someone else saved this priority while you were editing it. Your text is kept below "
        "next to theirs: compare them and save again."
    ),
    "action": (
        "Someone else saved this action while you were editing it. Your text is kept below "
        "next to theirs: compare them and save again."
    ),
    "context": (
        "Someone else saved the context while you were editing it. Your text is kept below "
        "next to theirs: compare them and save again."
    ),
}
IN_REVIEW = (
    "The plan was sent for review meanwhile, so it cannot be changed now. Your text is kept "
    "below; the reviewer can return the plan for revision."
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each role fixture sets a password; the production hasher would take most of the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def desk():
    """`desk(user)`: a browser of its own, signed in as the user, reading English pages;
    two of them are two people at their desks."""

    def open_for(user):
        client = Client()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return open_for


@pytest.fixture
def draft(group):
    """(plan, version 1 in draft with one priority and one action)."""
    return plan_in_state("draft", group=group)


def messages_of(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def revision_in(html: str) -> str:
    """The revision the edit form on the page carries, read as the browser would send it."""
    [tag] = re.findall(r'<input[^>]*name="revision"[^>]*>', html)
    return re.search(r'value="(\d+)"', tag).group(1)


def edit_form(html: str) -> str:
    [form] = [f for f in re.findall(r"<form.*?</form>", html, re.S) if 'name="revision"' in f]
    return form


def saved_now(html: str) -> str:
    """The "What is saved now" panel beside a refused form."""
    match = re.search(r'id="theirs-title">What is saved now</h2>(.*?)</section>', html, re.S)
    assert match, "no 'What is saved now' panel"
    return match.group(1)


def edit_url(kind, version):
    return {
        "priority": lambda: reverse(
            "safetyplans:priority_edit",
            args=[version.plan_id, version.number, version.priorities.get().pk],
        ),
        "action": lambda: reverse(
            "safetyplans:action_edit",
            args=[version.plan_id, version.number, version.actions.get().pk],
        ),
        "context": lambda: reverse("safetyplans:context", args=[version.plan_id, version.number]),
    }[kind]()


def typed(kind, version, who):
    """What `who` types into the form: every text field says who wrote it."""
    if kind == "priority":
        return {
            "issue": f"{who}: темна вулиця Садова",
            "category": "street_lighting",
            "description": f"{who}: діти повертаються з гуртків у темряві",
            "likelihood": "4",
            "impact": "3",
            "evidence": "survey",
            "evidence_note": f"{who}: опитування 120 батьків",
            "evidence_decision": "",
        }
    if kind == "action":
        return {
            "priority": str(version.priorities.get().pk),
            "activity": f"{who}: поставити ліхтарі на Садовій",
            "responsible": "",
            "responsible_other": f"{who}: КП «Благоустрій»",
            "partners_other": "",
            "starts_on": "2024-04-01",
            "ends_on": "2024-06-30",
            "budget_uah": "18000",
            "funding_source": "local_budget",
            "indicator": f"{who}: 8 ліхтарів світять",
        }
    return {"context_summary": f"{who}: громада на 4 тисячі мешканців, два старостинські округи"}


TEXT_FIELDS = {
    "priority": ["issue", "description", "evidence_note"],
    "action": ["activity", "responsible_other", "indicator"],
    "context": ["context_summary"],
}


def stored(kind, version):
    """The texts as saved now."""
    row = {
        "priority": lambda: Priority.objects.get(version=version),
        "action": lambda: Action.objects.get(version=version),
        "context": lambda: PlanVersion.objects.get(pk=version.pk),
    }[kind]()
    return {field: getattr(row, field) for field in TEXT_FIELDS[kind]}


def texts(data, kind):
    return {field: data[field] for field in TEXT_FIELDS[kind]}


@pytest.mark.parametrize("kind", KINDS)
def test_the_second_save_over_the_same_revision_is_refused_and_keeps_both_texts(
    desk, leader, coordinator, draft, kind
):
    _plan, version = draft
    url = edit_url(kind, version)
    first, second = desk(leader), desk(coordinator)
    first_revision = revision_in(first.get(url).text)
    second_revision = revision_in(second.get(url).text)
    assert first_revision == second_revision
    mine, theirs = typed(kind, version, "Олена"), typed(kind, version, "Петро")

    assert first.post(url, {**mine, "revision": first_revision}).status_code == 302
    response = second.post(url, {**theirs, "revision": second_revision})

    assert response.status_code == 409
    assert messages_of(response) == [("warning", CONFLICT[kind])]
    assert stored(kind, version) == texts(mine, kind)
    # Everything the second person typed is still in the form...
    form = edit_form(response.text)
    for field, text in texts(theirs, kind).items():
        assert text in form, field
        assert response.context["form"][field].value() == text, field
    # ...beside what the first saved.
    panel = saved_now(response.text)
    for field, text in texts(mine, kind).items():
        if field not in ("evidence_note", "responsible_other"):  # not shown in the panel
            assert text in panel, field
        assert text not in form, field
    # The form now carries the fresh revision: saving it again replaces, knowingly.
    fresh_revision = revision_in(response.text)
    assert int(fresh_revision) == int(second_revision) + 1
    again = second.post(url, {**theirs, "revision": fresh_revision})
    assert again.status_code == 302
    assert stored(kind, version) == texts(theirs, kind)


@pytest.mark.parametrize("kind", ["priority", "action"])
def test_editing_an_item_someone_removed_meanwhile_answers_409_and_keeps_the_text(
    desk, leader, coordinator, draft, kind
):
    _plan, version = draft
    item = {"priority": version.priorities.get, "action": version.actions.get}[kind]()
    url = edit_url(kind, version)
    editor, remover = desk(leader), desk(coordinator)
    revision = revision_in(editor.get(url).text)
    removed = remover.post(
        reverse(f"safetyplans:{kind}_remove", args=[item.pk]), {"revision": item.revision}
    )
    assert removed.status_code == 302
    assert not type(item).objects.filter(pk=item.pk).exists()
    mine = typed(kind, version, "Олена")
    if kind == "action":
        mine["priority"] = str(version.priorities.get().pk)

    response = editor.post(url, {**mine, "revision": revision})

    assert response.status_code == 409
    assert messages_of(response) == [
        ("warning", f"Someone removed this {kind} meanwhile. Your text is kept below.")
    ]
    form = edit_form(response.text)
    for field, text in texts(mine, kind).items():
        assert text in form, field
    assert not type(item).objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_editing_while_the_plan_was_sent_for_review_is_refused_and_keeps_the_text(
    desk, leader, coordinator, draft, kind
):
    plan, version = draft
    url = edit_url(kind, version)
    editor, sender = desk(leader), desk(coordinator)
    revision = revision_in(editor.get(url).text)
    before = stored(kind, version)
    sent = sender.post(reverse("safetyplans:submit", args=[plan.pk, version.number]))
    assert sent.url == plan.get_absolute_url()
    mine = typed(kind, version, "Олена")

    response = editor.post(url, {**mine, "revision": revision})

    assert response.status_code == 409
    assert messages_of(response) == [("warning", IN_REVIEW)]
    form = edit_form(response.text)
    for field, text in texts(mine, kind).items():
        assert text in form, field
    assert stored(kind, version) == before
    assert PlanVersion.objects.get(pk=version.pk).status == "in_review"
    assert SafetyPlan.objects.get(pk=plan.pk).status == "in_review"


@pytest.mark.parametrize("kind", ["priority", "action"])
def test_a_remove_with_a_stale_revision_is_refused(desk, leader, coordinator, draft, kind):
    _plan, version = draft
    item = {"priority": version.priorities.get, "action": version.actions.get}[kind]()
    remove_url = reverse(f"safetyplans:{kind}_remove", args=[item.pk])
    remover, editor = desk(leader), desk(coordinator)
    page = remover.get(version.get_absolute_url()).text
    stale = re.search(
        rf'action="{re.escape(remove_url)}"[^>]*>.*?name="revision" value="(\d+)"', page, re.S
    ).group(1)
    url = edit_url(kind, version)
    theirs = typed(kind, version, "Петро")
    assert editor.post(url, {**theirs, "revision": revision_in(editor.get(url).text)}).url

    response = remover.post(remove_url, {"revision": stale})

    assert response.url == version.get_absolute_url()
    assert messages_of(response) == [("error", CONFLICT[kind])]
    assert stored(kind, version) == texts(theirs, kind)
    # Seen afresh, the item can be removed.
    fresh = type(item).objects.get(pk=item.pk).revision
    assert remover.post(remove_url, {"revision": fresh}).status_code == 302
    assert not type(item).objects.filter(pk=item.pk).exists()


def test_a_remove_without_a_revision_is_refused(desk, leader, draft):
    _plan, version = draft
    priority = version.priorities.get()
    response = desk(leader).post(reverse("safetyplans:priority_remove", args=[priority.pk]))
    assert response.url == version.get_absolute_url()
    assert [level for level, _text in messages_of(response)] == ["error"]
    assert Priority.objects.filter(pk=priority.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_let_exactly_one_through(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks: SQLite serialises whole-database writes instead")
    plan = SafetyPlanFactory()
    priority = PriorityFactory(version=plan.versions.get())
    revision = priority.revision
    check = drafting._check_priority

    def slow_check(version, data):
        # Hold the locks a moment, so that the other save has to wait for them.
        time.sleep(0.3)
        return check(version, data)

    monkeypatch.setattr(drafting, "_check_priority", slow_check)
    start = threading.Barrier(2)
    results = []

    def save(issue):
        try:
            start.wait(timeout=10)
            services.priority_update(
                priority=Priority.objects.get(pk=priority.pk),
                revision=revision,
                issue=issue,
                category="road_safety",
                likelihood=2,
                impact=5,
                evidence="statistics",
            )
            results.append(("saved", issue))
        except services.EditConflict:
            results.append(("conflict", issue))
        except Exception as error:  # reported below, with the thread's own error
            results.append(("error", repr(error)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(issue,)) for issue in ("Перша", "Друга")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcome for outcome, _ in results) == ["conflict", "saved"], results
    [winner] = [issue for outcome, issue in results if outcome == "saved"]
    saved = Priority.objects.get(pk=priority.pk)
    assert (saved.issue, saved.revision) == (winner, revision + 1)
