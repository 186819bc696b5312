"""The group's leader hears by email, in their language, when the plan is returned for revision
(with the reviewer's comments) or approved (with the council's decision); no other leader
does, and the leader hears nothing of a submission (the coordinators do)."""

import datetime

import pytest
from django.core import mail

from safetyplans import services
from tests.factories import plan_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review(group, coordinator, leader):
    _plan, version = plan_in_state("in_review", group=group, by=coordinator)
    mail.outbox.clear()
    return version


def test_returning_the_plan_emails_the_leader_the_comments(
    in_review, coordinator, leader, other_leader, django_capture_on_commit_callbacks
):
    leader.language = "en"
    leader.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.version_return(
            version=in_review, comments="Додайте бюджет освітлення.", by=coordinator
        )

    [message] = mail.outbox
    assert message.to == [leader.email]
    assert "returned for revision" in message.subject
    assert "Додайте бюджет освітлення." in message.body
    assert f"/plans/{in_review.plan_id}/v{in_review.number}/" in message.body
    assert other_leader.email not in {address for m in mail.outbox for address in m.to}


def test_approving_the_plan_emails_the_leader_the_decision_in_ukrainian(
    in_review, coordinator, leader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.version_approve(
            version=in_review,
            approving_body="Сесія сільської ради",
            decision_number="77-VIII",
            decision_date=datetime.date(2024, 2, 1),
            by=coordinator,
        )

    [message] = [m for m in mail.outbox if m.to == [leader.email]]
    assert "затверджено" in message.subject
    assert "77-VIII" in message.body
    assert "01.02.2024" in message.body
    assert "Сесія сільської ради" in message.body


def test_a_group_without_a_leader_account_sends_no_email(
    group, coordinator, django_capture_on_commit_callbacks
):
    _plan, version = plan_in_state("in_review", group=group, by=coordinator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.version_return(version=version, comments="Уточніть терміни.", by=coordinator)
    assert mail.outbox == []


def test_submitting_the_plan_sends_the_leader_nothing(
    group, coordinator, leader, django_capture_on_commit_callbacks
):
    _plan, version = plan_in_state("draft", group=group, by=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        services.version_submit(version=version, by=leader)
    # The coordinators are told (tests/safetyplans/test_review_emails.py); the leader is not.
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
