"""Seeds a PostgreSQL database at national scale over five years, in bulk:

    about 1,500 communities, 3,000 working groups (two programmes over the same communities),
    60,000 people, 150,000 meetings, 2,000,000 attendance rows, 30,000 safety-plan actions,
    plus events, youth leaders and the veteran sphere.

Usage: python bench/seed.py [--database-url URL]   (default: the cohesion_bench database)
The database is created if missing and emptied first. Attendance goes in with COPY; the rest
with bulk_create. Takes a few minutes on two cores."""

import argparse
import datetime
import os
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cohesion_bench"
COMMUNITIES = 1500
GROUPS_PER_PROGRAMME = 1500
MEMBERS_PER_GROUP = 20
MONTHS = 50  # monthly meetings over five years, from the groups' start
ATTENDING = 14  # of the 20 members, per meeting on average: about 2,000,000 rows
ACTIONS_PER_PLAN = 10
FIRST_DAY = datetime.date(2021, 1, 1)


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cohesion.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    import django

    django.setup()


def create_database(database_url: str) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def step(message: str, started: float) -> None:
    print(f"  {time.perf_counter() - started:6.1f} s  {message}", flush=True)


def month(offset: int) -> datetime.date:
    year, index = divmod(FIRST_DAY.month - 1 + offset, 12)
    return datetime.date(FIRST_DAY.year + year, index + 1, 1)


