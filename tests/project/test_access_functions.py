"""Every access function, for each standing person: the programme's coordinator, the leader of
the object's group ("owner" where the object belongs to a group), the coordinator of another
programme, the leader of another group of the same programme, the programme's donor, and an
anonymous visitor. The tables are who may do what, written out by hand; a registered access
function missing from them fails the last test."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.access import (
    access_invitation,
    access_invitation_by_token,
    access_role_assignment,
)
from accounts.models import Role
from accounts.services import InvitationUnusable, invitation_create
from activity.access import access_activity
from api.access import access_api_token
from api.services import api_token_create
from cohesion.access import REGISTRY
from communities.access import (
    access_community,
    access_enrolment,
    access_organisation,
    access_programme,
)
from dashboards.access import access_dashboard, access_export
from dashboards.models import Export
from engagement.access import (
    access_assessment,
    access_event,
    access_for_editing,
    access_opportunity,
    access_participant,
    access_veteran_organisation,
    access_youth_leader,
    access_youth_support,
)
from engagement.models import Event
from meetings.access import (
    access_action,
    access_agenda_item,
    access_feed,
    access_meeting,
    access_preread,
    access_protocol,
    access_signed_protocol,
    access_unsubscribe,
)
from meetings.models import PreRead, Protocol, SignedProtocol
from meetings.reminders import unsubscribe_token
from meetings.services import calendar_feed_renew
from offline.access import access_offline_pages
from participation.access import (
    access_application,
    access_public_programme,
    access_published_plan,
)
from recommendations.access import (
    access_answer_document,
    access_group_recommendations,
    access_programme_recommendations,
    access_recommendation,
)
from safetyplans.access import (
    access_document,
    access_measure,
    access_plan,
    access_plan_action,
    access_priority,
    access_tracking,
    access_version,
)
from safetyplans.models import Action, ActionTracking, Measure, PlanDocument, Priority
from tests.factories import (
    ActionItemFactory,
    AgendaItemFactory,
    EventFactory,
    MeetingFactory,
    MembershipFactory,
    NeedsAssessmentFactory,
    OpportunityFactory,
    ParticipantFactory,
    RoleAssignmentFactory,
    VeteranOrganisationFactory,
    YouthLeaderFactory,
    YouthSupportFactory,
    plan_in_state,
)
from tests.participation.test_review import ApplicationFactory
from workinggroups.access import access_group, access_import, access_membership, access_person
from workinggroups.models import ImportJob

pytestmark = pytest.mark.django_db

ROLES = [
    "coordinator", "leader", "other_coordinator", "other_leader", "donor", "anonymous", "admin",
]  # fmt: skip
OK = "ok"


def outcome(call) -> object:
    try:
        call()
    except Http404:
        return 404
    except PermissionDenied:
        return 403
    return OK


def row(spec: str) -> dict:
    """Expected outcomes by person, in ROLES order, from "ok ok 404 404 ok 404 ok"."""
    return dict(
        zip(ROLES, [OK if word == "ok" else int(word) for word in spec.split()], strict=True)
    )


@pytest.fixture
def people(request, coordinator, leader, other_coordinator, other_leader, donor, admin_user):
    return {
        "admin": admin_user,
        "coordinator": coordinator,
        "leader": leader,
        "other_coordinator": other_coordinator,
        "other_leader": other_leader,
        "donor": donor,
        "anonymous": AnonymousUser(),
    }


# --- the objects, each made in `programme` and its `group` ------------------------------------


def make_membership(w):
    return (MembershipFactory(group=w.group).pk,)


def make_person(w):
    return (MembershipFactory(group=w.group).person_id,)


def make_meeting(w):
    return (MeetingFactory(group=w.group).pk,)


def make_agenda_item(w):
    return (AgendaItemFactory(meeting=MeetingFactory(group=w.group)).pk,)


def make_preread(w):
    meeting = MeetingFactory(group=w.group)
    preread = PreRead.objects.create(
        meeting=meeting, file="prereads/x.pdf", original_name="x.pdf", size=10,
        content_type="application/pdf",
    )  # fmt: skip
    return (preread.pk,)


def make_protocol(w):
    meeting = MeetingFactory(group=w.group, status="held")
    return (Protocol.objects.create(meeting=meeting, version=1, number=1).pk,)


def make_signed_protocol(w):
    meeting = MeetingFactory(group=w.group, status="held")
    scan = SignedProtocol.objects.create(
        meeting=meeting, file="protocols/signed/x.pdf", original_name="x.pdf", size=10,
        content_type="application/pdf",
    )  # fmt: skip
    return (scan.pk,)


def make_action(w):
    return (ActionItemFactory(group=w.group, owner=MembershipFactory(group=w.group)).pk,)


def make_draft_plan(w):
    plan, _version = plan_in_state("draft", group=w.group)
    return plan


def make_approved_plan(w):
    plan, _version = plan_in_state("approved", group=w.group)
    return plan


def make_measure(w):
    action = Action.objects.get(version__plan=make_approved_plan(w))
    return Measure.objects.create(
        source_action=action,
        programme=w.programme,
        community=w.group.community,
        category="street_lighting",
        activity=action.activity,
        indicator=action.indicator,
        result="Виконано",
    )


def make_youth_leader(w):
    return YouthLeaderFactory(programme=w.programme, community=w.group.community)


def make_event(w):
    return EventFactory(programme=w.programme, host_community=w.group.community)


# (access function, maker returning the positional arguments after `user`, {flags: outcomes}).
# An empty flags tuple is the plain read.
CASES = {
    "access_programme": (
        access_programme,
        lambda w: (w.programme.pk,),
        {(): row("ok ok 404 ok ok 404 ok"), ("manage",): row("ok 403 404 403 403 404 ok")},
    ),
    # Who changed what names people: the programme's coordinators only.
    "access_activity": (
        access_activity,
        lambda w: (w.programme.pk,),
        {(): row("ok 403 404 403 403 404 ok")},
    ),
    "access_enrolment": (
        access_enrolment,
        lambda w: (w.programme.pk, w.programme.enrolments.first().pk),
        {(): row("ok ok 404 ok ok 404 ok"), ("manage",): row("ok 403 404 403 403 404 ok")},
    ),
    "access_community": (
        access_community,
        lambda w: (w.group.community_id,),
        # Coordinators enrol from the whole directory; the others see their programmes'.
        {(): row("ok ok ok ok ok 404 ok"), ("manage",): row("ok 403 403 403 403 404 ok")},
    ),
    "access_organisation": (
        access_organisation,
        # The programme's implementing partner: only its own coordinators may change it.
        lambda w: (w.programme.implementing_partner_id,),
        {(): row("ok ok ok ok ok 404 ok"), ("manage",): row("ok 403 403 403 403 404 ok")},
    ),
    "access_group": (
        access_group,
        lambda w: (w.group.pk,),
        {
            (): row("ok ok 404 404 ok 404 ok"),
            ("manage",): row("ok ok 404 404 403 404 ok"),
            ("coordinate",): row("ok 403 404 404 403 404 ok"),
        },
    ),
    "access_membership": (
        access_membership,
        make_membership,
        # People are not a donor's: memberships are 404 to them.
        {(): row("ok ok 404 404 404 404 ok"), ("manage",): row("ok ok 404 404 404 404 ok")},
    ),
    "access_person (a former member)": (
        access_person,
        lambda w: (MembershipFactory(group=w.group, left_on=datetime.date(2024, 5, 1)).person_id,),
        # The leader reads the group's past members; correcting them is for coordinators.
        {(): row("ok ok 404 404 404 404 ok"), ("manage",): row("ok 403 404 404 404 404 ok")},
    ),
    "access_person (a youth leader)": (
        access_person,
        lambda w: (make_youth_leader(w).person_id,),
        {(): row("ok 404 404 404 404 404 ok")},
    ),
    "access_person": (
        access_person,
        make_person,
        {(): row("ok ok 404 404 404 404 ok"), ("manage",): row("ok ok 404 404 404 404 ok")},
    ),
    "access_meeting": (
        access_meeting,
        make_meeting,
        {(): row("ok ok 404 404 ok 404 ok"), ("manage",): row("ok ok 404 404 403 404 ok")},
    ),
    "access_agenda_item": (
        access_agenda_item,
        make_agenda_item,
        # An item carried over from an action names a person: for the group's managers.
        {(): row("ok ok 404 404 404 404 ok"), ("manage",): row("ok ok 404 404 403 404 ok")},
    ),
    "access_preread": (
        access_preread,
        make_preread,
        # Pre-reads are for the people who plan the meeting: donors do not learn of them.
        {(): row("ok ok 404 404 404 404 ok")},
    ),
    "access_protocol": (
        access_protocol,
        make_protocol,
        # It names the members present and absent: for those who manage the meeting.
        {(): row("ok ok 404 404 404 404 ok")},
    ),
    "access_signed_protocol": (
        access_signed_protocol,
        make_signed_protocol,
        {(): row("ok ok 404 404 404 404 ok")},
    ),
    "access_action": (
        access_action,
        make_action,
        # Its owner is a person: for the group's managers.
        {(): row("ok ok 404 404 404 404 ok"), ("manage",): row("ok ok 404 404 403 404 ok")},
    ),
    "access_plan": (
        access_plan,
        lambda w: (make_draft_plan(w).pk,),
        {
            (): row("ok ok 404 404 ok 404 ok"),
            ("manage",): row("ok ok 404 404 403 404 ok"),
            ("coordinate",): row("ok 403 404 404 403 404 ok"),
        },
    ),
    "access_version": (
        access_version,
        lambda w: (make_draft_plan(w).pk, 1),
        # A donor asking for a draft learns nothing of it.
        {
            (): row("ok ok 404 404 404 404 ok"),
            ("manage",): row("ok ok 404 404 403 404 ok"),
            ("coordinate",): row("ok 403 404 404 403 404 ok"),
        },
    ),
    "access_version (approved)": (
        access_version,
        lambda w: (make_approved_plan(w).pk, 1),
        {(): row("ok ok 404 404 ok 404 ok"), ("coordinate",): row("ok 403 404 404 403 404 ok")},
    ),
    "access_priority (approved)": (
        access_priority,
        lambda w: (Priority.objects.get(version__plan=make_approved_plan(w)).pk,),
        {(): row("ok ok 404 404 ok 404 ok")},
    ),
    "access_priority": (
        access_priority,
        lambda w: (Priority.objects.get(version__plan=make_draft_plan(w)).pk,),
        {(): row("ok ok 404 404 404 404 ok"), ("manage",): row("ok ok 404 404 403 404 ok")},
    ),
    "access_plan_action": (
        access_plan_action,
        lambda w: (Action.objects.get(version__plan=make_draft_plan(w)).pk,),
        {(): row("ok ok 404 404 404 404 ok"), ("manage",): row("ok ok 404 404 403 404 ok")},
    ),
    "access_plan_action (approved)": (
        access_plan_action,
        lambda w: (Action.objects.get(version__plan=make_approved_plan(w)).pk,),
        # Writing an approved action up as a measure of the library: coordinators only.
        {(): row("ok ok 404 404 ok 404 ok"), ("coordinate",): row("ok 403 404 404 403 404 ok")},
    ),
    "access_measure": (
        access_measure,
        lambda w: (make_measure(w).pk,),
        # Everyone with a role in its programme reads it; its coordinators edit it.
        {(): row("ok ok 404 ok ok 404 ok"), ("manage",): row("ok 403 404 403 403 404 ok")},
    ),
    "access_tracking": (
        access_tracking,
        lambda w: (ActionTracking.objects.get(plan=make_approved_plan(w)).pk,),
        {(): row("ok ok 404 404 ok 404 ok"), ("manage",): row("ok ok 404 404 403 404 ok")},
    ),
    "access_document": (
        access_document,
        lambda w: (PlanDocument.objects.get(version__plan=make_approved_plan(w)).pk,),
        {(): row("ok ok 404 404 ok 404 ok")},
    ),
    "access_youth_leader": (
        access_youth_leader,
        lambda w: (make_youth_leader(w).pk,),
        # Youth leaders are people: coordinators, and the leader of their community's group.
        {(): row("ok ok 404 404 404 404 ok"), ("manage",): row("ok 403 404 404 404 404 ok")},
    ),
    "access_youth_support": (
        access_youth_support,
        lambda w: (YouthSupportFactory(youth_leader=make_youth_leader(w)).pk,),
        {(): row("ok ok 404 404 404 404 ok"), ("manage",): row("ok 403 404 404 404 404 ok")},
    ),
    "access_veteran_organisation": (
        access_veteran_organisation,
        lambda w: (
            VeteranOrganisationFactory(programme=w.programme, community=w.group.community).pk,
        ),
        {(): row("ok ok 404 404 ok 404 ok"), ("manage",): row("ok 403 404 404 403 404 ok")},
    ),
    "access_assessment": (
        access_assessment,
        lambda w: (NeedsAssessmentFactory(programme=w.programme, community=w.group.community).pk,),
        {(): row("ok ok 404 404 ok 404 ok"), ("manage",): row("ok 403 404 404 403 404 ok")},
    ),
    "access_opportunity": (
        access_opportunity,
        lambda w: (OpportunityFactory(programme=w.programme).pk,),
        # Public offers: everyone with a role in the programme.
        {(): row("ok ok 404 ok ok 404 ok"), ("manage",): row("ok 403 404 403 403 404 ok")},
    ),
    "access_event": (
        access_event,
        lambda w: (make_event(w).pk,),
        # The leaders of the groups taking part (here: the host community's group).
        {(): row("ok ok 404 404 ok 404 ok"), ("manage",): row("ok 403 404 404 403 404 ok")},
    ),
    "access_participant": (
        access_participant,
        lambda w: (ParticipantFactory(event=make_event(w)).pk,),
        # A person from no group: their name is for the coordinators only.
        {(): row("ok 404 404 404 404 404 ok"), ("manage",): row("ok 403 404 404 403 404 ok")},
    ),
    "access_participant (a member)": (
        access_participant,
        lambda w: (
            ParticipantFactory(
                event=make_event(w), person=MembershipFactory(group=w.group).person
            ).pk,
        ),
        # The leader sees their own member on the list, and still may not change it.
        {(): row("ok ok 404 404 404 404 ok"), ("manage",): row("ok 403 404 404 403 404 ok")},
    ),
    "access_for_editing": (
        access_for_editing,
        lambda w: (Event, make_event(w).pk, None),
        {(): row("ok 403 404 404 403 404 ok")},
    ),
    "access_for_editing (a new one)": (
        access_for_editing,
        lambda w: (Event, None, w.programme.pk),
        {(): row("ok 403 404 403 403 404 ok")},
    ),
    "access_dashboard": (
        access_dashboard,
        lambda w: (w.programme.pk,),
        # Progress is for coordinators and donors; a leader of the programme is refused.
        {(): row("ok 403 404 403 ok 404 ok"), ("manage",): row("ok 403 404 403 403 404 ok")},
    ),
    "access_export (exact)": (
        access_export,
        lambda w: (
            Export.objects.create(
                programme=w.programme,
                kind="table_csv",
                period_start=datetime.date(2023, 1, 1),
                period_end=datetime.date(2023, 3, 31),
                suppressed=False,
            ).pk,
        ),
        # Exact counts are never a donor's.
        {(): row("ok 404 404 404 404 404 ok")},
    ),
    "access_export": (
        access_export,
        lambda w: (
            Export.objects.create(
                programme=w.programme,
                kind="table_csv",
                period_start=datetime.date(2023, 1, 1),
                period_end=datetime.date(2023, 3, 31),
                suppressed=True,
            ).pk,
        ),
        # Asking again for a failed export: its requester (none here) and the coordinators.
        {(): row("ok 404 404 404 ok 404 ok"), ("retry",): row("ok 404 404 404 403 404 ok")},
    ),
    "access_application": (
        access_application,
        lambda w: (ApplicationFactory(programme=w.programme).pk,),
        {(): row("ok 404 404 404 404 404 ok")},
    ),
    "access_invitation": (
        access_invitation,
        lambda w: (
            invitation_create(
                invited_by=w.coordinator,
                email="new@example.org",
                role=Role.DONOR,
                programme=w.programme,
            )[0].pk,
        ),
        {(): row("ok 404 404 404 404 404 ok")},
    ),
    # An upload holds people's data: its uploader's alone (the admin included gets 404).
    "access_import": (
        access_import,
        lambda w: (
            ImportJob.objects.create(
                kind="members",
                programme=w.programme,
                target_id=w.group.pk,
                created_by=w.coordinator,
                file_name="m.csv",
                content=b"",
            ).pk,
        ),
        {(): row("ok 404 404 404 404 404 404"), ("whole",): row("ok 404 404 404 404 404 404")},
    ),
    "access_role_assignment": (
        access_role_assignment,
        lambda w: (RoleAssignmentFactory(programme=w.programme, role=Role.DONOR).pk,),
        {(): row("ok 404 404 404 404 404 ok")},
    ),
}


def make_recommendation(w):
    from meetings.models import Decision
    from recommendations.models import Answer, Recommendation
    from tests.factories import OrganisationFactory

    meeting = MeetingFactory(group=w.group, status="held")
    recommendation = Recommendation.objects.create(
        group=w.group, meeting=meeting, decision=Decision.objects.create(meeting=meeting, text="D"),
        title="R", text="T", addressee=OrganisationFactory(kind="police"),
    )  # fmt: skip
    Answer.objects.create(
        recommendation=recommendation, outcome="accepted", received_on="2024-01-01"
    )
    return recommendation


# A group's recommendations are its leader's and the coordinators'; donors get figures only.
CASES["access_recommendation"] = (
    access_recommendation,
    lambda w: (make_recommendation(w).pk,),
    {(): row("ok ok 404 404 404 404 ok"), ("manage",): row("ok ok 404 404 404 404 ok")},
)
CASES["access_answer_document"] = (
    access_answer_document,
    lambda w: (make_recommendation(w).answer.pk,),
    {(): row("ok ok 404 404 404 404 ok")},
)
CASES["access_group_recommendations"] = (
    access_group_recommendations,
    lambda w: (w.group.pk,),
    {(): row("ok ok 404 404 403 404 ok")},
)
CASES["access_programme_recommendations"] = (
    access_programme_recommendations,
    lambda w: (w.programme.pk,),
    {(): row("ok 403 404 403 403 404 ok")},
)
CASES["access_offline_pages"] = (
    access_offline_pages,
    lambda w: (),
    # Only leaders' phones keep pages, each their own group's (tests/offline).
    {(): row("404 ok 404 ok 404 404 404")},
)
# A personal API token is its holder's alone (the admin included gets 404).
CASES["access_api_token"] = (
    access_api_token,
    lambda w: (api_token_create(user=w.coordinator, name="M&E")[0].pk,),
    {(): row("ok 404 404 404 404 404 404")},
)
# Access by a key anyone may hold (a public page, a private link): tested apart below.
BY_KEY = {
    "access_public_programme",
    "access_published_plan",
    "access_feed",
    "access_unsubscribe",
    "access_invitation_by_token",
}


class World:
    def __init__(self, programme, group, coordinator):
        self.programme, self.group, self.coordinator = programme, group, coordinator


@pytest.mark.parametrize(
    ("name", "flags"),
    [(name, flags) for name, (_f, _m, expected) in CASES.items() for flags in expected],
)
def test_each_access_function_answers_each_person(
    name, flags, people, programme, group, coordinator, private_media
):
    function, make, expected = CASES[name]
    arguments = make(World(programme, group, coordinator))
    options = dict.fromkeys(flags, True)
    found = {
        role: outcome(lambda user=user: function(user, *arguments, **options))
        for role, user in people.items()
    }
    assert found == expected[flags]


def test_every_access_function_has_its_table():
    tabled = {name.split(" ")[0] for name in CASES}
    assert set(REGISTRY) == tabled | BY_KEY


# --- by key ------------------------------------------------------------------------------------


def test_a_public_programme_is_for_anyone_and_an_unpublished_one_for_nobody(programme):
    with pytest.raises(Http404):
        access_public_programme(programme.pk)
    programme.is_public = True
    programme.save(update_fields=["is_public"])
    assert access_public_programme(programme.pk) == programme


def test_a_published_plan_needs_a_public_programme_that_publishes_plans(group, private_media):
    plan = make_approved_plan(World(group.programme, group, None))
    # Rendered (its task runs after the commit, which a test never reaches).
    PlanDocument.objects.filter(version__plan=plan).update(status=PlanDocument.Status.READY)
    programme = group.programme
    with pytest.raises(Http404):
        access_published_plan(plan.pk, default_language="uk")
    programme.is_public = True
    programme.save(update_fields=["is_public"])
    with pytest.raises(Http404):
        access_published_plan(plan.pk, default_language="uk")
    programme.publishes_plans = True
    programme.save(update_fields=["publishes_plans"])
    document = access_published_plan(plan.pk, default_language="uk")
    plan.refresh_from_db()
    assert document.version == plan.approved_version


def test_a_calendar_feed_opens_with_its_token_only(group):
    feed = calendar_feed_renew(group=group)
    assert access_feed(feed.token) == feed
    other = feed.token[:-1] + ("y" if feed.token.endswith("x") else "x")
    with pytest.raises(Http404):
        access_feed(other)


def test_an_unsubscribe_link_gives_its_address_and_a_forged_one_nothing():
    token = unsubscribe_token("Member@Example.org")
    assert access_unsubscribe(token) == "member@example.org"
    with pytest.raises(signing.BadSignature):
        access_unsubscribe(token[:-2] + "xx")


def test_an_invitation_link_opens_its_invitation_once(programme, coordinator):
    invitation, token = invitation_create(
        invited_by=coordinator, email="new@example.org", role=Role.DONOR, programme=programme
    )
    assert access_invitation_by_token(token) == invitation
    with pytest.raises(InvitationUnusable):
        access_invitation_by_token("not-a-token")
