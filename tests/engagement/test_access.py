"""Every engagement page and write against every role. Anonymous visitors go to sign-in; a
coordinator of another programme gets 404 everywhere (the programme is not theirs to know);
a donor reads the programme's figures, registry, assessments, opportunities and events but not
a youth leader (a person: 404) and changes nothing (403); the leader of `group` follows the
youth, veteran and event work of their own community and changes nothing (403); the leader of
a group in another community gets 404 on all of that, yet sees the events their group takes
part in, as a visiting community or named on the event. Coordinators of the programme and
administrators do everything. No refused write changes anything."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

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
    AssessedNeedFactory,
    EnrolmentFactory,
    EventFactory,
    MembershipFactory,
    NeedsAssessmentFactory,
    OpportunityFactory,
    OrganisationFactory,
    ParticipantFactory,
    PersonFactory,
    VeteranOrganisationFactory,
    YouthLeaderFactory,
    YouthSupportFactory,
)
from workinggroups.models import ImportJob, Membership, Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each role fixture sets a password; the production hasher would take most of the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(programme, group, other_group):
    """In `group`'s community (here): a youth leader with one support, a veteran organisation,
    a needs assessment and a training with one participant; an opportunity of the programme;
    an exchange visit hosted here with `other_group`'s community visiting; a forum in a third
    community that names `other_group`; and a group member who is on no list yet."""
    here, there = group.community, other_group.community
    third = EnrolmentFactory(programme=programme).community
    youth_leader = YouthLeaderFactory(programme=programme, community=here)
    MembershipFactory(group=group, person=youth_leader.person)
    attendee = MembershipFactory(group=group, person=PersonFactory(birth_year=1980))
    newcomer = MembershipFactory(group=group, person=PersonFactory(birth_year=2000))
    assessment = NeedsAssessmentFactory(programme=programme, community=here)
    AssessedNeedFactory(assessment=assessment, category="employment")
    training = EventFactory(programme=programme, host_community=here)
    visit = EventFactory(programme=programme, host_community=here, kind="exchange_visit")
    visit.visiting_communities.add(there)
    forum = EventFactory(programme=programme, host_community=third, kind="forum")
    forum.groups.add(other_group)
    return SimpleNamespace(
        programme=programme,
        group=group,
        here=here,
        youth_leader=youth_leader,
        support=YouthSupportFactory(youth_leader=youth_leader),
        veterans=VeteranOrganisationFactory(programme=programme, community=here),
        assessment=assessment,
        opportunity=OpportunityFactory(programme=programme, categories=["employment"]),
        training=training,
        participant=ParticipantFactory(
            event=training, person=attendee.person, community=here, group=group
        ),
        visit=visit,
        forum=forum,
        newcomer=newcomer,
    )


def pages(w):
    """The GET pages, each about `group`'s community or its programme."""
    return {
        "youth": reverse("engagement:youth", args=[w.programme.pk]),
        "youth_leader": reverse("engagement:youth_leader", args=[w.youth_leader.pk]),
        "youth_leader_add": reverse("engagement:youth_leader_add", args=[w.programme.pk]),
        "youth_leader_edit": reverse("engagement:youth_leader_edit", args=[w.youth_leader.pk]),
        "support_add": reverse("engagement:support_add", args=[w.youth_leader.pk]),
        "support_edit": reverse("engagement:support_edit", args=[w.support.pk]),
        "veterans": reverse("engagement:veterans", args=[w.programme.pk]),
        "veteran_organisation": reverse("engagement:veteran_organisation", args=[w.veterans.pk]),
        "veteran_organisation_add": reverse(
            "engagement:veteran_organisation_add", args=[w.programme.pk]
        ),
        "veteran_organisation_edit": reverse(
            "engagement:veteran_organisation_edit", args=[w.veterans.pk]
        ),
        "assessment": reverse("engagement:assessment", args=[w.assessment.pk]),
        "assessment_add": reverse("engagement:assessment_add", args=[w.programme.pk]),
        "assessment_edit": reverse("engagement:assessment_edit", args=[w.assessment.pk]),
        "opportunity": reverse("engagement:opportunity", args=[w.opportunity.pk]),
        "opportunity_add": reverse("engagement:opportunity_add", args=[w.programme.pk]),
        "opportunity_edit": reverse("engagement:opportunity_edit", args=[w.opportunity.pk]),
        "events": reverse("engagement:events", args=[w.programme.pk]),
        "event": reverse("engagement:event", args=[w.training.pk]),
        "event_add": reverse("engagement:event_add", args=[w.programme.pk]),
        "event_edit": reverse("engagement:event_edit", args=[w.training.pk]),
        "participants_add": reverse("engagement:participants_add", args=[w.training.pk]),
        "participants_import": reverse("engagement:participants_import", args=[w.training.pk]),
        "sign_in": reverse("engagement:sign_in", args=[w.training.pk]),
    }