def seed() -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Role, RoleAssignment, User
    from cohesion import clock
    from communities.models import Community, Enrolment, Organisation, Programme
    from communities.reference import ensure_stakeholder_categories
    from engagement.models import Event, Participant, VeteranOrganisation, YouthLeader
    from meetings.models import Meeting
    from safetyplans.models import (
        Action,
        ActionTracking,
        ActionUpdate,
        PlanVersion,
        Priority,
        SafetyPlan,
    )
    from workinggroups.models import GroupStatusChange, Membership, Person, WorkingGroup

    rng = random.Random(2026)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    step("migrated", started)
    call_command("load_katotth", verbosity=0)
    communities = list(Community.objects.order_by("pk")[:COMMUNITIES])
    # Rough coordinates inside Ukraine, for the map.
    for community in communities:
        community.latitude = round(rng.uniform(45.5, 51.5), 5)
        community.longitude = round(rng.uniform(23.5, 39.5), 5)
    Community.objects.bulk_update(communities, ["latitude", "longitude"], batch_size=2000)
    step(f"{len(communities)} communities", started)

    categories = list(ensure_stakeholder_categories().values())
    partner = Organisation.objects.create(
        name_uk="Національний партнер", name_en="National partner", kind="implementing_partner"
    )
    programmes = []
    for n in (1, 2):
        programme = Programme.objects.create(
            title_uk=f"Національна мережа робочих груп {n}",
            title_en=f"National network of working groups {n}",
            implementing_partner=partner,
            start_date=FIRST_DAY,
            end_date=datetime.date(2025, 12, 31),
        )
        programme.required_categories.set(categories[:6])
        Enrolment.objects.bulk_create(
            Enrolment(programme=programme, community=c, enrolled_on=FIRST_DAY) for c in communities
        )
        programmes.append(programme)
    groups = WorkingGroup.objects.bulk_create(
        [
            WorkingGroup(
                programme=programme,
                community=community,
                name_uk=f"Робоча група {community.name_uk}",
                name_en=f"Working group {community.name_en}",
                established_on=FIRST_DAY + datetime.timedelta(days=rng.randint(0, 90)),
                status=rng.choices(["active", "suspended", "ceased"], [90, 6, 4])[0],
            )
            for programme in programmes
            for community in communities[:GROUPS_PER_PROGRAMME]
        ],
        batch_size=2000,
    )
    changes = []
    for group in groups:
        changes.append(
            GroupStatusChange(
                group=group, status="active", changed_on=group.established_on, reason="launch"
            )
        )
        if group.status != "active":
            changes.append(
                GroupStatusChange(
                    group=group,
                    status=group.status,
                    changed_on=month(rng.randint(20, 45)),
                    reason="security",
                )
            )
    GroupStatusChange.objects.bulk_create(changes, batch_size=5000)
    step(f"{len(programmes)} programmes, {len(groups)} groups", started)

    people = Person.objects.bulk_create(
        [
            Person(
                full_name=f"Учасник {n:05d} Тестовий",
                name_key=f"учасник {n:05d} тестовий",
                sex=rng.choices(["female", "male", "not_stated"], [52, 46, 2])[0],
                birth_year=rng.randint(1950, 2008) if rng.random() > 0.03 else None,
                phone=f"+38067{n:07d}",
                email=f"person{n}@bench.example",
                is_veteran=rng.random() < 0.08,
                is_idp=rng.random() < 0.1,
                has_disability=rng.random() < 0.05,
                created_at=clock.now(),
            )
            for n in range(len(groups) * MEMBERS_PER_GROUP)
        ],
        batch_size=5000,
    )
    step(f"{len(people)} people", started)
    memberships = Membership.objects.bulk_create(
        [
            Membership(
                person=people[g * MEMBERS_PER_GROUP + m],
                group=group,
                category=rng.choice(categories),
                role="leader" if m == 0 else "member",
                joined_on=group.established_on,
                left_on=month(rng.randint(12, 59)) if rng.random() < 0.15 and m else None,
            )
            for g, group in enumerate(groups)
            for m in range(MEMBERS_PER_GROUP)
        ],
        batch_size=5000,
    )
    step(f"{len(memberships)} memberships", started)

    kyiv = timezone.get_current_timezone()
    planned = []
    for group in groups:
        for i in range(MONTHS):
            held = rng.random() < 0.94
            planned.append(
                Meeting(
                    group=group,
                    starts_at=datetime.datetime.combine(
                        month(i) + datetime.timedelta(days=9), datetime.time(15), tzinfo=kyiv
                    ),
                    place="Зала засідань",
                    status="held" if held else "cancelled",
                    status_reason="" if held else "air_raid",
                    minutes="Обговорили безпеку громади." if held else "",
                    created_at=clock.now(),
                )
            )
    meetings = Meeting.objects.bulk_create(planned, batch_size=5000)
    step(f"{len(meetings)} meetings", started)

    by_group: dict[int, list[int]] = {}
    for membership in memberships:
        by_group.setdefault(membership.group_id, []).append(membership.pk)
    rows = 0
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        # Two million rows in one statement: the triggers that keep the monthly summary and
        # the figures' version are meant for a meeting's attendance at a time, so they are
        # off for the COPY (the rows are consistent by construction) and the summary is
        # rebuilt once after it, as `manage.py rebuild_summaries` does after a restore.
        cursor.execute("SET session_replication_role = replica")
        with cursor.copy(
            "COPY meetings_attendance (meeting_id, membership_id, status) FROM STDIN"
        ) as copy:
            for meeting in meetings:
                if meeting.status != "held":
                    continue
                members = by_group[meeting.group_id]
                attending = rng.randint(ATTENDING - 3, ATTENDING + 3)
                for membership_id in rng.sample(members, min(attending, len(members))):
                    copy.write_row((meeting.pk, membership_id, "present"))
                    rows += 1
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("UPDATE dashboards_figuresversion SET version = version + 1")
    step(f"{rows} attendance rows (COPY)", started)
    from meetings import summary

    summary.rebuild()
    step("monthly summary rebuilt", started)

    plans = SafetyPlan.objects.bulk_create(
        [
            SafetyPlan(
                group=group,
                period_start=datetime.date(2022, 1, 1),
                period_end=datetime.date(2025, 12, 31),
                status="approved",
                created_at=clock.now(),
            )
            for group in groups
        ],
        batch_size=2000,
    )
    versions = PlanVersion.objects.bulk_create(
        [
            PlanVersion(
                plan=plan,
                number=1,
                status="approved",
                context_summary="Контекст громади.",
                approving_body="Сесія ради",
                decision_number=f"{plan.pk}-VIII",
                decision_date=datetime.date(2022, 3, 1),
                created_at=clock.now(),
            )
            for plan in plans
        ],
        batch_size=2000,
    )
    for plan, version in zip(plans, versions, strict=True):
        plan.approved_version = version
    SafetyPlan.objects.bulk_update(plans, ["approved_version"], batch_size=2000)
    priorities = Priority.objects.bulk_create(
        [
            Priority(
                version=version,
                key=uuid.uuid4(),
                position=p,
                issue=f"Пріоритет {p}",
                category="street_lighting",
                likelihood=3,
                impact=4,
                evidence="survey",
            )
            for version in versions
            for p in range(2)
        ],
        batch_size=5000,
    )
    actions = Action.objects.bulk_create(
        [
            Action(
                version=versions[v],
                key=uuid.uuid4(),
                priority=priorities[2 * v + a % 2],
                position=a,
                activity=f"Захід {a}",
                responsible_other="Виконавчий комітет",
                starts_on=datetime.date(2022, 4, 1) + datetime.timedelta(days=60 * a),
                ends_on=datetime.date(2022, 6, 1) + datetime.timedelta(days=90 * a),
                budget_uah=rng.randint(0, 200) * 1000,
                funding_source="local_budget",
                indicator="Виконано",
            )
            for v in range(len(versions))
            for a in range(ACTIONS_PER_PLAN)
        ],
        batch_size=5000,
    )
    trackings = ActionTracking.objects.bulk_create(
        [
            ActionTracking(
                plan_id=versions[i // ACTIONS_PER_PLAN].plan_id,
                key=action.key,
                action=action,
                status=rng.choice(["not_started", "in_progress", "done", "delayed"]),
                progress=rng.randint(0, 100),
                updated_on=datetime.date(2023, 6, 1),
            )
            for i, action in enumerate(actions)
        ],
        batch_size=5000,
    )
    # The dated update each state comes from (the dashboard reads states as of a date).
    ActionUpdate.objects.bulk_create(
        [
            ActionUpdate(
                tracking=tracking,
                on=tracking.updated_on,
                status=tracking.status,
                progress=tracking.progress,
                recorded_at=clock.now(),
            )
            for tracking in trackings
            if tracking.status != "not_started"
        ],
        batch_size=5000,
    )
    step(f"{len(plans)} safety plans, {len(actions)} actions", started)

    events = []
    for n in range(600):
        day = month(rng.randint(0, 59)) + datetime.timedelta(days=rng.randint(0, 20))
        events.append(
            Event(
                programme=programmes[n % 2],
                kind=rng.choice(["training", "exchange_visit"]),
                title=f"Тренінг {n}",
                starts_on=day,
                ends_on=day + datetime.timedelta(days=rng.randint(0, 2)),
                status="held",
                host_community=rng.choice(communities),
            )
        )
    events = Event.objects.bulk_create(events, batch_size=1000)
    participants = []
    for event in events:
        for person in rng.sample(people, 30):
            participants.append(
                Participant(
                    event=event,
                    person=person,
                    community=event.host_community,
                    attendance=rng.choice(["present", "present", "absent"]),
                )
            )
    Participant.objects.bulk_create(participants, batch_size=5000)
    YouthLeader.objects.bulk_create(
        [
            YouthLeader(
                programme=group.programme,
                person=people[g * MEMBERS_PER_GROUP + 1],
                community=group.community,
                focus="Волонтерство",
                since=datetime.date(2022, 1, 1),
            )
            for g, group in enumerate(groups[::2])
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    organisation = Organisation.objects.create(
        name_uk="Спілка ветеранів", name_en="Veterans' union", kind="veteran_organisation"
    )
    VeteranOrganisation.objects.bulk_create(
        [
            VeteranOrganisation(
                programme=group.programme,
                community=group.community,
                organisation=organisation,
                kind="union",
                relationship=rng.choice(["identified", "contacted", "engaged", "partner"]),
            )
            for group in groups
        ],
        batch_size=2000,
    )
    step(f"{len(events)} events, {len(participants)} participants, youth and veterans", started)

    donor, _created = User.objects.get_or_create(
        email="bench-donor@bench.example", defaults={"full_name": "Bench donor"}
    )
    RoleAssignment.objects.get_or_create(user=donor, role=Role.DONOR, programme=programmes[0])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    step("analysed", started)
    return {"programme": programmes[0].pk, "donor": donor.pk}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    print(f"Seeding {args.database_url}")
    create_database(args.database_url)
    setup(args.database_url)
    result = seed()
    print(f"Done: programme {result['programme']}, donor user {result['donor']}")


if __name__ == "__main__":
    main()
