"""An applicant is handed over in full: told in their language which group they joined, who
leads it and when it meets next; what they said of themselves reaches their records; and the
programme's coordinators hear of new applications once, in a daily digest."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone, translation

from communities.models import Organisation
from meetings.models import Meeting
from participation import services
from participation.models import Application
from participation.tasks import send_application_digests
from tests.factories import (
    MeetingFactory,
    MembershipFactory,
    RoleAssignmentFactory,
    UserFactory,
)
from tests.participation.test_review import ApplicationFactory, accept
from workinggroups.models import Membership, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(programme):
    """The programme runs today, its group has a leader and a meeting ahead."""
    today = timezone.localdate()
    programme.start_date = today - datetime.timedelta(days=100)
    programme.end_date = today + datetime.timedelta(days=300)
    programme.save(update_fields=["start_date", "end_date"])
    return programme


@pytest.fixture
def team(running, group):
    MembershipFactory(group=group, role=Membership.Role.LEADER, person__full_name="Олена Лідерка")
    starts = timezone.now() + datetime.timedelta(days=9)
    MeetingFactory(group=group, starts_at=starts, place="Будинок культури")
    return group


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("uk", ["прийнято", "Олена Лідерка", "Будинок культури", "за київським часом"]),
        ("en", ["accepted", "Олена Лідерка", "Будинок культури", "Kyiv time"]),
    ],
)
def test_the_accepted_applicant_is_told_their_group_its_leader_and_next_meeting(
    as_user, coordinator, running, team, django_capture_on_commit_callbacks, language, words
):
    application = ApplicationFactory(
        programme=running, email="new.member@example.org", language=language
    )
    with django_capture_on_commit_callbacks(execute=True):
        accept(as_user(coordinator), application, team)

    [welcome] = [m for m in mail.outbox if m.to == ["new.member@example.org"]]
    for word in words:
        assert word in welcome.body, (word, welcome.body)
    with translation.override(language):
        assert team.name in welcome.body
    html = welcome.alternatives[0][0]
    assert "Олена Лідерка" in html
    # A name and a meeting, never anyone's contacts.
    leader = Membership.objects.get(group=team, role=Membership.Role.LEADER).person
    assert leader.phone not in welcome.body or not leader.phone


def test_without_a_meeting_ahead_the_welcome_says_the_leader_will_tell(
    as_user, coordinator, running, group, django_capture_on_commit_callbacks
):
    Meeting.objects.filter(group=group).delete()
    application = ApplicationFactory(programme=running, email="n@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        accept(as_user(coordinator), application, group)
    [welcome] = [m for m in mail.outbox if m.to == ["n@example.org"]]
    assert "The leader will let you know when the group meets next." in welcome.body


def test_what_the_applicant_said_reaches_the_person_and_the_membership(
    as_user, coordinator, running, group
):
    organisation = Organisation.objects.create(
        name_uk="Ветеранський простір", name_en="Veterans' Space", kind=Organisation.Kind.CSO
    )
    application = ApplicationFactory(
        programme=running, is_veteran=True, organisation_name="  ВЕТЕРАНСЬКИЙ простір "
    )
    accept(as_user(coordinator), application, group)
    person = Person.objects.get()
    assert person.is_veteran
    membership = Membership.objects.get(person=person)
    assert membership.organisation == organisation


def test_an_organisation_the_directory_does_not_know_is_not_added_from_a_public_form(
    as_user, coordinator, running, group
):
    before = Organisation.objects.count()
    application = ApplicationFactory(programme=running, organisation_name="Невідома спілка")
    accept(as_user(coordinator), application, group)
    assert Organisation.objects.count() == before
    assert Membership.objects.get().organisation is None


def test_coordinators_hear_of_new_applications_once_a_day_in_their_language(
    running, coordinator, django_capture_on_commit_callbacks
):
    english = RoleAssignmentFactory(
        role=coordinator.role_assignments.get().role,
        programme=running,
        user=UserFactory(email="en.coordinator@example.org", language="en"),
    ).user
    first = ApplicationFactory.create_batch(3, programme=running)

    with django_capture_on_commit_callbacks(execute=True):
        assert send_application_digests() == 3
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {coordinator.email, english.email}
    assert "3 new applications" in by_recipient[english.email].subject
    assert "3 нові заявки" in by_recipient[coordinator.email].subject
    community = running.enrolments.first().community
    assert f"{community.name_en}: 3" in by_recipient[english.email].body
    assert f"{community.name_uk}: 3" in by_recipient[coordinator.email].body
    # No name, phone or email of an applicant in the digest.
    for application in first:
        for value in (application.full_name, application.phone, application.email):
            assert value not in by_recipient[coordinator.email].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_application_digests() == 0  # the same applications are not told twice
    assert mail.outbox == []

    ApplicationFactory(programme=running)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_application_digests() == 1
    assert {m.to[0] for m in mail.outbox} == {coordinator.email, english.email}
    assert all("1 " in m.subject for m in mail.outbox)


def test_an_application_reviewed_before_the_digest_goes_is_left_out(running, coordinator):
    from participation.tasks import send_applications_digest

    [waiting, reviewed] = ApplicationFactory.create_batch(2, programme=running)
    assert services.plan_application_digests() == 2
    assert Application.objects.get(pk=waiting.pk).announced_at is not None
    Application.objects.filter(pk=reviewed.pk).delete()  # declined meanwhile

    send_applications_digest(running.pk, [waiting.pk, reviewed.pk])
    [digest] = mail.outbox
    assert digest.subject.startswith("1 ")


def test_the_digest_runs_daily_from_the_beat_schedule():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["application-digests"]
    assert entry["task"] == "participation.tasks.send_application_digests"
    assert entry["schedule"].hour == {8}
