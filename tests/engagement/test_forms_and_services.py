"""Bad input to the engagement forms and services gets a message that says what is wrong and
stores nothing; the services keep the records consistent (a participant is on a list once,
attendance waits for the event, scores run from 1 to 10, someone present makes a planned event
held); a youth leader can be entered as a new person, with a check for people already on
record; and whatever arrives in a form, the answer is never a 500."""

import datetime
import random
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from engagement import services
from engagement.models import (
    AssessedNeed,
    Event,
    EventTopic,
    NeedsAssessment,
    Opportunity,
    OpportunityNeed,
    Participant,
    VeteranOrganisation,
    YouthLeader,
    YouthSupport,
)
from tests.factories import (
    CommunityFactory,
    EventFactory,
    MembershipFactory,
    NeedsAssessmentFactory,
    OpportunityFactory,
    OrganisationFactory,
    ParticipantFactory,
    PersonFactory,
    VeteranOrganisationFactory,
    WorkingGroupFactory,
    YouthLeaderFactory,
)
from workinggroups.models import Membership, Person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days(n: int) -> str:
    return (TODAY() + datetime.timedelta(days=n)).isoformat()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each role fixture sets a password; the production hasher would take most of the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(programme, group, other_group, coordinator, client):
    """The coordinator's client, in English; `group`'s community (here) and another of the
    programme (there); a community outside the programme; a young group member (Marko) and an
    older one (Hanna); a training held last month with Hanna on the list."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(coordinator)
    here = group.community
    marko = MembershipFactory(
        group=group,
        person=PersonFactory(full_name="Марко Литвин", birth_year=2001, community=here),
    )
    hanna = MembershipFactory(group=group, person=PersonFactory(birth_year=1980))
    training = EventFactory(
        programme=programme,
        host_community=here,
        starts_on=TODAY() - datetime.timedelta(days=30),
        ends_on=TODAY() - datetime.timedelta(days=30),
    )
    return SimpleNamespace(
        client=client,
        coordinator=coordinator,
        programme=programme,
        group=group,
        here=here,
        there=other_group.community,
        outside=CommunityFactory(),
        marko=marko,
        hanna=hanna,
        training=training,
        listed=ParticipantFactory(event=training, person=hanna.person, community=here, group=group),
    )


SNAPSHOT_MODELS = (
    YouthLeader,
    YouthSupport,
    VeteranOrganisation,
    NeedsAssessment,
    AssessedNeed,
    Opportunity,
    OpportunityNeed,
    Opportunity.communities.through,
    Event,
    EventTopic,
    Event.visiting_communities.through,
    Event.groups.through,
    Participant,
    Person,
    Membership,
)


def snapshot() -> dict[str, list]:
    """Every row a write could touch, by table: comparing two names the tables that changed."""
    return {
        model._meta.db_table: list(model.objects.order_by("pk").values())
        for model in SNAPSHOT_MODELS
    }


def changed(before: dict) -> list[str]:
    after = snapshot()
    return [table for table, rows in before.items() if after[table] != rows]


def refused(w, url, data, message):
    """POSTs `data`; the form comes back with `message` and nothing is stored."""
    before = snapshot()
    response = w.client.post(url, data)
    assert response.status_code == 200, response.status_code
    assert escape(message) in response.text, message
    assert changed(before) == []
    return response


def messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


# --- events ---------------------------------------------------------------------------------


def event_data(w, **changes):
    return {
        "kind": "training",
        "title": "Тренінг з безпеки громади",
        "topics": ["public_safety"],
        "starts_on": "2024-03-05",
        "ends_on": "2024-03-06",
        "status": "held",
        "host_community": str(w.here.pk),
        **changes,
    }


def event_urls(w):
    return [
        reverse("engagement:event_add", args=[w.programme.pk]),
        reverse("engagement:event_edit", args=[w.training.pk]),
    ]


BAD_EVENTS = {
    "ends_before_it_starts": (
        {"starts_on": "2024-03-05", "ends_on": "2024-03-04"},
        "The end is before the start.",
    ),
    "exchange_visit_without_visitors": (
        {"kind": "exchange_visit"},
        "An exchange visit has at least one visiting community.",
    ),
    "no_topic": ({"topics": [], "other_topic": "  "}, "Choose at least one topic."),
    "held_in_the_future": (
        {"starts_on": days(3), "ends_on": days(3)},
        "An event in the future cannot have been held.",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_EVENTS))
def test_bad_event_is_refused_with_a_message_and_nothing_stored(world, case):
    changes, message = BAD_EVENTS[case]
    for url in event_urls(world):
        refused(world, url, event_data(world, **changes), message)


def save_event(w, **changes):
    return services.event_save(
        **{
            "programme": w.programme,
            "kind": "training",
            "title": "Тренінг",
            "topics": ["public_safety"],
            "starts_on": datetime.date(2024, 3, 5),
            "ends_on": datetime.date(2024, 3, 5),
            "status": "held",
            "host_community": w.here,
            **changes,
        }
    )


def test_event_service_refuses_each_bad_event_with_its_message(world):
    later = TODAY() + datetime.timedelta(days=3)
    cases = [
        ({"ends_on": datetime.date(2024, 3, 4)}, "ends_on", "The end is before the start."),
        (
            {"kind": "exchange_visit"},
            "visiting_communities",
            "An exchange visit has at least one visiting community.",
        ),
        (
            {"kind": "exchange_visit", "visiting_communities": [world.here, world.there]},
            "visiting_communities",
            "The host community is not one of its visitors.",
        ),
        ({"topics": [], "other_topic": " \x00 "}, "topics", "Choose at least one topic."),
        (
            {"starts_on": later, "ends_on": later},
            "status",
            "An event in the future cannot have been held.",
        ),
        ({"title": " \x00 "}, "title", "Give the event a title."),
        (
            {"groups": [WorkingGroupFactory()]},
            "groups",
            "Choose working groups of this programme.",
        ),
    ]
    before = snapshot()
    for changes, field, message in cases:
        with pytest.raises(ValidationError) as error:
            save_event(world, **changes)
        assert error.value.message_dict == {field: [message]}, changes
    assert changed(before) == []
    # The same event in the future is fine while it is only planned.
    assert save_event(world, starts_on=later, ends_on=later, status="planned").pk


def test_host_community_cannot_also_visit(world):
    data = event_data(
        world,
        kind="exchange_visit",
        visiting_communities=[str(world.here.pk), str(world.there.pk)],
    )
    for url in event_urls(world):
        refused(world, url, data, "The host community is not one of its visitors.")


def test_event_in_a_community_outside_the_programme_is_refused(world):
    outside = str(world.outside.pk)
    for changes, message in (
        (
            {"host_community": outside},
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        (
            {"kind": "exchange_visit", "visiting_communities": [outside]},
            f"Select a valid choice. {outside} is not one of the available choices.",
        ),
    ):
        for url in event_urls(world):
            refused(world, url, event_data(world, **changes), message)
    with pytest.raises(ValidationError) as error:
        services.event_save(
            programme=world.programme,
            kind="training",
            title="Тренінг",
            topics=["other"],
            starts_on=datetime.date(2024, 1, 1),
            ends_on=datetime.date(2024, 1, 1),
            host_community=world.outside,
        )
    assert error.value.message_dict == {
        "host_community": ["The community is not part of this programme."]
    }
    with pytest.raises(ValidationError) as error:
        services.event_save(
            programme=world.programme,
            kind="exchange_visit",
            title="Обмін",
            topics=["other"],
            starts_on=datetime.date(2024, 1, 1),
            ends_on=datetime.date(2024, 1, 1),
            host_community=world.here,
            visiting_communities=[world.outside],
        )
    assert "visiting_communities" in error.value.message_dict
    assert Event.objects.count() == 1


def test_event_with_only_another_topic_is_accepted(world):
    url = event_urls(world)[0]
    response = world.client.post(url, event_data(world, topics=[], other_topic="Медіація"))
    event = Event.objects.get(title="Тренінг з безпеки громади")
    assert response.url == event.get_absolute_url()
    assert (event.other_topic, event.topics.count()) == ("Медіація", 0)


# --- youth leaders --------------------------------------------------------------------------


def youth_data(w, person, **changes):
    return {
        "person": str(person.pk) if person else "",
        "community": str(w.here.pk),
        "focus": "Молодіжний центр",
        "since": "2024-02-01",
        **changes,
    }


def youth_add_url(w):
    return reverse("engagement:youth_leader_add", args=[w.programme.pk])


def test_youth_leader_older_than_the_programmes_age_limit_is_refused(world):
    # Born in 1980, 44 in 2024: past the default limit of 35.
    refused(
        world,
        youth_add_url(world),
        youth_data(world, world.hanna.person),
        f"{world.hanna.person.full_name} is older than 35, the programme's age limit for "
        "young people.",
    )


def test_youth_leader_service_checks_the_age_at_the_start(world):
    # Marko, born 2001, is 35 in 2036 and 36 in 2037.
    fields = {"programme": world.programme, "person": world.marko.person}
    fields |= {"community": world.here, "focus": "Спорт"}
    with pytest.raises(ValidationError) as error:
        services.youth_leader_save(since=datetime.date(2037, 1, 1), **fields)
    assert error.value.message_dict == {
        "person": ["Марко Литвин is older than 35, the programme's age limit for young people."]
    }
    assert not YouthLeader.objects.exists()
    assert services.youth_leader_save(since=datetime.date(2036, 12, 31), **fields).pk


def test_the_age_limit_is_the_programmes_own(world):
    world.programme.youth_max_age = 45
    world.programme.save(update_fields=["youth_max_age"])
    response = world.client.post(youth_add_url(world), youth_data(world, world.hanna.person))
    assert response.status_code == 302
    assert YouthLeader.objects.filter(person=world.hanna.person).exists()


def test_the_same_person_cannot_be_a_youth_leader_twice(world):
    YouthLeaderFactory(programme=world.programme, community=world.here, person=world.marko.person)
    refused(
        world,
        youth_add_url(world),
        youth_data(world, world.marko.person),
        "This person is already a youth leader in the programme.",
    )
    with pytest.raises(ValidationError) as error:
        services.youth_leader_save(
            programme=world.programme,
            person=world.marko.person,
            community=world.here,
            focus="Спорт",
            since=datetime.date(2024, 1, 1),
        )
    assert error.value.message_dict == {
        "person": ["This person is already a youth leader in the programme."]
    }
    assert YouthLeader.objects.count() == 1


def test_youth_leader_in_a_community_outside_the_programme_is_refused(world):
    with pytest.raises(ValidationError) as error:
        services.youth_leader_save(
            programme=world.programme,
            person=world.marko.person,
            community=world.outside,
            focus="Спорт",
            since=datetime.date(2024, 1, 1),
        )
    assert error.value.message_dict == {
        "community": ["The community is not part of this programme."]
    }
    assert not YouthLeader.objects.exists()


def new_person(w, **changes):
    fields = {
        "full_name": "Софія Мартинюк",
        "sex": "female",
        "birth_year": "2005",
        "phone": "+380661234567",
        "email": "",
        "community": str(w.here.pk),
        "is_idp": "on",
        "other_vulnerability": "",
        "consent_given_on": "2024-01-20",
        "consent_purpose": "Супровід молодіжних лідерів",
        **changes,
    }
    return {f"new-{name}": value for name, value in fields.items()}


def test_youth_leader_can_be_a_new_person_with_their_consent(world):
    response = world.client.post(
        youth_add_url(world), {**youth_data(world, None), **new_person(world)}
    )
    assert response.status_code == 302
    leader = YouthLeader.objects.select_related("person").get()
    assert response.url == leader.get_absolute_url()
    person = leader.person
    assert (person.full_name, person.birth_year, person.is_idp) == ("Софія Мартинюк", 2005, True)
    assert (person.consent_given_on, person.consent_recorded_by) == (
        datetime.date(2024, 1, 20),
        world.coordinator,
    )
    assert (leader.programme, leader.community) == (world.programme, world.here)


def test_new_person_without_consent_is_refused(world):
    response = refused(
        world,
        youth_add_url(world),
        {**youth_data(world, None), **new_person(world, consent_given_on="", consent_purpose="")},
        "Choose a person on record or enter a new one.",
    )
    assert "This field is required." in response.text


def test_possible_duplicate_asks_for_confirmation_then_adds_the_new_person(world):
    # "Марко Литвин", born 2001, lives here and is in the group: the coordinator sees him.
    data = {
        **youth_data(world, None),
        **new_person(world, full_name="МАРКО   литвин", birth_year="2001"),
    }
    page = refused(
        world,
        youth_add_url(world),
        data,
        "A person with this name and year of birth is already on record.",
    )
    assert "Someone similar is already on record:" in page.text
    assert 'name="confirm_new"' in page.text
    assert world.marko.person.full_name in page.text
    response = world.client.post(youth_add_url(world), {**data, "confirm_new": "1"})
    assert response.status_code == 302
    leader = YouthLeader.objects.select_related("person").get()
    assert leader.person != world.marko.person
    assert leader.person.full_name == "МАРКО литвин"


def test_new_person_refused_as_youth_leader_is_not_kept_either(world):
    # The person is created first, then the youth leader refused (too old): the page says so,
    # and the new person must not stay on record unattached, where no coordinator sees them
    # and the next attempt would not be warned of a duplicate.
    refused(
        world,
        youth_add_url(world),
        {**youth_data(world, None), **new_person(world, birth_year="1970")},
        "Софія Мартинюк is older than 35, the programme's age limit for young people.",
    )


# --- veteran sphere -------------------------------------------------------------------------


def assessment_data(w, **changes):
    return {
        "community": str(w.here.pk),
        "period_start": "2024-01-01",
        "period_end": "2024-02-29",
        "method": "survey",
        "respondents": "30",
        "severity_employment": "3",
        "note_employment": "Мало вакансій",
        **changes,
    }


BAD_ASSESSMENTS = {
    "no_needs": ({"severity_employment": ""}, "Record at least one need."),
    "in_the_future": (
        {"period_start": days(2), "period_end": days(40)},
        "The assessment cannot start in the future.",
    ),
    "no_respondents": ({"respondents": "0"}, "Give the number of respondents."),
}


@pytest.mark.parametrize("case", sorted(BAD_ASSESSMENTS))
def test_bad_assessment_is_refused_with_a_message_and_nothing_stored(world, case):
    changes, message = BAD_ASSESSMENTS[case]
    existing = NeedsAssessmentFactory(programme=world.programme, community=world.here)
    for url in (
        reverse("engagement:assessment_add", args=[world.programme.pk]),
        reverse("engagement:assessment_edit", args=[existing.pk]),
    ):
        refused(world, url, assessment_data(world, **changes), message)


def test_assessment_service_refuses_each_bad_assessment_with_its_message(world):
    fields = {
        "programme": world.programme,
        "community": world.here,
        "period_start": datetime.date(2024, 1, 1),
        "period_end": datetime.date(2024, 1, 31),
        "method": "survey",
        "respondents": 10,
        "needs": [("housing", 2, "")],
    }
    tomorrow = TODAY() + datetime.timedelta(days=1)
    cases = [
        ({"needs": []}, None, "Record at least one need."),
        (
            {"period_start": tomorrow, "period_end": tomorrow},
            "period_start",
            "The assessment cannot start in the future.",
        ),
        ({"respondents": 0}, "respondents", "Give the number of respondents."),
        ({"respondents": None}, "respondents", "Give the number of respondents."),
        (
            {"period_end": datetime.date(2023, 12, 31)},
            "period_end",
            "The end is before the start.",
        ),
    ]
    for changes, field, message in cases:
        with pytest.raises(ValidationError) as error:
            services.assessment_save(**{**fields, **changes})
        if field is None:
            assert messages_of(error.value) == [message]
        else:
            assert error.value.message_dict == {field: [message]}, changes
    assert not NeedsAssessment.objects.exists()


def test_assessment_service_refuses_a_need_listed_twice_and_an_outside_community(world):
    fields = {
        "programme": world.programme,
        "period_start": datetime.date(2024, 1, 1),
        "period_end": datetime.date(2024, 1, 31),
        "method": "survey",
        "respondents": 10,
    }
    twice = [("housing", 2, ""), ("housing", 3, "")]
    with pytest.raises(ValidationError) as error:
        services.assessment_save(community=world.here, needs=twice, **fields)
    assert messages_of(error.value) == ["Each need can be listed once."]
    with pytest.raises(ValidationError) as error:
        services.assessment_save(community=world.outside, needs=[("housing", 2, "")], **fields)
    assert error.value.message_dict == {
        "community": ["The community is not part of this programme."]
    }
    assert not NeedsAssessment.objects.exists()


def opportunity_data(w, **changes):
    return {
        "kind": "employer",
        "title": "Вакансії на місцевому підприємстві",
        "categories": ["employment"],
        "starts_on": "2024-01-01",
        **changes,
    }


def test_opportunity_without_categories_is_refused(world):
    existing = OpportunityFactory(programme=world.programme, categories=["housing"])
    for url in (
        reverse("engagement:opportunity_add", args=[world.programme.pk]),
        reverse("engagement:opportunity_edit", args=[existing.pk]),
    ):
        refused(world, url, opportunity_data(world, categories=[]), "This field is required.")
    with pytest.raises(ValidationError) as error:
        services.opportunity_save(
            programme=world.programme,
            kind="grant",
            title="Гранти",
            categories=[],
            starts_on=datetime.date(2024, 1, 1),
        )
    assert error.value.message_dict == {"categories": ["Choose the needs it answers."]}
    assert Opportunity.objects.count() == 1


def test_opportunity_in_a_community_outside_the_programme_is_refused(world):
    with pytest.raises(ValidationError) as error:
        services.opportunity_save(
            programme=world.programme,
            kind="grant",
            title="Гранти",
            categories=["employment"],
            starts_on=datetime.date(2024, 1, 1),
            communities=[world.here, world.outside],
        )
    assert error.value.message_dict == {"communities": ["Choose communities of this programme."]}
    assert not Opportunity.objects.exists()


def test_veteran_organisation_outside_the_programme_or_twice_is_refused(world):
    entry = VeteranOrganisationFactory(programme=world.programme, community=world.here)
    fields = {"programme": world.programme, "kind": "union", "relationship": "identified"}
    with pytest.raises(ValidationError) as error:
        services.veteran_organisation_save(
            community=world.outside, organisation=OrganisationFactory(), **fields
        )
    assert error.value.message_dict == {
        "community": ["The community is not part of this programme."]
    }
    refused(
        world,
        reverse("engagement:veteran_organisation_add", args=[world.programme.pk]),
        {
            "community": str(world.here.pk),
            "organisation": str(entry.organisation_id),
            "kind": "union",
            "relationship": "identified",
        },
        "This organisation is already in the community's registry.",
    )
    assert VeteranOrganisation.objects.count() == 1


# --- participants and attendance ------------------------------------------------------------


def test_participant_added_twice_is_added_once(world):
    person = world.marko.person
    added = services.participants_add(event=world.training, people=[person, person])
    assert added == 1
    assert services.participants_add(event=world.training, people=[person]) == 0
    assert services.participants_add(event=world.training, people=[world.hanna.person]) == 0
    assert world.training.participants.filter(person=person).count() == 1
    participant = world.training.participants.get(person=person)
    assert (participant.community, participant.group) == (world.here, world.group)


def test_participants_page_counts_only_those_really_added(world):
    # Marko ticked among the members and chosen again as "someone else on record".
    url = reverse("engagement:participants_add", args=[world.training.pk])
    response = world.client.post(
        url, {"members": [str(world.marko.pk)], "person": str(world.marko.person.pk)}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("engagement:sign_in", args=[world.training.pk])
    assert "1 added to the list." in response.text
    assert world.training.participants.count() == 2


def test_participants_page_with_a_bad_new_person_adds_no_one(world):
    # Ticked members and a new person missing their consent: the page asks to check the new
    # person, so the members must not have been added meanwhile.
    refused(
        world,
        reverse("engagement:participants_add", args=[world.training.pk]),
        {
            "members": [str(world.marko.pk)],
            **new_person(world, full_name="Назар Коваль", consent_given_on=""),
        },
        "Check the new person's details below.",
    )


def test_new_person_for_a_cancelled_event_is_not_kept(world):
    Event.objects.filter(pk=world.training.pk).update(status="cancelled")
    refused(
        world,
        reverse("engagement:participants_add", args=[world.training.pk]),
        new_person(world, full_name="Назар Коваль"),
        "The event was cancelled.",
    )


def test_no_one_is_added_to_a_cancelled_event(world):
    Event.objects.filter(pk=world.training.pk).update(status="cancelled")
    world.training.refresh_from_db()
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        services.participants_add(event=world.training, people=[world.marko.person])
    assert messages_of(error.value) == ["The event was cancelled."]
    refused(
        world,
        reverse("engagement:participants_add", args=[world.training.pk]),
        {"members": [str(world.marko.pk)]},
        "The event was cancelled.",
    )
    assert changed(before) == []


def test_attendance_of_a_cancelled_event_is_refused(world):
    Event.objects.filter(pk=world.training.pk).update(status="cancelled")
    world.training.refresh_from_db()
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        services.attendance_record(
            event=world.training, marks={world.listed.pk: {"attendance": "absent"}}
        )
    assert messages_of(error.value) == ["The event was cancelled."]
    refused(
        world,
        reverse("engagement:sign_in", args=[world.training.pk]),
        {f"attendance_{world.listed.pk}": "absent"},
        "The event was cancelled.",
    )
    assert changed(before) == []


def test_attendance_waits_for_the_event_to_start(world):
    planned = EventFactory(
        programme=world.programme,
        host_community=world.here,
        status="planned",
        starts_on=TODAY() + datetime.timedelta(days=5),
        ends_on=TODAY() + datetime.timedelta(days=5),
    )
    listed = ParticipantFactory(event=planned, person=world.marko.person, attendance="registered")
    before = snapshot()
    with pytest.raises(ValidationError) as error:
        services.attendance_record(event=planned, marks={listed.pk: {"attendance": "present"}})
    assert messages_of(error.value) == ["Attendance is recorded once the event has started."]
    refused(
        world,
        reverse("engagement:sign_in", args=[planned.pk]),
        {f"attendance_{listed.pk}": "present"},
        "Attendance is recorded once the event has started.",
    )
    assert changed(before) == []


@pytest.mark.parametrize("score", [0, 11, -3])
def test_scores_outside_one_to_ten_are_refused(world, score):
    before = snapshot()
    for field in ("score_before", "score_after"):
        with pytest.raises(ValidationError) as error:
            services.attendance_record(
                event=world.training, marks={world.listed.pk: {field: score}}
            )
        assert messages_of(error.value) == ["Self-assessment scores are from 1 to 10."]
        response = world.client.post(
            reverse("engagement:sign_in", args=[world.training.pk]),
            {f"attendance_{world.listed.pk}": "absent", f"{field}_{world.listed.pk}": str(score)},
        )
        assert response.status_code == 200
        assert "Ensure this value is" in response.text
    assert changed(before) == []


def test_scores_are_kept_when_within_one_to_ten(world):
    services.attendance_record(
        event=world.training,
        marks={world.listed.pk: {"attendance": "present", "score_before": 1, "score_after": 10}},
    )
    world.listed.refresh_from_db()
    assert (world.listed.score_before, world.listed.score_after) == (1, 10)


def test_someone_present_makes_a_planned_event_held(world):
    today = EventFactory(
        programme=world.programme,
        host_community=world.here,
        status="planned",
        starts_on=TODAY(),
        ends_on=TODAY() + datetime.timedelta(days=1),
    )
    first, second = (
        ParticipantFactory(event=today, person=someone, attendance="registered")
        for someone in (world.marko.person, world.hanna.person)
    )
    services.attendance_record(event=today, marks={first.pk: {"attendance": "absent"}})
    today.refresh_from_db()
    assert today.status == Event.Status.PLANNED
    response = world.client.post(
        reverse("engagement:sign_in", args=[today.pk]),
        {f"attendance_{first.pk}": "absent", f"attendance_{second.pk}": "present"},
    )
    assert response.url == today.get_absolute_url()
    today.refresh_from_db()
    assert today.status == Event.Status.HELD
    assert list(today.participants.order_by("pk").values_list("attendance", flat=True)) == [
        "absent",
        "present",
    ]


def test_removing_a_participant_takes_only_them_off_the_list(world):
    other = ParticipantFactory(event=world.training, person=world.marko.person)
    response = world.client.post(reverse("engagement:participant_remove", args=[world.listed.pk]))
    assert response.url == world.training.get_absolute_url()
    assert list(world.training.participants.all()) == [other]
    # The person stays on record: only their place on the list went.
    assert Person.objects.filter(pk=world.hanna.person.pk).exists()
    services.participant_remove(participant=other)
    assert not world.training.participants.exists()


def test_removing_a_participant_needs_a_post(world):
    url = reverse("engagement:participant_remove", args=[world.listed.pk])
    assert world.client.get(url).status_code == 405
    assert Participant.objects.filter(pk=world.listed.pk).exists()


# --- whatever arrives, never a 500 ----------------------------------------------------------

HUGE = "9" * 40
ODD = [
    HUGE,
    "\x00",
    "Ім\x00я",
    "a" * 5_000,
    "-1",
    "abc",
    "1.5",
    "😀" * 40,
    "\u202eevil",
    "2024-13-45",
    "99999999-01-01",
    "<script>alert(1)</script>",
    "٣",  # an Arabic-Indic digit
    "",
]


def forms(w):
    """Each engagement form: its URL and valid data to spoil one field at a time."""
    youth_leader = YouthLeaderFactory(
        programme=w.programme, community=w.here, person=w.marko.person
    )
    listed = f"{w.listed.pk}"
    return {
        "event": (event_urls(w)[0], event_data(w, place="Клуб", facilitator="Тренерка")),
        "event_edit": (event_urls(w)[1], event_data(w)),
        "youth_leader": (
            youth_add_url(w),
            {**youth_data(w, None, until="", notes="Нотатки"), **new_person(w)},
        ),
        "youth_leader_edit": (
            reverse("engagement:youth_leader_edit", args=[youth_leader.pk]),
            youth_data(w, w.marko.person),
        ),
        "support": (
            reverse("engagement:support_add", args=[youth_leader.pk]),
            {
                "kind": "small_grant",
                "title": "Мікрогрант",
                "starts_on": "2024-02-01",
                "ends_on": "2024-03-01",
                "provider": str(OrganisationFactory().pk),
                "provider_other": "",
                "amount_uah": "15000.50",
                "event": str(w.training.pk),
                "outcome": "Обладнання для клубу",
            },
        ),
        "veteran_organisation": (
            reverse("engagement:veteran_organisation_add", args=[w.programme.pk]),
            {
                "community": str(w.here.pk),
                "organisation": str(OrganisationFactory(kind="veteran_organisation").pk),
                "kind": "union",
                "relationship": "engaged",
                "contact_name": "Олег Гнатюк",
                "contact_phone": "+380501112233",
                "contact_email": "oleh@example.org",
                "services": "Юридичні консультації",
                "notes": "",
            },
        ),
        "assessment": (
            reverse("engagement:assessment_add", args=[w.programme.pk]),
            assessment_data(w, conducted_by=str(OrganisationFactory().pk), summary="Підсумок"),
        ),
        "opportunity": (
            reverse("engagement:opportunity_add", args=[w.programme.pk]),
            opportunity_data(
                w,
                provider_other="Місцевий роботодавець",
                communities=[str(w.here.pk)],
                ends_on="2024-12-31",
                link="example.org/jobs",
                description="Опис",
            ),
        ),
        "participants": (
            reverse("engagement:participants_add", args=[w.training.pk]),
            {
                "members": [str(w.marko.pk)],
                "person": "",
                **new_person(w, full_name="Назар Коваль", birth_year="1999"),
            },
        ),
        "sign_in": (
            reverse("engagement:sign_in", args=[w.training.pk]),
            {
                f"attendance_{listed}": "present",
                f"score_before_{listed}": "4",
                f"score_after_{listed}": "8",
            },
        ),
    }


def field_names(client, url) -> list[str]:
    """Every field of the page's forms as posted, the new person's with their prefix."""
    context = client.get(url).context
    names = list(context["form"].fields)
    if context.get("new_person") is not None:
        new = context["new_person"]
        names += [new.add_prefix(name) for name in new.fields]
    return names


@pytest.fixture
def fuzzing(world):
    # Show any crash as a 500 response rather than an exception in the test.
    world.client.raise_request_exception = False
    return world


@pytest.mark.parametrize(
    "name",
    [
        "event",
        "event_edit",
        "youth_leader",
        "youth_leader_edit",
        "support",
        "veteran_organisation",
        "assessment",
        "opportunity",
        "participants",
        "sign_in",
    ],
)
def test_odd_values_in_any_field_never_give_a_500(fuzzing, name):
    url, valid = forms(fuzzing)[name]
    fields = [*field_names(fuzzing.client, url), "confirm_new", "unexpected"]
    assert set(valid) <= set(fields)
    chance = random.Random(name)
    for field in fields:
        # Ids too large for any column and NUL bytes everywhere, and one more at random.
        for value in [HUGE, "\x00", chance.choice(ODD[2:])]:
            response = fuzzing.client.post(url, {**valid, field: value})
            assert response.status_code in (200, 302), (field, value)
    # Every field spoiled at once, then lists where single values are expected and back.
    for value in ODD:
        response = fuzzing.client.post(url, dict.fromkeys(fields, value))
        assert response.status_code in (200, 302), value
    response = fuzzing.client.post(url, {field: ["1", "2", "\x00"] for field in fields})
    assert response.status_code in (200, 302)


def test_odd_filters_and_ids_never_give_a_500(fuzzing):
    w = fuzzing
    for value in ODD:
        for url, key in (
            (reverse("engagement:youth", args=[w.programme.pk]), "community"),
            (reverse("engagement:veterans", args=[w.programme.pk]), "community"),
            (reverse("engagement:events", args=[w.programme.pk]), "community"),
            (reverse("engagement:events", args=[w.programme.pk]), "kind"),
            (reverse("engagement:events", args=[w.programme.pk]), "topic"),
        ):
            assert w.client.get(url, {key: value}).status_code == 200, (url, value)
    for path in ("events", "youth-leaders", "needs-assessments", "opportunities"):
        for pk in ("abc", "-1", "1.5", "٣", HUGE, "0"):
            response = w.client.get(f"/{path}/{pk}/")
            assert response.status_code == 404, (path, pk)
        response = w.client.post(f"/participants/{HUGE}/remove/")
        assert response.status_code == 404