def writes(w):
    """Each write with valid input, so that a refusal is never about the input; the
    coordinator and administrator tests below prove that each one succeeds when allowed."""
    here = str(w.here.pk)
    event = {
        "kind": "training",
        "title": "Тренінг з комунікацій",
        "topics": ["communications"],
        "starts_on": "2024-01-10",
        "ends_on": "2024-01-11",
        "status": "held",
        "host_community": here,
    }
    assessment = {
        "community": here,
        "period_start": "2024-01-01",
        "period_end": "2024-02-29",
        "method": "focus_group",
        "respondents": "12",
        "severity_housing": "4",
        "note_housing": "Немає соціального житла",
    }
    opportunity = {
        "kind": "grant",
        "title": "Гранти на власну справу",
        "categories": ["employment", "education"],
        "starts_on": "2024-01-01",
    }
    support = {"kind": "mentoring", "title": "Наставництво", "starts_on": "2024-02-01"}
    veterans = {"kind": "council", "relationship": "partner", "contact_name": "Іван Бойко"}
    return {
        "youth_leader_add": {
            "person": str(w.newcomer.person.pk),
            "community": here,
            "focus": "Спорт",
            "since": "2024-01-15",
        },
        "youth_leader_edit": {
            "person": str(w.youth_leader.person.pk),
            "community": here,
            "focus": "Екологія",
            "since": "2023-03-01",
        },
        "support_add": support,
        "support_edit": {**support, "title": "Наставництво з проєктного менеджменту"},
        "support_delete": {},
        "veteran_organisation_add": {
            **veterans,
            "community": here,
            "organisation": str(OrganisationFactory(kind="veteran_organisation").pk),
        },
        "veteran_organisation_edit": {
            **veterans,
            "community": here,
            "organisation": str(w.veterans.organisation_id),
        },
        "assessment_add": assessment,
        "assessment_edit": {**assessment, "respondents": "55"},
        "opportunity_add": opportunity,
        "opportunity_edit": {**opportunity, "title": "Гранти для ветеранського бізнесу"},
        "event_add": event,
        "event_edit": {**event, "title": "Тренінг з фандрейзингу, день другий"},
        "participants_add": {"members": [str(w.newcomer.pk)]},
        # The upload, kept for the wizard's next steps (workinggroups.wizard).
        "participants_import": {
            "file": SimpleUploadedFile("list.csv", "ПІБ;Стать\r\nЯрема Ігор;ч\r\n".encode())
        },
        "sign_in": {f"attendance_{w.participant.pk}": "absent"},
        "participant_remove": {},
    }


def write_url(w, name):
    if name == "support_delete":
        return reverse("engagement:support_delete", args=[w.support.pk])
    if name == "participant_remove":
        return reverse("engagement:participant_remove", args=[w.participant.pk])
    return pages(w)[name]


WRITES = [
    "youth_leader_add",
    "youth_leader_edit",
    "support_add",
    "support_edit",
    "support_delete",
    "veteran_organisation_add",
    "veteran_organisation_edit",
    "assessment_add",
    "assessment_edit",
    "opportunity_add",
    "opportunity_edit",
    "event_add",
    "event_edit",
    "participants_add",
    "participants_import",
    "sign_in",
    "participant_remove",
]

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
    ImportJob,
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


# What each role gets on each page about `group`'s community; the writes answer the same as
# their pages, the two POST-only writes as listed in REMOVALS.
READS = ["youth", "veterans", "events"]
OBJECTS = ["youth_leader", "veteran_organisation", "assessment", "opportunity", "event"]
EXPECTED = {
    "donor": {
        **dict.fromkeys(READS, 200),
        **dict.fromkeys(OBJECTS, 200),
        # Youth leaders are people: a donor does not see them at all, so neither do they see
        # what they might write about one.
        "youth_leader": 404,
        "youth_leader_edit": 404,
        "support_add": 404,
        "support_edit": 404,
    },
    "leader": {**dict.fromkeys(READS, 200), **dict.fromkeys(OBJECTS, 200)},
    "other_leader": {
        **dict.fromkeys(READS, 200),
        **dict.fromkeys(OBJECTS, 404),
        # Opportunities are public offers to everyone in the programme.
        "opportunity": 200,
        "opportunity_edit": 403,
        "youth_leader_edit": 404,
        "support_add": 404,
        "support_edit": 404,
        "veteran_organisation_edit": 404,
        "assessment_edit": 404,
        "event_edit": 404,
        "participants_add": 404,
        "participants_import": 404,
        "sign_in": 404,
    },
}
REMOVALS = {
    "donor": {"support_delete": 404, "participant_remove": 403},
    "leader": {"support_delete": 403, "participant_remove": 403},
    "other_leader": {"support_delete": 404, "participant_remove": 404},
    "other_coordinator": {"support_delete": 404, "participant_remove": 404},
}


