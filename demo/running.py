"""The running demo programme, laid out from the day the demo is seeded: the Kherson groups'
second phase in three frontline communities, on the public site beside the historical
programmes, with a leader who has a meeting to log and one planned."""

import datetime

from django.utils import timezone

from accounts.models import Role
from cohesion import clock
from communities.models import Community, Programme
from demo.data import ADMINISTRATION_WORD, CHORNOBAIVKA, KHERSON_COMMUNITIES, RUNNING_COMMUNITIES
from demo.groups import active_group
from demo.meetings import seed_group_meetings
from demo.plans import seed_running_plan
from demo.programmes import assign, enrol, ensure_programme, set_iati_identifiers, set_targets
from meetings.models import ActionItem, Meeting, Reminder
from meetings.reminders import recipient
from meetings.services import meeting_schedule, propose_next
from workinggroups.models import WorkingGroup
from workinggroups.services import membership_add


def running_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """From the first of the month a year ago to the day before the same first two years on:
    a year of history and a year ahead on whatever day the demo is seeded."""
    start = datetime.date(today.year - 1, today.month, 1)
    return start, datetime.date(start.year + 2, start.month, 1) - datetime.timedelta(days=1)


def seed_public_site(zhytomyr, kherson, pryazovia, organisations, categories, coordinator) -> None:
    """The programmes on the public site (Zhytomyr publishes its approved plans), and the
    running demo programme, which takes "Become a participant" applications."""
    Programme.objects.filter(pk__in=[zhytomyr.pk, kherson.pk, pryazovia.pk]).update(is_public=True)
    Programme.objects.filter(pk=zhytomyr.pk).update(publishes_plans=True)
    start, end = running_period(clock.today())
    running = ensure_programme(
        title_uk="Демонстраційна програма: друга фаза в трьох громадах",
        title_en="Demo programme: a second phase in three communities",
        summary_uk="Демонстраційна програма, щоб спробувати Cohesion: робочі групи з громадської "
        "безпеки та відновлення продовжують роботу в трьох прифронтових громадах Херсонщини. "
        "Її дати відлічуються від дня, коли створено демонстраційні дані.",
        summary_en="A demo programme to try Cohesion in: the working groups on public safety and "
        "restoration continue in three frontline communities of Kherson region. Its dates count "
        "from the day the demo data was created.",
        partner=organisations["union"],
        start=start,
        end=end,
        donors=[organisations["denmark"]],
        partners=[organisations["undp"]],
        required=[
            categories[code]
            for code in ("military_administration", "police", "ses", "cso", "volunteers")
        ],
    )
    Programme.objects.filter(pk=running.pk).update(is_public=True)
    set_iati_identifiers(
        organisations,
        {
            "ZHYTOMYR-2020": zhytomyr,
            "KHERSON-2023": kherson,
            "PRYAZOVIA-2021": pryazovia,
            "KHERSON-PHASE2": running,
        },
    )
    enrol(
        running, [c for c in KHERSON_COMMUNITIES if c[0] in RUNNING_COMMUNITIES],
        ADMINISTRATION_WORD,
    )  # fmt: skip
    assign(coordinator, Role.COORDINATOR, running)
    set_targets(running)
    for index, code in enumerate(RUNNING_COMMUNITIES):
        group = _second_phase_group(running, kherson, code, coordinator)
        if code == CHORNOBAIVKA:
            _leader_current_meetings(group, coordinator)
        else:
            seed_group_meetings(
                group, first=running.start_date, last=running.end_date, by=coordinator,
                air_raids=True,
            )  # fmt: skip
        seed_running_plan(group, coordinator, index)


def _second_phase_group(running, kherson, code, coordinator) -> WorkingGroup:
    """The running programme's group in a community: the same people as the community's
    Kherson group, which carries on beside it, with the same leader."""
    community = Community.objects.get(katotth_code=code)
    group = WorkingGroup.objects.filter(programme=running, community=community).first()
    if group is not None:
        return group
    group = active_group(
        running,
        community,
        name_uk=f"Робоча група з питань громадської безпеки та відновлення "
        f"({community.name_uk} громада), друга фаза",
        name_en=f"Working Group on Public Safety and Restoration ({community.name_en} hromada), "
        "second phase",
        established=running.start_date,
        active_from=running.start_date,
        by=coordinator,
    )
    earlier = WorkingGroup.objects.filter(programme=kherson, community=community).first()
    members = (
        earlier.memberships.current().select_related("person__user", "category", "organisation")
        if earlier
        else []
    )
    for membership in members:
        membership_add(
            group=group,
            person=membership.person,
            category=membership.category,
            organisation=membership.organisation,
            role=membership.role,
            joined_on=running.start_date,
            by=coordinator,
        )
    return group


def _leader_current_meetings(group, coordinator) -> None:
    """The demo leader's working page has something to do on whatever day the demo is
    seeded: monthly meetings held until five weeks ago, one two or three weeks ago still to be
    logged (they were reminded the next day), the next one planned with its agenda not yet
    sent, an action overdue and one stale (overdue for months)."""
    now = clock.now()
    if group.meetings.exists():
        return  # seeded before: the leader's work from then is still there to do
    seed_group_meetings(
        group, first=group.programme.start_date, last=group.programme.end_date,
        by=coordinator, air_raids=True, until=now - datetime.timedelta(days=35),
    )  # fmt: skip
    place = f"Зала засідань, {group.community.name_uk} громада"
    # The Tuesday two to three weeks ago, at 15:00, as the group's other meetings.
    fortnight_ago = clock.day_of(now) - datetime.timedelta(days=14)
    tuesday = fortnight_ago - datetime.timedelta(days=(fortnight_ago.weekday() - 1) % 7)
    to_log = Meeting.objects.create(
        group=group,
        starts_at=timezone.make_aware(datetime.datetime.combine(tuesday, datetime.time(15))),
        place=place,
        created_by=coordinator,
    )
    meeting_schedule(
        group=group,
        starts_at=propose_next(group),
        place=place,
        agenda=["Стан укриттів у громаді", "Пропозиції до плану громадської безпеки"],
        by=coordinator,
    )
    # Of the open actions, the one due longest ago waited for months: it is stale.
    oldest = group.action_items.open().order_by("due_on").first()
    if oldest is not None:
        ActionItem.objects.filter(pk=oldest.pk).update(
            due_on=clock.day_of(now) - datetime.timedelta(days=120)
        )
    leader = group.memberships.current().filter(role="leader").select_related("person__user")
    for membership in leader:
        email, language = recipient(membership.person)
        if not email:
            continue
        for kind, sent in (
            (Reminder.Kind.ANNOUNCEMENT, to_log.starts_at - datetime.timedelta(days=3)),
            (Reminder.Kind.RECORD_MISSING, to_log.starts_at + datetime.timedelta(hours=18)),
        ):
            Reminder.objects.get_or_create(
                kind=kind,
                subject_key=f"meeting:{to_log.pk}",
                email=email,
                defaults={
                    "group": group,
                    "meeting": to_log,
                    "person": membership.person,
                    "language": language,
                    "status": Reminder.Status.SENT,
                    "created_at": sent,
                    "sent_at": sent,
                    "attempts": 1,
                },
            )
