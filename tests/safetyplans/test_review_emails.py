"""The programme's coordinators hear by email, each in their language, when a plan is sent for
review, and whether it comes back after their comments (the link then opens the changes since).
Not coordinators of other programmes, not deactivated accounts, not the coordinator who sent it,
and no leader."""

import pytest
from django.core import mail
from django.utils import translation

from accounts.models import Role
from safetyplans import services
from safetyplans.models import PlanVersion
from tests.factories import RoleAssignmentFactory, plan_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(group):
    _plan, version = plan_in_state("draft", group=group)
    return version


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def submit(version, by, capture):
    mail.outbox.clear()
    with capture(execute=True):
        services.version_submit(version=version, by=by)


def test_submitting_emails_the_programmes_coordinators_with_a_link_to_the_version(
    draft, coordinator, leader, django_capture_on_commit_callbacks
):
    coordinator.language = "en"
    coordinator.save(update_fields=["language"])

    submit(draft, leader, django_capture_on_commit_callbacks)

    [message] = mail.outbox
    assert message.to == [coordinator.email]
    assert "has been sent for review" in message.subject
    with translation.override("en"):
        assert draft.plan.group.community.full_name in message.subject
    assert f"/plans/{draft.plan_id}/v{draft.number}/" in message.body
    assert "#since-review" not in message.body
    assert "after the comments" not in message.body
    assert str(leader) in message.body


def test_a_resubmission_says_it_comes_after_the_comments_and_links_to_the_changes(
    draft, coordinator, leader, django_capture_on_commit_callbacks
):
    coordinator.language = "en"
    coordinator.save(update_fields=["language"])
    services.version_submit(version=draft, by=leader)
    services.version_return(version=draft, comments="Додайте укриття.", by=coordinator)

    submit(draft, leader, django_capture_on_commit_callbacks)

    [message] = mail.outbox
    assert "back for review after your comments" in message.subject
    assert "after the comments of" in message.body
    assert "Додайте укриття." in message.body
    assert f"/plans/{draft.plan_id}/v{draft.number}/#since-review" in message.body
    html = message.alternatives[0][0]
    assert "Додайте укриття." in html and "#since-review" in html


def test_coordinators_get_the_email_in_their_own_language(
    draft, coordinator, leader, programme, django_capture_on_commit_callbacks
):
    english = RoleAssignmentFactory(
        role=Role.COORDINATOR, programme=programme, user__language="en"
    ).user
    coordinator.language = "uk"
    coordinator.save(update_fields=["language"])

    submit(draft, leader, django_capture_on_commit_callbacks)

    # The community is named in each reader's language (the wording of the new email is in
    # the catalogue only once it is compiled).
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    community = draft.plan.group.community
    for email, language in ((english.email, "en"), (coordinator.email, "uk")):
        with translation.override(language):
            assert community.full_name in subjects[email]
    assert subjects[english.email] != subjects[coordinator.email]


def test_inactive_coordinators_and_other_programmes_coordinators_get_nothing(
    draft, coordinator, other_coordinator, leader, programme, django_capture_on_commit_callbacks
):
    gone = RoleAssignmentFactory(role=Role.COORDINATOR, programme=programme).user
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    submit(draft, leader, django_capture_on_commit_callbacks)

    assert recipients() == [coordinator.email]


def test_donors_and_leaders_get_nothing(
    draft, coordinator, donor, leader, other_leader, django_capture_on_commit_callbacks
):
    submit(draft, leader, django_capture_on_commit_callbacks)
    assert recipients() == [coordinator.email]


def test_the_coordinator_who_sends_the_plan_is_not_told_of_it(
    draft, coordinator, programme, django_capture_on_commit_callbacks
):
    colleague = RoleAssignmentFactory(role=Role.COORDINATOR, programme=programme).user

    submit(draft, coordinator, django_capture_on_commit_callbacks)

    assert recipients() == [colleague.email]


def test_a_plan_no_longer_in_review_when_the_email_goes_sends_nothing(draft, coordinator, leader):
    from safetyplans.tasks import notify_plan_submitted

    services.version_submit(version=draft, by=leader)
    services.version_return(version=draft, comments="Ще ні.", by=coordinator)
    mail.outbox.clear()
    assert PlanVersion.objects.get(pk=draft.pk).status == "returned"
    assert notify_plan_submitted(draft.pk) == 0
    assert mail.outbox == []