def expected_status(role, name):
    """Anything not listed for a role in EXPECTED is a write page they may not use: 403."""
    if role == "other_coordinator":
        return 404
    if name in REMOVALS[role]:
        return REMOVALS[role][name]
    return EXPECTED[role].get(name, 403)


def test_expectations_cover_every_engagement_url(world):
    from engagement.urls import urlpatterns

    posts_only = {"support_delete", "participant_remove"}
    named = {pattern.name for pattern in urlpatterns}
    assert named == set(pages(world)) | posts_only
    assert set(WRITES) == named - set(READS) - set(OBJECTS)
    assert set(WRITES) == set(writes(world))


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(client, world):
    for name, url in pages(world).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("account_login")), name
    before = snapshot()
    for name, data in writes(world).items():
        response = client.post(write_url(world, name), data)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("account_login")), name
    assert changed(before) == []


@pytest.mark.parametrize("role", ["donor", "leader", "other_leader", "other_coordinator"])
def test_each_role_gets_the_expected_answer_on_every_page(request, as_user, world, role):
    client = as_user(request.getfixturevalue(role))
    answers = {name: client.get(url).status_code for name, url in pages(world).items()}
    assert answers == {name: expected_status(role, name) for name in pages(world)}


@pytest.mark.parametrize("role", ["donor", "leader", "other_leader", "other_coordinator"])
def test_refused_writes_answer_as_expected_and_change_nothing(request, as_user, world, role):
    client = as_user(request.getfixturevalue(role))
    before = snapshot()
    for name, data in writes(world).items():
        response = client.post(write_url(world, name), data)
        assert response.status_code == expected_status(role, name), name
        assert changed(before) == [], name


