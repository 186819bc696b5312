"""The dashboard page: the same number of queries for a small and a large programme when it
computes, far fewer when its figures come from the cache; recomputed after a change to the
records (in this programme only) and after DASHBOARD_CACHE_SECONDS; filters that never fail;
who may open it; and the targets coordinators set."""

import datetime
import html
import re
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cohesion import clock
from dashboards import indicators
from dashboards.cache import version
from dashboards.indicators import Period
from dashboards.models import FiguresVersion, IndicatorTarget, StoredFigures
from dashboards.services import targets_set
from engagement.models import Participant, VeteranOrganisation
from engagement.services import attendance_record, participants_add
from meetings.models import Meeting
from meetings.services import meeting_log
from safetyplans import services as plan_services
from safetyplans.tasks import render_plan_document
from tests.conftest import give_totp
from tests.factories import (
    EventFactory,
    MeetingFactory,
    MembershipFactory,
    NeedsAssessmentFactory,
    ParticipantFactory,
    PersonFactory,
    VeteranOrganisationFactory,
    WorkingGroupFactory,
    YouthLeaderFactory,
    YouthSupportFactory,
    category_by_code,
    plan_in_state,
)
from workinggroups.models import GroupStatusChange, Membership, Person
from workinggroups.services import programme_set_composition_rules

pytestmark = pytest.mark.django_db

D = datetime.date
# Warm requests: session, user, roles, programme, targets, the community choices, the version
# of the figures and the period's comments.
WARM_QUERY_BOUND = 9


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Each role fixture sets a password; the production hasher would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_pdf(monkeypatch):
    # Approving a plan queues its PDF after the commit; WeasyPrint is not under test here.
    monkeypatch.setattr(render_plan_document, "delay", lambda *args, **kwargs: None)


@pytest.fixture
def computed(monkeypatch):
    """The periods for which the view computed the figures (instead of reading the cache)."""
    calls = []
    real = indicators.dashboard_data

    def counting(programme, period, community=None, **kwargs):
        calls.append((programme.pk, period, community))
        return real(programme, period, community, **kwargs)

    monkeypatch.setattr(indicators, "dashboard_data", counting)
    return calls


def kyiv(day: datetime.date, hour: int = 18) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def months_from(first: datetime.date, n: int) -> list[datetime.date]:
    return [
        D(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 10)
        for i in range(n)
    ]


def grow(programme, *, groups: int, months: int, members: int = 3) -> list:
    """Adds `groups` groups active from the programme's start, each with `members` members,
    a meeting in each of its first `months` months (every third one missed), a training with
    its members present, a youth leader with support, a veteran organisation, an assessment
    and a safety plan (approved, in review or draft in turn)."""
    codes = ["police", "youth", "veterans", "cso", "local_government"]
    made = []
    for index in range(groups):
        group = WorkingGroupFactory(
            programme=programme, established_on=programme.start_date, status="active"
        )
        GroupStatusChange.objects.create(
            group=group, status="active", changed_on=programme.start_date, reason="launch"
        )
        people = [
            MembershipFactory(
                group=group,
                category=category_by_code(codes[i % len(codes)]),
                joined_on=programme.start_date,
                person__sex="male" if i % 2 else "female",
                person__birth_year=1960 + 7 * i,
            ).person
            for i in range(members)
        ]
        Meeting.objects.bulk_create(
            MeetingFactory.build(group=group, starts_at=kyiv(day), status="held")
            for i, day in enumerate(months_from(programme.start_date, months))
            if i % 3 != 2
        )
        training = EventFactory(programme=programme, host_community=group.community)
        for who in people:
            ParticipantFactory(event=training, person=who, community=group.community)
        leader = YouthLeaderFactory(programme=programme, community=group.community)
        YouthSupportFactory(youth_leader=leader)
        VeteranOrganisationFactory(
            programme=programme, community=group.community, relationship="engaged"
        )
        NeedsAssessmentFactory(programme=programme, community=group.community)
        plan_in_state(["approved", "in_review", "draft"][index % 3], group=group)
        made.append(group)
    return made


def queries(client, url) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def cold(client, url) -> tuple[int, object]:
    """The queries of a request that computes the figures: none in the cache or stored."""
    cache.clear()
    StoredFigures.objects.all().delete()
    return queries(client, url)


def dashboard_url(programme, query: str = "") -> str:
    url = reverse("dashboards:dashboard", args=[programme.pk])
    return f"{url}?{query}" if query else url


