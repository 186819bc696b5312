"""The coordinators' review of applications. Only the programme's coordinators see the queue.
Accepting seats the applicant in a group as one person with one membership, however often it
is pressed and even when two presses race, matches someone already on record (whom the
coordinator may see) instead of creating them again, scrubs the application and tells the
group's leader. Declining needs a reason, tells the applicant and deletes the application.
Applications nobody reviewed are deleted after the retention period."""

import datetime
import threading
import time

import factory
import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from factory.django import DjangoModelFactory

from accounts.models import Role
from participation import services
from participation.models import Application
from participation.tasks import purge_applications
from tests.factories import (
    MembershipFactory,
    PersonFactory,
    RoleAssignmentFactory,
    UserFactory,
    WorkingGroupFactory,
    category_by_code,
)
from workinggroups.models import Membership, Person

pytestmark = pytest.mark.django_db

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="module")
def _fast_passwords():
    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        yield


@pytest.fixture(autouse=True)
def _language_restored():
    language = translation.get_language()
    yield
    translation.activate(language)


class ApplicationFactory(DjangoModelFactory):
    """An application waiting for review, sent to the programme for its first community."""

    class Meta:
        model = Application

    programme = None  # always given
    community = factory.LazyAttribute(lambda o: o.programme.enrolments.first().community)
    full_name = factory.Sequence(lambda n: f"Заявниця-{n:05d} Тестова")
    phone = factory.Sequence(lambda n: f"+38050{n:07d}")
    email = factory.Sequence(lambda n: f"applicant{n}@example.org")
    category = factory.LazyFunction(lambda: category_by_code("police"))
    organisation_name = "Відділ поліції"
    motivation = "Хочу допомагати громаді."
    consent_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=2))
    language = "uk"


def queue_url(programme) -> str:
    return reverse("participation:queue", args=[programme.pk])


def accept(client, application, group, person="new"):
    return client.post(
        reverse("participation:accept", args=[application.pk]),
        {"group": group.pk, "person": person},
    )


def decline(client, application, reason):
    return client.post(reverse("participation:decline", args=[application.pk]), {"reason": reason})


def ukrainian(msgid: str) -> str:
    with translation.override("uk"):
        text = gettext(msgid)
    assert text != msgid, f"no Ukrainian translation for {msgid!r}"
    return text


# --- who sees the queue ---------------------------------------------------------------------


def test_coordinator_sees_the_applications_waiting_in_the_queue(
    as_user, coordinator, programme, other_programme
):
    mine = ApplicationFactory(programme=programme)
    theirs = ApplicationFactory(programme=other_programme)

    response = as_user(coordinator).get(queue_url(programme))

    assert response.status_code == 200
    assert mine.full_name in response.text
    assert mine.get_absolute_url() in response.text
    assert theirs.full_name not in response.text


