"""The demo data: the programmes of the source texts, completed as history tells, and a demo
programme that lives in the present, whatever day `seed_demo` runs on."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role, RoleAssignment, User
from cohesion import clock
from communities.models import Programme
from demo.seed import seed_demo
from meetings.models import Meeting, Reminder
from safetyplans.models import PlanVersion
from workinggroups.models import GroupStatusChange, Person, WorkingGroup

pytestmark = pytest.mark.django_db

KYIV = ZoneInfo("Europe/Kyiv")
S = WorkingGroup.Status


def programmes():
    return {
        "zhytomyr": Programme.objects.get(title_en__contains="Zhytomyr"),
        "pryazovia": Programme.objects.get(title_en__contains="Pryazovia"),
        "kherson": Programme.objects.get(title_en__startswith="Kherson Region"),
        "running": Programme.objects.get(title_en__startswith="Demo programme"),
    }


def outcomes(programme):
    """(community, status, date and reason of the last change) of each group."""
    rows = []
    for group in programme.working_groups.select_related("community").order_by(
        "community__name_uk"
    ):
        last = group.status_changes.order_by("-changed_on", "-recorded_at").first()
        rows.append((group.community.name_uk, group.status, last.changed_on, last.reason))
    return rows


def test_seed_demo_creates_four_programmes_and_is_idempotent(codifier, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = (Person.objects.count(), Meeting.objects.count(), GroupStatusChange.objects.count())
    call_command("seed_demo")
    # The two programmes of the source texts, the 2021 Pryazovia network, and the running demo
    # programme: the second phase of three Kherson groups.
    assert Programme.objects.count() == 4
    assert WorkingGroup.objects.count() == 7 + 3 + 6 + 3
    assert (
        Person.objects.count(),
        Meeting.objects.count(),
        GroupStatusChange.objects.count(),
    ) == counts
    found = programmes()
    assert sorted(found["zhytomyr"].communities.values_list("name_uk", flat=True)) == sorted(
        [
            "Баранівська",
            "Високівська",
            "Житомирська",
            "Новоборівська",
            "Звягельська",
            "Семенівська",
            "Червоненська",
        ]
    )
    assert found["kherson"].communities.count() == 6
    assert set(found["kherson"].communities.values_list("region__code", flat=True)) == {
        "UA65000000000030969"
    }
    assert found["zhytomyr"].implementing_partner.name_en == 'NGO "Modern Format"'
    assert list(found["zhytomyr"].donors.values_list("name_en", flat=True)) == [
        "Kingdom of the Netherlands"
    ]
    assert list(found["kherson"].donors.values_list("name_en", flat=True)) == [
        "Government of Denmark"
    ]
    coordinator = User.objects.get(email="coordinator@cohesion.example")
    assert RoleAssignment.objects.filter(user=coordinator, role=Role.COORDINATOR).count() == 4
    assert User.objects.filter(email__endswith="@cohesion.example").count() == 4
    assert "coordinator@cohesion.example" in first and "cohesion-demo" in first


def test_historical_programmes_are_completed_with_their_groups_outcomes(codifier, settings):
    settings.DEBUG = True
    seed_demo()
    found = programmes()
    today = clock.today()
    for key in ("zhytomyr", "pryazovia", "kherson"):
        assert found[key].completed_by(today), key
    assert found["running"].running_on(today)

    ended = GroupStatusChange.Reason.PROGRAMME_ENDED
    zhytomyr = outcomes(found["zhytomyr"])
    assert {(status, day, reason) for _name, status, day, reason in zhytomyr} == {
        (S.INDEPENDENT, datetime.date(2021, 5, 1), ended),
        (S.CEASED, datetime.date(2021, 5, 1), ended),
    }
    assert [name for name, status, *_ in zhytomyr if status == S.CEASED] == [
        "Семенівська",
        "Червоненська",
    ]
    # The 2021 network ceased under occupation in the second half of 2022, before its end.
    assert {row[1:] for row in outcomes(found["pryazovia"])} == {
        (S.CEASED, datetime.date(2022, 7, 20), GroupStatusChange.Reason.OCCUPATION)
    }
    # The Kherson groups are consultative bodies of their military administrations: they
    # carry on after the funding.
    assert {row[1:] for row in outcomes(found["kherson"])} == {
        (S.INDEPENDENT, datetime.date(2025, 1, 1), ended)
    }
    for group in WorkingGroup.objects.exclude(programme=found["running"]):
        assert 12 <= group.memberships.count() <= 25, group


def test_the_demo_leader_keeps_the_continuing_group_and_leads_its_second_phase(
    codifier, settings, client
):
    settings.DEBUG = True
    seed_demo()
    leader = User.objects.get(email="leader@cohesion.example")
    groups = WorkingGroup.objects.filter(
        pk__in=RoleAssignment.objects.filter(user=leader, role=Role.LEADER).values("working_group")
    )
    assert sorted((g.programme.title_en[:14], g.status) for g in groups) == [
        ("Demo programme", S.ACTIVE),
        ("Kherson Region", S.INDEPENDENT),
    ]
    client.force_login(leader)
    for group in groups:
        assert client.get(reverse("workinggroups:detail", args=[group.pk])).status_code == 200
        assert client.get(reverse("meetings:group_meetings", args=[group.pk])).status_code == 200
    running = groups.get(status=S.ACTIVE)
    continuing = groups.get(status=S.INDEPENDENT)
    # The same people in both, the leader among them.
    assert set(running.memberships.values_list("person", flat=True)) == set(
        continuing.memberships.current().values_list("person", flat=True)
    )


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2027, 2, 15, 10, tzinfo=KYIV),
        datetime.datetime(2029, 8, 31, 23, 30, tzinfo=KYIV),
        datetime.datetime(2032, 1, 1, 0, 5, tzinfo=KYIV),
    ],
    ids=["2027", "2029", "2032"],
)
def test_seeded_on_any_date_the_demo_lives_in_the_present(codifier, settings, client, moment):
    settings.DEBUG = True
    with time_machine.travel(moment, tick=False):
        seed_demo()
        now, today = clock.now(), clock.today()
        found = programmes()
        # No running programme lies in the past; the historical ones are completed.
        for programme in Programme.objects.all():
            assert programme.start_date <= today, programme
            if not programme.completed_by(today):
                assert programme == found["running"]
        assert found["running"].running_on(today)
        assert found["running"].start_date <= today - datetime.timedelta(days=300)
        assert found["running"].end_date >= today + datetime.timedelta(days=300)

        # The leader has a meeting to log, and the next one planned with its agenda unsent.
        group = found["running"].working_groups.get(community__name_uk="Чорнобаївська")
        meetings = list(group.meetings.all())
        to_log = [m for m in meetings if m.needs_record]
        ahead = [m for m in meetings if m.status == Meeting.Status.PLANNED and m.starts_at > now]
        assert len(to_log) == 1 and len(ahead) == 1
        assert now - datetime.timedelta(days=21) <= to_log[0].starts_at
        assert ahead[0].starts_at <= now + datetime.timedelta(days=45)
        assert ahead[0].agenda_sent_at is None
        assert all(m.starts_at <= now for m in meetings if m.status == Meeting.Status.HELD)
        # ...and an action overdue for months, which the page lists as stale.
        leader = User.objects.get(email="leader@cohesion.example")
        client.force_login(leader)
        page = client.get(reverse("meetings:group_meetings", args=[group.pk]))
        assert page.context["unlogged"] == to_log
        assert page.context["next_meeting"] == ahead[0]
        assert len(page.context["stale_actions"]) == 1
        assert reverse("meetings:log", args=[to_log[0].pk]) in page.text

        # The running programme's plans in every state, dated from its start to today.
        versions = PlanVersion.objects.filter(plan__group__programme=found["running"])
        assert sorted(versions.values_list("status", flat=True)) == [
            PlanVersion.Status.APPROVED,
            PlanVersion.Status.DRAFT,
            PlanVersion.Status.IN_REVIEW,
        ]
        approved = versions.get(status=PlanVersion.Status.APPROVED)
        assert found["running"].start_date <= approved.decision_date <= today
        # Reminders sent to the leader about the meeting to log, before today.
        sent = Reminder.objects.filter(meeting=to_log[0], status=Reminder.Status.SENT)
        assert sent.count() == 2
        assert all(r.sent_at <= now for r in sent)