def value(response, code):
    return response.context["data"].values[code]


def body(response) -> str:
    """The page's main part (the frame around it names the signed-in user)."""
    return response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


def indicator_html(response, code) -> str:
    """The indicator's list item on the page."""
    match = re.search(
        rf'<li class="mb-2" data-indicator="{code}">(.*?)</li>',
        response.content.decode(),
        re.DOTALL,
    )
    assert match, code
    return match.group(1)


# --- query counts -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "donor"])
@pytest.mark.parametrize("filtered", [False, True], ids=["all", "one-community"])
def test_dashboard_costs_the_same_queries_for_2_groups_and_30(
    request, as_user, programme, role, filtered
):
    client = as_user(request.getfixturevalue(role))
    first = grow(programme, groups=2, months=3)[0]
    url = dashboard_url(
        programme, f"start=2023-02&end=2024-11&community={first.community_id}" if filtered else ""
    )
    cold(client, url)  # warm what every first request fills (session, content types)
    small, response = cold(client, url)
    assert value(response, "meetings_held") == (1 if filtered else 4)

    grow(programme, groups=28, months=24)
    large, response = cold(client, url)

    assert value(response, "meetings_held") == (1 if filtered else 4 + 28 * 16)
    assert len(response.context["data"].heatmap) == (1 if filtered else 30)
    assert large == small
    # The figures themselves take about 17 queries (two of them the decisions' representation
    # and the recommendations to local authorities), reading and storing them in the database
    # three (dashboards.cache); the page around them a few more.
    assert small <= 35


def test_dashboard_by_region_costs_the_same_queries_as_by_group(
    as_user, coordinator, programme, monkeypatch
):
    """Past the group limit the heatmap has a row per region: no query per group or region."""
    monkeypatch.setattr(indicators, "HEATMAP_GROUP_LIMIT", 5)
    client = as_user(coordinator)
    url = dashboard_url(programme)
    grow(programme, groups=2, months=3)
    cold(client, url)
    by_group, response = cold(client, url)
    assert response.context["data"].heatmap_by == "group"

    grow(programme, groups=28, months=24)
    by_region, response = cold(client, url)

    assert response.context["data"].heatmap_by == "region"
    assert len(response.context["data"].heatmap) == 30  # each factory community has a region
    # A row per region is summed in the database in one query; a handful of groups' rows
    # take two (their cells and their totals).
    assert by_region <= by_group


def test_a_second_request_reads_the_cache_and_does_not_recompute(
    as_user, coordinator, programme, computed
):
    client = as_user(coordinator)
    grow(programme, groups=3, months=12)
    url = dashboard_url(programme)
    client.get(url)  # warm what every first request fills
    computing, first = cold(client, url)
    assert len(computed) == 2

    warm, second = queries(client, url)

    assert len(computed) == 2
    assert warm <= WARM_QUERY_BOUND
    assert warm < computing - 10
    # The whole body came from the cache: the same page, and nothing rendered but the frame.
    assert "dashboards/_dashboard_body.html" not in [t.name for t in second.templates]
    assert body(second) == body(first)


def test_the_cache_is_shared_by_coordinators_and_donors_but_not_by_periods(
    as_user, coordinator, donor, programme, computed
):
    grow(programme, groups=1, months=3)
    as_user(coordinator).get(dashboard_url(programme))
    as_user(donor).get(dashboard_url(programme))
    assert len(computed) == 1

    as_user(donor).get(dashboard_url(programme, "start=2023-02&end=2023-03"))
    as_user(donor).get(dashboard_url(programme, "start=2023-02&end=2023-03"))
    assert [period for _pk, period, _community in computed] == [
        Period(D(2023, 1, 1), D(2024, 12, 31)),
        Period(D(2023, 2, 1), D(2023, 3, 31)),
    ]


def test_a_donor_after_a_coordinator_gets_the_protected_page_from_the_same_figures(
    as_user, coordinator, donor, programme, computed
):
    """Three members and a youth leader: 4 participants, exact for the coordinator, "<5" for
    the donor, although the figures are computed once and the coordinator's page body is
    already in the cache."""
    grow(programme, groups=1, months=3)
    url = dashboard_url(programme)

    exact = as_user(coordinator).get(url)
    protected = as_user(donor).get(url)
    again = as_user(coordinator).get(url)

    assert len(computed) == 1
    assert value(exact, "participants") == 4
    assert '<span class="fw-semibold">4' in indicator_html(exact, "participants")
    assert '<span class="fw-semibold">&lt;5' in indicator_html(protected, "participants")
    assert '<span class="fw-semibold">4' in indicator_html(again, "participants")