def test_coordinator_of_another_programme_cannot_find_the_queue_nor_an_application(
    as_user, other_coordinator, programme
):
    application = ApplicationFactory(programme=programme)
    client = as_user(other_coordinator)

    assert client.get(queue_url(programme)).status_code == 404
    assert client.get(application.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("role", ["donor", "leader"])
def test_donor_and_leader_may_not_open_the_queue(request, as_user, programme, role):
    user = request.getfixturevalue(role)

    assert as_user(user).get(queue_url(programme)).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in_from_the_queue(client, programme):
    response = client.get(queue_url(programme))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_others_cannot_accept_or_decline_and_nothing_changes(
    as_user, other_coordinator, donor, leader, programme, group
):
    application = ApplicationFactory(programme=programme)
    # Applications are visible to their programme's coordinators only: to anyone else,
    # they do not exist.
    for user in (other_coordinator, donor, leader):
        client = as_user(user)
        assert client.get(application.get_absolute_url()).status_code == 404, user
        assert accept(client, application, group).status_code == 404, user
        assert decline(client, application, "Ні.").status_code == 404, user

    application.refresh_from_db()
    assert application.status == Application.Status.NEW
    assert not Person.objects.exists()
    assert mail.outbox == []


# --- accepting ------------------------------------------------------------------------------


def test_accepting_creates_one_person_and_one_membership_and_scrubs_the_application(
    as_user, coordinator, programme, group
):
    application = ApplicationFactory(programme=programme, is_veteran=True, is_youth=True)
    sent = {
        name: getattr(application, name)
        for name in ("full_name", "phone", "email", "community", "consent_at", "category")
    }

    response = accept(as_user(coordinator), application, group)

    assert response.status_code == 302
    assert response["Location"] == queue_url(programme)
    person = Person.objects.get()
    assert person.full_name == sent["full_name"]
    assert person.phone == sent["phone"]
    assert person.email == sent["email"]
    assert person.community == sent["community"]
    assert person.is_veteran is True
    assert person.consent_given_on == timezone.localdate(sent["consent_at"])
    membership = Membership.objects.get()
    assert (membership.person, membership.group) == (person, group)
    assert membership.category == sent["category"]
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    assert application.membership == membership
    assert application.decided_by == coordinator
    assert application.decided_at is not None
    scrubbed = ("full_name", "phone", "email", "organisation_name", "motivation")
    assert {name: getattr(application, name) for name in scrubbed} == dict.fromkeys(scrubbed, "")


def test_accepting_twice_gives_one_person_and_one_membership(
    as_user, coordinator, programme, group
):
    application = ApplicationFactory(programme=programme)
    client = as_user(coordinator)

    first = accept(client, application, group)
    second = accept(client, application, group)

    assert (first.status_code, second.status_code) == (302, 302)
    assert Person.objects.count() == 1
    assert Membership.objects.count() == 1


def test_accepting_into_a_group_of_another_programme_is_refused(
    as_user, coordinator, programme, other_programme
):
    application = ApplicationFactory(programme=programme)
    stranger = WorkingGroupFactory(programme=other_programme)

    response = accept(as_user(coordinator), application, stranger)

    assert response.status_code == 400
    assert "group" in response.context["accept_form"].errors
    assert not Person.objects.exists()
    assert Application.objects.get().status == Application.Status.NEW


def test_accepting_into_a_ceased_group_is_refused_and_leaves_no_person_behind(
    as_user, coordinator, programme, group
):
    WorkingGroupFactory._meta.model.objects.filter(pk=group.pk).update(status="ceased")
    application = ApplicationFactory(programme=programme)

    response = accept(as_user(coordinator), application, group)

    assert response.status_code == 400
    assert not Person.objects.exists()  # created, then undone with the refused membership
    assert not Membership.objects.exists()
    application.refresh_from_db()
    assert application.status == Application.Status.NEW
    assert application.full_name


def test_queue_costs_the_same_queries_with_1_and_with_30_applications(
    as_user, coordinator, programme, group
):
    client = as_user(coordinator)
    url = queue_url(programme)

    def add(i):
        ApplicationFactory(programme=programme, category=category_by_code(["police", "cso"][i % 2]))
        membership = MembershipFactory(group=WorkingGroupFactory(programme=programme))
        ApplicationFactory(
            programme=programme,
            status=Application.Status.ACCEPTED,
            full_name="",
            phone="",
            email="",
            membership=membership,
            decided_by=coordinator,
            decided_at=timezone.now(),
        )

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), response.text

    add(0)
    client.get(url)
    one, page = count()
    assert page.count('class="list-group-item list-group-item-action"') == 1
    for i in range(1, 30):
        add(i)
    many, page = count()
    assert page.count('class="list-group-item list-group-item-action"') == 30

    # Session, user, roles with the second factor; the programme; the waiting counted and their
    # page, and the accepted.
    assert many == one
    assert one <= 8