@pytest.mark.parametrize("role", ["coordinator", "admin_user"])
def test_managers_reach_every_engagement_page(request, as_user, world, role):
    client = as_user(request.getfixturevalue(role))
    for name, url in pages(world).items():
        assert client.get(url).status_code == 200, name
    for event in (world.visit, world.forum):
        assert client.get(event.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("role", ["coordinator", "admin_user"])
@pytest.mark.parametrize("name", WRITES)
def test_managers_writes_succeed(request, as_user, world, role, name):
    client = as_user(request.getfixturevalue(role))
    before = snapshot()
    response = client.post(write_url(world, name), writes(world)[name])
    assert response.status_code == 302, response.content[:2000]
    assert changed(before) != []


def test_coordinator_of_another_programme_cannot_tell_the_programme_exists(
    as_user, other_coordinator, world
):
    # `_programme_for` looks the programme up among those the user holds a role in: 404, not
    # 403, even on the add pages.
    client = as_user(other_coordinator)
    for name in ("youth", "veterans", "events", "event_add", "youth_leader_add"):
        assert client.get(pages(world)[name]).status_code == 404, name


def test_other_leader_sees_events_their_group_takes_part_in_and_not_the_others(
    as_user, other_leader, world
):
    client = as_user(other_leader)
    for event in (world.visit, world.forum):
        assert client.get(event.get_absolute_url()).status_code == 200, event.kind
    assert client.get(world.training.get_absolute_url()).status_code == 404
    listing = client.get(reverse("engagement:events", args=[world.programme.pk]))
    assert {e.pk for e in listing.context["events"]} == {world.visit.pk, world.forum.pk}
    assert world.training.title not in listing.text


def test_other_leader_may_read_a_visited_event_but_not_manage_it(as_user, other_leader, world):
    client = as_user(other_leader)
    before = snapshot()
    for name in ("event_edit", "participants_add", "sign_in"):
        url = pages(SimpleNamespace(**{**vars(world), "training": world.visit}))[name]
        assert client.get(url).status_code == 403, name
        assert client.post(url, writes(world)[name]).status_code == 403, name
    assert changed(before) == []


def test_other_leader_lists_nothing_of_the_other_community(as_user, other_leader, world):
    client = as_user(other_leader)
    youth = client.get(reverse("engagement:youth", args=[world.programme.pk]))
    assert list(youth.context["leaders"]) == []
    assert world.youth_leader.person.full_name not in youth.text
    veterans = client.get(reverse("engagement:veterans", args=[world.programme.pk]))
    assert list(veterans.context["organisations"]) == []
    assert list(veterans.context["assessments"]) == []
    assert list(veterans.context["matches"]) == []
    assert world.veterans.contact_name not in veterans.text
    assert [o.pk for o in veterans.context["opportunities"]] == [world.opportunity.pk]


def test_leader_follows_their_own_communitys_work(as_user, leader, world):
    client = as_user(leader)
    youth = client.get(reverse("engagement:youth", args=[world.programme.pk]))
    assert [y.pk for y in youth.context["leaders"]] == [world.youth_leader.pk]
    veterans = client.get(reverse("engagement:veterans", args=[world.programme.pk]))
    assert [v.pk for v in veterans.context["organisations"]] == [world.veterans.pk]
    assert [a.pk for a in veterans.context["assessments"]] == [world.assessment.pk]
    assert [m.community for m in veterans.context["matches"]] == [world.here]
    events = client.get(reverse("engagement:events", args=[world.programme.pk]))
    assert {e.pk for e in events.context["events"]} == {world.training.pk, world.visit.pk}
    # No edit links on what they may only read.
    for name in ("youth_leader_edit", "veteran_organisation_edit", "assessment_edit"):
        assert pages(world)[name] not in client.get(pages(world)[name.removesuffix("_edit")]).text


def test_leader_does_not_see_their_community_in_another_programme(
    as_user, leader, world, other_programme
):
    # The same community enrolled in another programme: its youth leaders, veteran registry,
    # assessments and events are that programme's business.
    EnrolmentFactory(programme=other_programme, community=world.here)
    rows = [
        YouthLeaderFactory(programme=other_programme, community=world.here),
        VeteranOrganisationFactory(programme=other_programme, community=world.here),
        NeedsAssessmentFactory(programme=other_programme, community=world.here),
        EventFactory(programme=other_programme, host_community=world.here),
    ]
    client = as_user(leader)
    for row in rows:
        assert client.get(row.get_absolute_url()).status_code == 404, type(row).__name__
    opportunity = OpportunityFactory(programme=other_programme)
    assert client.get(opportunity.get_absolute_url()).status_code == 404


def test_donor_reads_the_registry_assessments_opportunities_and_events(as_user, donor, world):
    client = as_user(donor)
    veterans = client.get(reverse("engagement:veterans", args=[world.programme.pk]))
    assert [v.pk for v in veterans.context["organisations"]] == [world.veterans.pk]
    assert [a.pk for a in veterans.context["assessments"]] == [world.assessment.pk]
    events = client.get(reverse("engagement:events", args=[world.programme.pk]))
    assert {e.pk for e in events.context["events"]} == {
        world.training.pk,
        world.visit.pk,
        world.forum.pk,
    }
    youth = client.get(reverse("engagement:youth", args=[world.programme.pk]))
    assert list(youth.context["leaders"]) == []
    assert youth.context["leader_total"] == 1


def test_support_of_a_leader_in_another_programme_is_out_of_reach(
    as_user, coordinator, world, other_programme
):
    # A coordinator's reach stops at their programme, for support as for the leader it is for.
    foreign = YouthSupportFactory(youth_leader=YouthLeaderFactory(programme=other_programme))
    client = as_user(coordinator)
    before = snapshot()
    assert client.get(reverse("engagement:support_edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("engagement:support_delete", args=[foreign.pk])).status_code == 404
    assert changed(before) == []


def test_writes_do_what_they_say(as_user, coordinator, world):
    client = as_user(coordinator)
    data = writes(world)
    client.post(write_url(world, "youth_leader_add"), data["youth_leader_add"])
    added = YouthLeader.objects.get(person=world.newcomer.person)
    assert (added.programme, added.community, added.focus) == (
        world.programme,
        world.here,
        "Спорт",
    )
    client.post(write_url(world, "event_add"), data["event_add"])
    event = Event.objects.get(title="Тренінг з комунікацій")
    assert (event.created_by, event.starts_on) == (coordinator, datetime.date(2024, 1, 10))
    assert [t.topic for t in event.topics.all()] == ["communications"]
    client.post(write_url(world, "participants_add"), data["participants_add"])
    assert world.training.participants.filter(person=world.newcomer.person).exists()
    client.post(write_url(world, "sign_in"), data["sign_in"])
    world.participant.refresh_from_db()
    assert world.participant.attendance == "absent"
    client.post(write_url(world, "support_delete"))
    assert not YouthSupport.objects.filter(pk=world.support.pk).exists()
    client.post(write_url(world, "participant_remove"))
    assert not Participant.objects.filter(pk=world.participant.pk).exists()