def test_each_language_has_its_own_cached_figures_and_page(
    as_user, coordinator, programme, computed
):
    grow(programme, groups=1, months=3)
    url = dashboard_url(programme)
    ukrainian = as_user(coordinator).get(url)
    coordinator.language = "en"
    coordinator.save(update_fields=["language"])

    english = as_user(coordinator).get(url)

    assert len(computed) == 2
    assert ("Поліція", 1) in ukrainian.context["data"].by_category
    assert ("Police", 1) in english.context["data"].by_category
    assert '<th scope="row" class="fw-normal">Police</th>' in english.content.decode()
    assert "Поліція" not in english.content.decode()


# --- invalidation -------------------------------------------------------------------------


@pytest.fixture
def team(programme):
    """A group active since the programme's start with one member, a planned meeting of March
    2024 (past) not logged yet, a held training, a plan in review and a newcomer who has not
    taken part in anything."""
    [group] = grow(programme, groups=1, months=0, members=1)
    _plan, in_review = plan_in_state("in_review", group=WorkingGroupFactory(programme=programme))
    return SimpleNamespace(
        programme=programme,
        group=group,
        membership=group.memberships.get(),
        meeting=MeetingFactory(group=group, starts_at=kyiv(D(2024, 3, 12))),
        training=EventFactory(programme=programme, host_community=group.community),
        in_review=in_review,
        newcomer=PersonFactory(),
    )


def log_the_meeting(team):
    meeting_log(
        meeting=team.meeting,
        attendance={team.membership.pk: "present"},
        guests={},
        minutes="<p>Обговорили освітлення вулиць.</p>",
        decisions=[],
        new_actions=[],
    )
    return "meetings_held", 1


def add_a_member(team):
    MembershipFactory(person=team.newcomer, group=team.group, joined_on=D(2024, 1, 10))
    return "participants", 1


def approve_the_plan(team):
    plan_services.version_approve(
        version=team.in_review,
        approving_body="Сесія сільської ради",
        decision_number="3-VIII",
        decision_date=D(2024, 2, 1),
    )
    return "plans_approved", 1


def add_a_participant(team):
    ParticipantFactory(event=team.training, person=team.newcomer)
    return "event_participants", 1


def set_a_target(team):
    targets_set(programme=team.programme, targets={"meetings_held": Decimal("12")})
    return "meetings_held", 0


def change_the_composition_rules(team):
    # The youth leader was born in 2002: 22 in 2024, no longer young when youth ends at 18.
    programme_set_composition_rules(
        programme=team.programme, bands=[(0, 17), (18, None)], youth_max_age=18, targets={}
    )
    return "participants_youth", -1


# The paths that save signals never saw: bulk operations, queryset updates and deletes, the
# engagement services built on them, the admin's bulk delete. The database's triggers do.


def register_and_mark_present(team):
    # participants_add uses bulk_create, attendance_record bulk_update and a queryset update.
    participants_add(event=team.training, people=[team.newcomer])
    participant = team.training.participants.get(person=team.newcomer)
    attendance_record(event=team.training, marks={participant.pk: {"attendance": "present"}})
    return "event_participants", 1


def add_a_member_in_bulk(team):
    Membership.objects.bulk_create(
        [MembershipFactory.build(person=team.newcomer, group=team.group, joined_on=D(2024, 1, 10))]
    )
    return "participants", 1


def mark_the_meeting_held_by_a_queryset_update(team):
    Meeting.objects.filter(pk=team.meeting.pk).update(status=Meeting.Status.HELD)
    return "meetings_held", 1


def remove_a_participant_by_a_queryset_delete(team):
    Participant.objects.filter(person_id=team.membership.person_id).delete()
    return "event_participants", -1


def make_the_member_a_woman_by_a_queryset_update(team):
    Person.objects.filter(pk=team.membership.person_id).update(
        sex="male" if team.membership.person.sex == "female" else "female"
    )
    return "participants_women", 1 if team.membership.person.sex == "male" else -1