@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_once_give_one_person_and_one_membership(
    programme, group, coordinator, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks: concurrent requests are tested on PostgreSQL")
    application = ApplicationFactory(programme=programme)
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(coordinator)
    # Widen the race: whoever creates the person holds the application's lock a little
    # longer, so the other request surely arrives while it is held.
    real_person_create = services.person_create
    created = []

    def slow_person_create(**kwargs):
        created.append(kwargs["fields"]["full_name"])
        time.sleep(0.3)
        return real_person_create(**kwargs)

    monkeypatch.setattr(services, "person_create", slow_person_create)
    real_accept = services.application_accept
    entered = []

    def counted_accept(**kwargs):
        entered.append(kwargs["by"])
        return real_accept(**kwargs)

    monkeypatch.setattr(services, "application_accept", counted_accept)
    start = threading.Barrier(2)
    statuses = []

    def press(client):
        try:
            start.wait()
            statuses.append(accept(client, application, group).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == [302, 302]
    assert len(entered) == 2  # both requests reached the service: the race was real
    assert len(created) == 1
    assert Person.objects.count() == 1
    assert Membership.objects.count() == 1
    application.refresh_from_db()
    assert application.membership == Membership.objects.get()


# --- matching someone on record -------------------------------------------------------------


@pytest.fixture
def on_record(programme, other_group):
    """Someone on record with the applicant's name and community, a member of another group
    of the programme: the coordinator sees them."""
    person = PersonFactory(
        full_name="Марія Коваленко", community=programme.enrolments.first().community
    )
    MembershipFactory(person=person, group=other_group)
    return person


def test_accept_form_offers_a_similar_person_on_record(
    as_user, coordinator, programme, group, on_record
):
    application = ApplicationFactory(programme=programme, full_name="марія  КОВАЛЕНКО")

    response = as_user(coordinator).get(application.get_absolute_url())

    assert response.status_code == 200
    form = response.context["accept_form"]
    assert str(on_record.pk) in dict(form.fields["person"].choices)
    assert form.initial["person"] == str(on_record.pk)
    assert f'value="{on_record.pk}"' in response.text


def test_choosing_the_person_on_record_creates_no_new_person(
    as_user, coordinator, programme, group, on_record
):
    application = ApplicationFactory(programme=programme, full_name="Марія Коваленко")

    response = accept(as_user(coordinator), application, group, person=on_record.pk)

    assert response.status_code == 302
    assert list(Person.objects.all()) == [on_record]
    membership = Membership.objects.get(group=group)
    assert membership.person == on_record
    assert Application.objects.get().membership == membership


def test_someone_already_in_the_group_gets_no_second_membership(
    as_user, coordinator, programme, group, on_record
):
    seat = MembershipFactory(person=on_record, group=group)
    application = ApplicationFactory(programme=programme, full_name="Марія Коваленко")

    response = accept(as_user(coordinator), application, group, person=on_record.pk)

    assert response.status_code == 302
    assert Person.objects.count() == 1
    assert list(group.memberships.all()) == [seat]
    assert Application.objects.get().membership == seat


def test_second_application_of_someone_accepted_already_is_accepted_without_a_second_seat(
    as_user, coordinator, programme, group
):
    # People send the form again when no answer comes: the second application matches the
    # member the first one became.
    first = ApplicationFactory(programme=programme, full_name="Петро Сидоренко")
    again = ApplicationFactory(programme=programme, full_name="Петро Сидоренко")
    client = as_user(coordinator)
    client.raise_request_exception = False
    assert accept(client, first, group).status_code == 302
    person = Person.objects.get()

    form = client.get(again.get_absolute_url()).context["accept_form"]
    assert form.initial["person"] == str(person.pk)
    response = accept(client, again, group, person=person.pk)

    assert response.status_code == 302
    assert Person.objects.count() == 1
    assert Membership.objects.count() == 1
    again.refresh_from_db()
    assert again.status == Application.Status.ACCEPTED
    assert not again.full_name


def test_person_the_coordinator_may_not_see_is_neither_offered_nor_accepted(
    as_user, coordinator, programme, other_programme, group
):
    # Same name and community, but known only to another programme: naming them would tell
    # this coordinator that they take part there.
    community = programme.enrolments.first().community
    hidden = PersonFactory(full_name="Ірина Мельник", community=community)
    MembershipFactory(person=hidden, group=WorkingGroupFactory(programme=other_programme))
    application = ApplicationFactory(programme=programme, full_name="Ірина Мельник")
    client = as_user(coordinator)

    page = client.get(application.get_absolute_url())
    response = accept(client, application, group, person=hidden.pk)

    assert str(hidden.pk) not in dict(page.context["accept_form"].fields["person"].choices)
    assert response.status_code == 400
    assert "person" in response.context["accept_form"].errors
    assert Person.objects.count() == 1
    assert not group.memberships.exists()


# --- the leader is told ---------------------------------------------------------------------


def test_group_leader_is_emailed_about_the_new_member(
    as_user, coordinator, programme, group, other_group, leader, django_capture_on_commit_callbacks
):
    RoleAssignmentFactory(
        role=Role.LEADER,
        programme=programme,
        working_group=other_group,
        user=UserFactory(email="stranger.leader@example.org"),
    )
    application = ApplicationFactory(programme=programme, full_name="Олег Новак")

    with django_capture_on_commit_callbacks(execute=True):
        accept(as_user(coordinator), application, group)

    # The leader's email (the applicant gets their own welcome: test_handover).
    [message] = [m for m in mail.outbox if m.to != [application.email]]
    assert message.to == [leader.email]
    assert message.subject == ukrainian("A new member has joined your group: %(name)s") % {
        "name": "Олег Новак"
    }
    person = Person.objects.get()
    assert settings.SITE_URL.rstrip("/") + person.get_absolute_url() in message.body


# --- declining ------------------------------------------------------------------------------


def test_declining_needs_a_reason(as_user, coordinator, programme):
    application = ApplicationFactory(programme=programme)

    response = decline(as_user(coordinator), application, "   ")

    assert response.status_code == 400
    assert "reason" in response.context["decline_form"].errors
    assert Application.objects.filter(pk=application.pk).exists()
    assert mail.outbox == []


def test_declining_tells_the_applicant_why_and_deletes_only_that_application(
    as_user, coordinator, programme, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(programme=programme, language="en", full_name="Ann Lee")
    others = [ApplicationFactory(programme=programme) for _ in range(2)]
    reason = "The group is full this year; we will open places again in spring."

    with django_capture_on_commit_callbacks(execute=True):
        response = decline(as_user(coordinator), application, reason)

    assert response.status_code == 302
    assert not Application.objects.filter(pk=application.pk).exists()
    assert set(Application.objects.all()) == set(others)
    assert not Person.objects.exists()
    [message] = mail.outbox
    assert message.to == [application.email]
    assert message.subject == f"Your application: {programme.title_en}"  # their language
    assert reason in message.body
    assert "Dear Ann Lee" in message.body


def test_declined_applicant_without_email_is_not_written_to(
    as_user, coordinator, programme, django_capture_on_commit_callbacks
):
    application = ApplicationFactory(programme=programme, email="")

    with django_capture_on_commit_callbacks(execute=True):
        response = decline(as_user(coordinator), application, "Немає місць.")

    assert response.status_code == 302
    assert not Application.objects.exists()
    assert mail.outbox == []


# --- retention ------------------------------------------------------------------------------


def test_purge_deletes_applications_nobody_reviewed_within_the_retention_period(
    as_user, coordinator, programme, group
):
    now = timezone.now()
    days = settings.APPLICATION_RETENTION_DAYS
    old = ApplicationFactory(programme=programme, submitted_at=now - datetime.timedelta(days + 1))
    young = ApplicationFactory(programme=programme, submitted_at=now - datetime.timedelta(days - 1))
    accepted = ApplicationFactory(programme=programme, submitted_at=now - datetime.timedelta(400))
    accept(as_user(coordinator), accepted, group)

    deleted = services.purge_expired(now=now)

    assert deleted == 1
    assert set(Application.objects.all()) == {young, accepted}
    accepted.refresh_from_db()
    assert (accepted.full_name, accepted.phone, accepted.email) == ("", "", "")
    assert old.full_name not in [p.full_name for p in Person.objects.all()]


def test_purge_runs_every_day_from_the_beat_schedule(programme):
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "participation.tasks.purge_applications"
    ]
    assert len(entries) == 1
    ApplicationFactory(
        programme=programme,
        submitted_at=timezone.now()
        - datetime.timedelta(days=settings.APPLICATION_RETENTION_DAYS + 1),
    )

    assert purge_applications.delay().get() == 1
    assert not Application.objects.exists()


# --- year of birth, youth and consent carried into the records --------------------------------
# Youth is computed from the year of birth (the programme's age limit): the year the applicant
# gave goes into the person's record; a tick without a year is shown, for the coordinator to ask.


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_year_of_birth_goes_into_the_new_person_and_leaves_the_application(
    as_user, coordinator, programme, group
):
    year = timezone.localdate().year - 25
    application = ApplicationFactory(programme=programme, birth_year=year, is_youth=True)

    response = accept(as_user(coordinator), application, group)

    assert response.status_code == 302
    assert Person.objects.get().birth_year == year
    application.refresh_from_db()
    assert application.birth_year is None  # scrubbed with the other personal data
    assert application.is_youth is True  # what they said, kept with the link to the member


def test_the_new_member_counts_as_young_in_the_groups_composition(
    as_user, coordinator, programme, group
):
    from workinggroups.selectors import composition_rules, scorecards

    year = timezone.localdate().year - programme.youth_max_age
    accept(as_user(coordinator), ApplicationFactory(programme=programme, birth_year=year), group)

    card = scorecards([group], composition_rules(programme))[group.pk]
    assert (card.members, card.youth, card.unknown_age) == (1, 1, 0)


def test_a_person_on_record_without_a_year_gets_the_one_the_application_gives(
    as_user, coordinator, programme, group, on_record
):
    on_record.birth_year = None
    on_record.save()
    application = ApplicationFactory(
        programme=programme, full_name="Марія Коваленко", birth_year=1999
    )

    response = accept(as_user(coordinator), application, group, person=on_record.pk)

    assert response.status_code == 302
    on_record.refresh_from_db()
    assert on_record.birth_year == 1999
    assert on_record.history.first().history_user == coordinator


def test_a_different_year_on_record_is_kept_and_the_coordinator_is_told_before_and_after(
    as_user, coordinator, programme, group, on_record
):
    assert on_record.birth_year == 1990
    application = ApplicationFactory(
        programme=programme, full_name="Марія Коваленко", birth_year=1995
    )
    client = as_user(coordinator)
    coordinator.language = "en"
    coordinator.save()

    form = client.get(application.get_absolute_url()).context["accept_form"]
    label = dict(form.fields["person"].choices)[str(on_record.pk)]
    assert "1990" in label and "the application gives 1995 as the year of birth" in label

    response = client.post(
        reverse("participation:accept", args=[application.pk]),
        {"group": group.pk, "person": on_record.pk},
        follow=True,
    )

    on_record.refresh_from_db()
    assert on_record.birth_year == 1990
    [notice] = [m for m in messages_of(response) if "year of birth" in m]
    assert "1995" in notice and "1990" in notice and "Марія Коваленко" in notice


def test_a_young_person_without_a_year_is_pointed_out_to_the_coordinator(
    as_user, coordinator, programme, group
):
    coordinator.language = "en"
    coordinator.save()
    client = as_user(coordinator)
    application = ApplicationFactory(programme=programme, is_youth=True, birth_year=None)

    page = client.get(application.get_absolute_url())
    assert "gave no year of birth" in page.text
    assert "not given" in page.text

    response = client.post(
        reverse("participation:accept", args=[application.pk]),
        {"group": group.pk, "person": "new"},
        follow=True,
    )
    assert any("gave no year of birth" in m for m in messages_of(response))
    person = Person.objects.get()
    assert person.birth_year is None
    # The answer stays in sight on the person's page until the year is on record.
    person_page = client.get(person.get_absolute_url())
    assert "In their application: a young person." in person_page.text
    assert "No year of birth yet" in person_page.text
    person.birth_year = timezone.localdate().year - 20
    person.save()
    person_page = client.get(person.get_absolute_url())
    assert "In their application: a young person." in person_page.text
    assert "No year of birth yet" not in person_page.text


def test_the_review_page_says_nothing_of_youth_when_the_year_came_with_it(
    as_user, coordinator, programme
):
    coordinator.language = "en"
    coordinator.save()
    application = ApplicationFactory(programme=programme, is_youth=True, birth_year=2000)
    page = as_user(coordinator).get(application.get_absolute_url())
    assert "gave no year of birth" not in page.text
    assert "2000" in page.text


def test_consent_goes_into_the_new_person_with_who_recorded_it(
    as_user, coordinator, programme, group
):
    application = ApplicationFactory(programme=programme)
    accept(as_user(coordinator), application, group)
    person = Person.objects.get()
    assert person.consent_given_on == timezone.localdate(application.consent_at)
    assert timezone.localdate(application.consent_at).strftime("%d.%m.%Y") in person.consent_purpose
    assert person.consent_recorded_by == coordinator


def test_consent_goes_into_a_person_on_record_who_had_none_and_an_earlier_one_is_kept(
    as_user, coordinator, programme, group, other_group, on_record
):
    application = ApplicationFactory(programme=programme, full_name="Марія Коваленко")
    accept(as_user(coordinator), application, group, person=on_record.pk)
    on_record.refresh_from_db()
    assert on_record.consent_given_on == timezone.localdate(application.consent_at)
    assert on_record.consent_recorded_by == coordinator

    earlier = datetime.date(2024, 3, 1)
    other = PersonFactory(
        full_name="Ігор Бондар", consent_given_on=earlier, consent_purpose="Паперова згода"
    )
    MembershipFactory(person=other, group=other_group)
    again = ApplicationFactory(programme=programme, full_name="Ігор Бондар")
    accept(as_user(coordinator), again, group, person=other.pk)
    other.refresh_from_db()
    assert (other.consent_given_on, other.consent_purpose) == (earlier, "Паперова згода")
    # The application's own time of consent stays with the membership it became.
    assert (
        Membership.objects.get(person=other, group=group).application.consent_at == again.consent_at
    )