def remove_the_veteran_organisation_in_the_admin(team):
    registered = VeteranOrganisation.objects.get(programme=team.programme)
    # The admin asks its users for a second factor.
    admin = give_totp(User.objects.create_superuser(email="admin@example.org", password="x"))
    client = Client()
    client.force_login(admin)
    response = client.post(
        reverse("admin:engagement_veteranorganisation_changelist"),
        {"action": "delete_selected", "_selected_action": [registered.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not VeteranOrganisation.objects.filter(pk=registered.pk).exists()
    return "veteran_orgs_engaged", -1


@pytest.mark.parametrize(
    "change",
    [
        log_the_meeting,
        add_a_member,
        approve_the_plan,
        add_a_participant,
        set_a_target,
        change_the_composition_rules,
        register_and_mark_present,
        add_a_member_in_bulk,
        mark_the_meeting_held_by_a_queryset_update,
        remove_a_participant_by_a_queryset_delete,
        make_the_member_a_woman_by_a_queryset_update,
        remove_the_veteran_organisation_in_the_admin,
    ],
)
def test_a_change_to_the_records_is_shown_on_the_next_request(
    as_user, coordinator, programme, team, computed, django_capture_on_commit_callbacks, change
):
    client = as_user(coordinator)
    url = dashboard_url(programme)
    code = change.__name__  # for the failure message
    before = client.get(url)
    client.get(url)
    assert len(computed) == 1, code

    with django_capture_on_commit_callbacks(execute=True):
        indicator, difference = change(team)

    after = client.get(url)
    assert len(computed) == 2, code
    expected = value(before, indicator) + difference
    assert value(after, indicator) == expected
    # The page body is cached too: it must show the new figure, not the old rendering.
    assert f'<span class="fw-semibold">{expected}' in indicator_html(after, indicator)
    client.get(url)
    assert len(computed) == 2, code


def test_a_new_target_is_shown_against_the_actual_figure(
    as_user, coordinator, programme, team, django_capture_on_commit_callbacks
):
    client = as_user(coordinator)
    url = dashboard_url(programme)
    assert "/ 12" not in indicator_html(client.get(url), "meetings_held")
    with django_capture_on_commit_callbacks(execute=True):
        set_a_target(team)
    assert "/ 12" in indicator_html(client.get(url), "meetings_held")


def test_a_change_in_another_programme_leaves_this_programmes_figures_cached(
    as_user, coordinator, programme, other_programme, computed, django_capture_on_commit_callbacks
):
    grow(programme, groups=1, months=3)
    [elsewhere] = grow(other_programme, groups=1, months=0, members=1)
    meeting = MeetingFactory(group=elsewhere, starts_at=kyiv(D(2024, 3, 12)))
    someone = PersonFactory()
    training = EventFactory(programme=other_programme, host_community=elsewhere.community)
    client = as_user(coordinator)
    url = dashboard_url(programme)
    client.get(url)

    with django_capture_on_commit_callbacks(execute=True):
        meeting_log(
            meeting=meeting,
            attendance={elsewhere.memberships.get().pk: "present"},
            guests={},
            minutes="",
            decisions=[],
            new_actions=[],
        )
        MembershipFactory(person=someone, group=elsewhere, joined_on=D(2024, 1, 10))
        ParticipantFactory(event=training, person=someone)
        plan_in_state("approved", group=WorkingGroupFactory(programme=other_programme))
        VeteranOrganisationFactory(programme=other_programme, relationship="partner")
        targets_set(programme=other_programme, targets={"trainings": Decimal("5")})
    assert FiguresVersion.objects.get(programme_id=other_programme.pk).version > 0

    client.get(url)
    assert len(computed) == 1


def test_cached_figures_expire_after_the_configured_time(
    as_user, coordinator, programme, computed, settings
):
    settings.DASHBOARD_CACHE_SECONDS = 1
    settings.DASHBOARD_STORED_SECONDS = 1
    grow(programme, groups=1, months=3)
    client = as_user(coordinator)
    url = dashboard_url(programme)
    client.get(url)
    client.get(url)
    assert len(computed) == 1

    time.sleep(1.1)
    client.get(url)
    assert len(computed) == 2


def test_figures_are_read_from_the_database_when_redis_has_lost_them(
    as_user, coordinator, programme, computed
):
    """Redis keeps nothing across a restart (a power cut) and its copy expires after
    DASHBOARD_CACHE_SECONDS: figures whose records did not change are read, not computed."""
    grow(programme, groups=2, months=3)
    client = as_user(coordinator)
    url = dashboard_url(programme)
    first = client.get(url)
    assert len(computed) == 1

    cache.clear()
    read, again = queries(client, url)

    assert len(computed) == 1
    assert again.context["data"].values == first.context["data"].values
    assert again.context["data"].heatmap == first.context["data"].heatmap
    assert body(again) == body(first)
    computing, _response = cold(client, url)
    assert read < computing - 10


def test_stored_figures_of_an_older_version_are_never_read_and_are_dropped(
    as_user, coordinator, programme, computed
):
    [group] = grow(programme, groups=1, months=3)
    client = as_user(coordinator)
    url = dashboard_url(programme)
    before = value(client.get(url), "participants")
    client.get(dashboard_url(programme, "start=2023-02&end=2023-03"))
    assert StoredFigures.objects.filter(programme_id=programme.pk).count() == 2

    MembershipFactory(group=group, joined_on=programme.start_date)  # a new version
    cache.clear()
    after = value(client.get(url), "participants")

    assert after == before + 1
    assert len(computed) == 3
    # Only the new version's row is left: the table holds what can still be read.
    [row] = StoredFigures.objects.filter(programme_id=programme.pk)
    assert row.version == version(programme.pk)


def test_one_communitys_figures_are_cached_but_not_stored(
    as_user, coordinator, programme, computed
):
    [group, _other] = grow(programme, groups=2, months=3)
    client = as_user(coordinator)
    client.get(dashboard_url(programme, f"community={group.community_id}"))
    client.get(dashboard_url(programme, f"community={group.community_id}"))

    assert len(computed) == 1
    assert not StoredFigures.objects.exists()


def test_storing_figures_drops_any_programmes_rows_past_their_time(
    as_user, coordinator, programme, computed, settings
):
    grow(programme, groups=1, months=3)
    long_ago = clock.now() - datetime.timedelta(seconds=settings.DASHBOARD_STORED_SECONDS + 60)
    StoredFigures.objects.create(
        key="dash:999999:0.1:uk:gone", programme_id=999999, version="0.1", value=b"",
        stored_at=long_ago,
    )  # fmt: skip

    as_user(coordinator).get(dashboard_url(programme))

    assert list(StoredFigures.objects.values_list("programme_id", flat=True)) == [programme.pk]


def test_stored_figures_past_their_time_are_computed_again(
    as_user, coordinator, programme, computed, settings
):
    grow(programme, groups=1, months=3)
    client = as_user(coordinator)
    url = dashboard_url(programme)
    client.get(url)
    cache.clear()
    with time_machine.travel(
        clock.now() + datetime.timedelta(seconds=settings.DASHBOARD_STORED_SECONDS + 60)
    ):
        client.get(url)

    assert len(computed) == 2


# --- the filter form ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "start=2024-13",
        "start=abc",
        "end=2024-00",
        "start=2024-06&end=2024-01",
        "start=1999-12",
        "start=99999-01",
        "start=2024-01-15",
        "end=%00",
        "start=2024-02&end=" + "9" * 50,
    ],
)
def test_an_invalid_period_falls_back_to_the_whole_programme(
    as_user, coordinator, programme, query
):
    grow(programme, groups=1, months=3)
    response = as_user(coordinator).get(dashboard_url(programme, query))
    assert response.status_code == 200
    assert response.context["period"] == Period(D(2023, 1, 1), D(2024, 12, 31))
    assert response.context["form"].errors
    assert 'class="text-danger small w-100"' in response.content.decode()


def test_a_chosen_period_is_whole_months(as_user, coordinator, programme):
    grow(programme, groups=1, months=6)
    response = as_user(coordinator).get(dashboard_url(programme, "start=2023-02&end=2023-04"))
    assert response.context["period"] == Period(D(2023, 2, 1), D(2023, 4, 30))
    assert response.context["data"].meetings_by_month == [(1, 1), (0, 1), (1, 1)]


def test_a_community_of_another_programme_is_refused_and_none_of_its_data_shown(
    as_user, coordinator, programme, other_programme
):
    [group] = grow(programme, groups=1, months=3)
    [elsewhere] = grow(other_programme, groups=1, months=6)
    foreign = elsewhere.community
    foreign.name_uk = "Чужинецька"
    foreign.save(update_fields=["name_uk"])
    client = as_user(coordinator)
    everything = client.get(dashboard_url(programme))

    response = client.get(dashboard_url(programme, f"community={foreign.pk}"))

    assert response.status_code == 200
    assert "community" in response.context["form"].errors
    assert response.context["community"] is None
    assert "Чужинецька" not in response.content.decode()
    assert response.context["data"].values == everything.context["data"].values
    assert [label for label, _id, _cells in response.context["data"].heatmap] == [
        group.community.name
    ]


def test_a_community_of_the_programme_drills_down(as_user, coordinator, programme):
    first, _second = grow(programme, groups=2, months=3)
    response = as_user(coordinator).get(dashboard_url(programme, f"community={first.community_id}"))
    assert response.context["community"] == first.community
    assert f"{first.community.full_name}</h1>" in response.content.decode()
    assert value(response, "groups_established") == 1


# --- who may open it ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("coordinator", 200), ("donor", 200), ("leader", 403), ("other_coordinator", 404)],
)
def test_dashboard_is_for_the_programmes_coordinators_and_donors(
    request, as_user, programme, role, status
):
    client = as_user(request.getfixturevalue(role))
    assert client.get(dashboard_url(programme)).status_code == status
    map_url = reverse("dashboards:map_data", args=[programme.pk])
    assert client.get(map_url).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, programme):
    for name in ("dashboard", "targets", "map_data"):
        url = reverse(f"dashboards:{name}", args=[programme.pk])
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("role", "status"),
    [("coordinator", 200), ("donor", 403), ("leader", 403), ("other_coordinator", 404)],
)
def test_targets_page_is_for_the_programmes_coordinators(request, as_user, programme, role, status):
    client = as_user(request.getfixturevalue(role))
    url = reverse("dashboards:targets", args=[programme.pk])
    assert client.get(url).status_code == status
    response = client.post(url, {"meetings_held": "10"})
    assert response.status_code == (302 if status == 200 else status)
    assert IndicatorTarget.objects.exists() == (status == 200)


def test_only_coordinators_are_offered_the_targets_link(as_user, coordinator, donor, programme):
    targets_url = reverse("dashboards:targets", args=[programme.pk])
    assert targets_url in as_user(coordinator).get(dashboard_url(programme)).content.decode()
    assert targets_url not in as_user(donor).get(dashboard_url(programme)).content.decode()


# --- targets --------------------------------------------------------------------------------


def test_saved_targets_show_actual_over_target_with_a_progress_bar(as_user, coordinator, programme):
    """One group active for 24 months held 16 meetings (every third month missed): 16 of 24
    expected, 67 %."""
    grow(programme, groups=1, months=24)
    client = as_user(coordinator)
    response = client.post(
        reverse("dashboards:targets", args=[programme.pk]),
        {"meetings_held": "40", "compliance_rate": "90", "groups_established": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == dashboard_url(programme)
    assert dict(IndicatorTarget.objects.values_list("indicator", "target")) == {
        "meetings_held": Decimal("40.0"),
        "compliance_rate": Decimal("90.0"),
        "groups_established": Decimal("1.0"),
    }

    page = client.get(dashboard_url(programme))

    held = indicator_html(page, "meetings_held")
    assert ">16 <span" in held and "/ 40</span>" in held
    assert 'value="40"' in held  # 16 of 40
    rate = indicator_html(page, "compliance_rate")
    assert "67%" in rate and "/ 90%" in rate
    assert 'value="74"' in rate  # 67 of 90
    groups = indicator_html(page, "groups_established")
    assert 'value="100"' in groups  # 1 of 1
    assert "<progress" not in indicator_html(page, "participants")  # no target, no bar


@pytest.mark.parametrize(
    "wrong",
    [
        {"meetings_held": "0"},
        {"meetings_held": "-5"},
        {"women_share": "150"},
        {"compliance_rate": "100.5"},
        {"participants": "abc"},
    ],
    ids=["zero", "negative", "share-over-100", "rate-over-100", "not-a-number"],
)
def test_targets_refuse_zero_negatives_and_shares_over_100_and_store_nothing(
    as_user, coordinator, programme, wrong
):
    IndicatorTarget.objects.create(programme=programme, indicator="trainings", target=3)
    client = as_user(coordinator)
    response = client.post(
        reverse("dashboards:targets", args=[programme.pk]),
        {"trainings": "6", "groups_established": "10", **wrong},
    )
    assert response.status_code == 200
    [field] = wrong
    errors = response.context["form"].errors
    assert list(errors) == [field]
    page = response.content.decode()
    for message in errors[field]:
        assert html.escape(message) in page
    assert list(IndicatorTarget.objects.values_list("indicator", "target")) == [
        ("trainings", Decimal("3.0"))
    ]


# --- labels -------------------------------------------------------------------------------


def test_heatmap_cells_and_legend_show_labels_in_the_readers_language_never_codes(
    as_user, coordinator, programme
):
    from django.utils import translation

    from meetings.selectors import LABELS

    grow(programme, groups=2, months=3)
    page = as_user(coordinator).get(dashboard_url(programme)).content.decode()
    cells = re.findall(
        r'<td class="cell-(\w+)" title="([^"]*)"><span class="visually-hidden">([^<]*)</span>',
        page,
    )
    with translation.override("uk"):
        labels = {state: str(label) for state, label in LABELS.items()}
    assert {state for state, _title, _hidden in cells} >= {"held", "missed"}
    for state, title, hidden in cells:
        assert html.unescape(title) == html.unescape(hidden) == labels[state]
    legend = re.search(r'<span class="legend cell-held"></span>.*?</p>', page).group(0)
    assert "not_expected" not in re.sub(r'class="[^"]*"', "", legend)
    for state in ("held", "missed", "planned", "not_expected"):
        assert labels[state] in html.unescape(legend)


def test_the_community_picker_is_kept_with_the_figures_and_renamed_with_them(
    as_user, coordinator, programme, computed
):
    [group, other] = grow(programme, groups=2, months=1)
    client = as_user(coordinator)
    url = dashboard_url(programme)
    chosen = dashboard_url(programme, f"community={other.community_id}")
    client.get(url)
    client.get(chosen)
    with CaptureQueriesContext(connection) as warm:
        page = client.get(chosen).content.decode()
    assert f'<option value="{other.community_id}" selected>' in page
    assert f'<option value="{group.community_id}">' in page
    # Kept with the figures: the warm page does not ask for the communities again.
    assert not any("DISTINCT" in query["sql"] for query in warm.captured_queries)

    type(group.community).objects.filter(pk=group.community_id).update(name_uk="Перейменована")
    assert ">Перейменована</option>" in client.get(url).content.decode()


def test_the_background_warmer_renders_a_changed_programmes_page_before_anyone_asks(
    as_user, coordinator, donor, programme, team, computed
):
    from dashboards.tasks import warm_dashboards

    # The programme runs today (the warmer leaves completed programmes alone).
    programme.end_date = clock.today() + datetime.timedelta(days=90)
    programme.save(update_fields=["end_date"])
    # Both viewer kinds in both languages.
    assert warm_dashboards() == 4
    assert warm_dashboards() == 0  # nothing changed: nothing rendered again
    assert len(computed) == 2  # the figures once per language

    team.group.name_en = "Renamed"  # any change to the records the figures come from
    team.group.save(update_fields=["name_en"])
    assert warm_dashboards() == 4
    assert len(computed) == 4

    for user in (coordinator, donor):
        response = as_user(user).get(dashboard_url(programme))
        assert "dashboards/_dashboard_body.html" not in [t.name for t in response.templates]
    assert len(computed) == 4


def test_the_map_comes_from_its_own_address_named_by_the_pages_version(
    as_user, donor, programme, computed
):
    import json

    [_group, other] = grow(programme, groups=2, months=1)
    type(other.community).objects.filter(pk=other.community_id).update(
        latitude=Decimal("50.45"), longitude=Decimal("30.52")
    )
    client = as_user(donor)
    page = client.get(dashboard_url(programme, f"community={other.community_id}")).text
    source = html.unescape(re.search(r'data-source="([^"]+)"', page).group(1))
    from dashboards.versioning import versions

    assert source.endswith(f"v={versions(programme.pk)}")
    # The page itself carries no community list for the map.
    assert '"map"' not in page

    with CaptureQueriesContext(connection) as fetched:
        response = client.get(source)
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]  # like every signed-in response
    places = json.loads(response.content)
    assert [row[0] for row in places["places"]] == [other.community.name]
    # The programme (2023-2024) is completed: its groups show so, with the label in words.
    assert [row[1:] for row in places["places"]] == [
        [50.45, 30.52, "completed", other.community_id]
    ]
    assert set(places["labels"]) == {"completed"}
    assert places["labels"]["completed"] != "completed"
    # The figures were computed once, for the page; the map read them from the cache.
    assert len(computed) == 1
    assert len(fetched.captured_queries) <= WARM_QUERY_BOUND
