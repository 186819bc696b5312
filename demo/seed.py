"""Demo data from the two source texts: the Zhytomyr and Kherson programmes, their partners,
donors and communities, and one account per role. Idempotent: running it again changes nothing.

The three historical programmes (Zhytomyr 2020-21, Pryazovia 2021-22, Kherson 2023-24) are
completed, with what became of their groups. A fourth, clearly labelled demo programme is laid
out relative to the day the demo is seeded: it started a year ago and runs another year, so a
first look on any date shows a leader with a meeting to log and one planned, plans in every
state, and overdue and stale actions."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from cohesion import clock
from communities.katotth import load_codifier
from communities.models import (
    Community,
    Enrolment,
    Organisation,
    Programme,
    StakeholderCategory,
)
from communities.reference import ensure_stakeholder_categories
from dashboards.models import IndicatorTarget
from demo.engagement import seed_engagement
from demo.meetings import seed_group_meetings
from demo.people import demo_members
from demo.plans import seed_kherson_plan, seed_running_plan, seed_zhytomyr_plan
from meetings.models import ActionItem, Meeting, Reminder
from meetings.reminders import recipient
from meetings.services import meeting_schedule, propose_next
from workinggroups.models import CompositionTarget, GroupStatusChange, WorkingGroup
from workinggroups.services import (
    groups_awaiting_outcome,
    membership_add,
    membership_end,
    person_create,
    person_link_user,
    programme_complete,
    working_group_change_status,
    working_group_create,
)

DEMO_PASSWORD = "cohesion-demo"
FRAMEWORK = (
    "UN Recovery and Peacebuilding Programme / Програма ООН із відновлення та розбудови миру"
)


# (KATOTTH code, status, note) for the communities each text names. Novohrad-Volynska was
# renamed Zviahelska in 2022; the codifier carries the new name.
ZHYTOMYR_COMMUNITIES = [
    ("UA18080010000090720", "accessible", ""),  # Baranivka
    ("UA18040070000059677", "accessible", ""),  # Vysokivska
    ("UA18040190000029215", "accessible", ""),  # Zhytomyr
    ("UA18040330000027310", "accessible", ""),  # Novoborivska
    ("UA18080150000022496", "accessible", "До 2022 року — Новоград-Волинська"),  # Zviahelska
    ("UA18020150000084693", "accessible", ""),  # Semenivska
    ("UA18020170000036711", "accessible", ""),  # Chervonenska
]
CHORNOBAIVKA = "UA65100170000014054"
# The 2021 network in the Pryazovia communities whose work ceased under occupation in 2022.
PRYAZOVIA_COMMUNITIES = [
    ("UA65040010000061104", "occupied", ""),  # Henichesk
    ("UA65040030000056170", "occupied", ""),  # Ivanivka
    ("UA65040070000086673", "occupied", ""),  # Novotroitske
]
# Approximate centres of the demo communities, for the dashboard's map.
COORDINATES = {
    "UA18080010000090720": (50.3005, 27.6647),  # Baranivka
    "UA18040070000059677": (50.3566, 28.4870),  # Vysoka Pich
    "UA18040190000029215": (50.2547, 28.6587),  # Zhytomyr
    "UA18040330000027310": (50.6905, 28.6418),  # Nova Borova
    "UA18080150000022496": (50.5886, 27.6166),  # Zviahel
    "UA18020150000084693": (49.9760, 28.9560),  # Semenivka
    "UA18020170000036711": (50.0650, 29.0000),  # Chervone
    "UA65020150000047137": (47.4936, 33.9151),  # Novovorontsovka
    "UA65020070000029027": (47.4846, 33.5293),  # Vysokopillia
    "UA65020110000081240": (47.3700, 33.6600),  # Kochubeivka
    "UA65100170000014054": (46.6969, 32.5491),  # Chornobaivka
    "UA65100010000048953": (46.6331, 32.4304),  # Bilozerka
    "UA65100130000084882": (46.5700, 32.1400),  # Stanislav
    "UA65040010000061104": (46.1690, 34.8020),  # Henichesk
    "UA65040030000056170": (46.9700, 34.5500),  # Ivanivka
    "UA65040070000086673": (46.3530, 34.3330),  # Novotroitske
}
# Programme targets for the dashboards (over each programme's whole period).
PROGRAMME_TARGETS = {
    "groups_established": 7, "groups_active": 7, "meetings_held": 100, "compliance_rate": 90,
    "participants": 150, "women_share": 50, "youth_share": 25, "plans_approved": 7,
    "plan_actions_done": 30, "trainings": 3, "exchange_visits": 2, "event_participants": 60,
    "youth_leaders_supported": 7, "veteran_orgs_engaged": 4, "needs_assessments": 3,
}  # fmt: skip
DEMO_TARGETS = {"women_share": 40, "youth_share": 20, "veterans": 1, "idps": 1}
CONSENT_PURPOSE = (
    "Участь у робочій групі; знеособлена звітність перед донором / Taking part in the working "
    "group; anonymised reporting to the donor"
)
TERMS_OF_REFERENCE = (
    "Робоча група є відкритим діалоговим майданчиком і консультативно-дорадчим органом при "
    "органі місцевого самоврядування. Вона об'єднує представників влади, поліції, ДСНС, "
    "громадських організацій, вразливих груп, ветеранів і молоді для спільного розв'язання "
    "питань соціальної згуртованості та громадської безпеки. Засідання проводяться щомісяця."
)
KHERSON_COMMUNITIES = [
    ("UA65020150000047137", "deoccupied", ""),  # Novovorontsovka
    ("UA65020070000029027", "deoccupied", ""),  # Vysokopillia
    ("UA65020110000081240", "deoccupied", ""),  # Kochubeivka
    ("UA65100170000014054", "frontline", ""),  # Chornobaivka
    ("UA65100010000048953", "frontline", ""),  # Bilozerka
    ("UA65100130000084882", "frontline", ""),  # Stanislav
]

ORGANISATIONS = {
    "modern_format": ("ГО «Сучасний формат»", 'NGO "Modern Format"', "implementing_partner"),
    "union": ("Фонд «Єднання»", '"Union" Foundation', "implementing_partner"),
    "netherlands": ("Королівство Нідерландів", "Kingdom of the Netherlands", "donor"),
    "denmark": ("Уряд Данії", "Government of Denmark", "donor"),
    "undp": (
        "Програма розвитку ООН (ПРООН)",
        "United Nations Development Programme (UNDP)",
        "un_agency",
    ),
    "un_women": ("Структура ООН Жінки", "UN Women", "un_agency"),
    "unfpa": (
        "Фонд ООН у галузі народонаселення (UNFPA)",
        "United Nations Population Fund (UNFPA)",
        "un_agency",
    ),
    "fao": (
        "Продовольча та сільськогосподарська організація ООН (ФАО)",
        "Food and Agriculture Organization of the United Nations (FAO)",
        "un_agency",
    ),
    "eu": ("Європейський Союз", "European Union", "donor"),
    "eib": ("Європейський інвестиційний банк", "European Investment Bank", "donor"),
    "us_embassy": ("Посольство США в Україні", "US Embassy in Ukraine", "donor"),
    "canada": ("Уряд Канади", "Government of Canada", "donor"),
    "germany": ("Уряд Німеччини", "Government of Germany", "donor"),
    "poland": ("Уряд Польщі", "Government of Poland", "donor"),
    "switzerland": ("Уряд Швейцарії", "Government of Switzerland", "donor"),
    "sweden": ("Уряд Швеції", "Government of Sweden", "donor"),
    "japan": ("Уряд Японії", "Government of Japan", "donor"),
    "police_zt": (
        "ГУНП в Житомирській області",
        "Main Police Department in Zhytomyr Oblast",
        "police",
    ),
    "ses_zt": (
        "ГУ ДСНС у Житомирській області",
        "State Emergency Service Department in Zhytomyr Oblast",
        "ses",
    ),
    "police_ks": (
        "ГУНП в Херсонській області",
        "Main Police Department in Kherson Oblast",
        "police",
    ),
    "ses_ks": (
        "ГУ ДСНС у Херсонській області",
        "State Emergency Service Department in Kherson Oblast",
        "ses",
    ),
}

COUNCIL_WORD = {
    Community.Kind.URBAN: ("міська рада", "city council"),
    Community.Kind.SETTLEMENT: ("селищна рада", "settlement council"),
    Community.Kind.RURAL: ("сільська рада", "village council"),
}
ADMINISTRATION_WORD = {
    Community.Kind.URBAN: ("міська військова адміністрація", "city military administration"),
    Community.Kind.SETTLEMENT: (
        "селищна військова адміністрація",
        "settlement military administration",
    ),
    Community.Kind.RURAL: ("сільська військова адміністрація", "village military administration"),
}


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    role: str  # "administrator" or a Role value


DEMO_ACCOUNTS = [
    DemoAccount("admin@cohesion.example", "Олена Адміністраторка", "administrator"),
    DemoAccount("coordinator@cohesion.example", "Ірина Коваленко", Role.COORDINATOR),
    DemoAccount("leader@cohesion.example", "Андрій Мельник", Role.LEADER),
    DemoAccount("donor@cohesion.example", "Pieter de Vries", Role.DONOR),
]


@transaction.atomic
def seed_demo() -> list[tuple[DemoAccount, str | None]]:
    """Creates (or finds) the demo data; returns each demo account with its password, which is
    known only when DEBUG is on."""
    codes = [code for code, _status, _note in ZHYTOMYR_COMMUNITIES + KHERSON_COMMUNITIES]
    if Community.objects.filter(katotth_code__in=codes).count() < len(codes):
        load_codifier()
    organisations = {
        key: _organisation(name_uk, name_en, kind)
        for key, (name_uk, name_en, kind) in ORGANISATIONS.items()
    }
    categories = ensure_stakeholder_categories()

    zhytomyr = _programme(
        title_uk="Підвищення рівня соціальної згуртованості та громадської безпеки в громадах "
        "Житомирської області",
        title_en="Increasing Local Social Cohesion and Public Safety in the Communities of "
        "Zhytomyr region",
        summary_uk="Мережа місцевих робочих груп із соціальної згуртованості та громадської "
        "безпеки в семи громадах Житомирської області: щомісячні зустрічі, молодіжні лідери, "
        "ветеранська спільнота, плани громадської безпеки, тренінги та обмінні візити.",
        summary_en="A network of local working groups on social cohesion and public safety in "
        "seven communities of Zhytomyr region: monthly meetings, youth leaders, the veteran "
        "community, public safety plans, trainings and exchange visits.",
        partner=organisations["modern_format"],
        # The text gives only the year the project started.
        start=datetime.date(2020, 1, 1),
        end=datetime.date(2021, 4, 30),
        donors=[organisations["netherlands"]],
        partners=[],
        required=[
            categories[code]
            for code in (
                "local_government",
                "police",
                "cso",
                "vulnerable_groups",
                "veterans",
                "youth",
            )
        ],
    )
    kherson = _programme(
        title_uk="Херсонщина: громадська безпека та відновлення в умовах змін",
        title_en="Kherson Region: Public Security and Recovery in the Conditions of Change",
        summary_uk="Робочі групи з громадської безпеки та відновлення в шести громадах "
        "Херсонської області: міжсекторальне партнерство військових адміністрацій, поліції, "
        "ДСНС, громадських і благодійних організацій та волонтерів.",
        summary_en="Working Groups on Public Safety and Restoration in six communities of Kherson "
        "region: cross-sector partnership of military administrations, the police, the State "
        "Emergency Service, public and charitable organisations and volunteers.",
        partner=organisations["union"],
        start=datetime.date(2023, 1, 1),
        end=datetime.date(2024, 12, 31),
        donors=[organisations["denmark"]],
        partners=[organisations["undp"]],
        required=[
            categories[code]
            for code in ("military_administration", "police", "ses", "cso", "charity", "volunteers")
        ],
    )
    _enrol(zhytomyr, ZHYTOMYR_COMMUNITIES, COUNCIL_WORD)
    _enrol(kherson, KHERSON_COMMUNITIES, ADMINISTRATION_WORD)
    pryazovia = _programme(
        title_uk="Мережа робочих груп у приазовських громадах Херсонщини",
        title_en="Network of working groups in the Pryazovia communities of Kherson region",
        summary_uk="Мережа робочих груп, що розвивалася у 2021 році в приазовських громадах "
        "Херсонської області. Через повномасштабну війну та окупацію діяльність груп "
        "припинилася у другій половині 2022 року.",
        summary_en="The network of working groups developed in 2021 in the Pryazovia communities "
        "of Kherson region. Because of the full-scale war and the occupation, the groups' work "
        "ceased in the second half of 2022.",
        partner=organisations["union"],
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2022, 12, 31),
        donors=[],
        partners=[organisations["undp"]],
        required=[
            categories[code]
            for code in ("local_government", "police", "ses", "cso", "youth", "veterans")
        ],
    )
    _enrol(pryazovia, PRYAZOVIA_COMMUNITIES, COUNCIL_WORD)

    accounts = []
    users = {}
    for account in DEMO_ACCOUNTS:
        user, password = _account(account)
        users[account.role] = user
        if account.role == Role.COORDINATOR:
            for programme in (zhytomyr, kherson, pryazovia):
                _assign(user, Role.COORDINATOR, programme)
        elif account.role == Role.DONOR:
            _assign(user, Role.DONOR, zhytomyr)
        accounts.append((account, password))

    coordinator = users[Role.COORDINATOR]
    for programme, communities, established in (
        (zhytomyr, ZHYTOMYR_COMMUNITIES, datetime.date(2020, 2, 10)),
        (kherson, KHERSON_COMMUNITIES, datetime.date(2023, 2, 15)),
        (pryazovia, PRYAZOVIA_COMMUNITIES, datetime.date(2021, 3, 1)),
    ):
        _set_targets(programme)
        for index, (code, _status, _note) in enumerate(communities):
            leader = users[Role.LEADER] if code == CHORNOBAIVKA else None
            group = _demo_group(
                programme,
                code,
                established + datetime.timedelta(days=7 * index),
                coordinator,
                leader,
            )
            _demo_meetings(
                programme,
                group,
                pryazovia=programme is pryazovia,
                zhytomyr=programme is zhytomyr,
                coordinator=coordinator,
            )
            if programme is zhytomyr:
                seed_zhytomyr_plan(group, coordinator, index)
            elif programme is kherson:
                seed_kherson_plan(group, coordinator, index)
            if programme is pryazovia and group.status != WorkingGroup.Status.CEASED:
                working_group_change_status(
                    group=group,
                    status=WorkingGroup.Status.CEASED,
                    changed_on=datetime.date(2022, 7, 20),
                    reason=GroupStatusChange.Reason.OCCUPATION,
                    note="Діяльність припинено через окупацію громади.",
                    by=coordinator,
                )
    seed_engagement(zhytomyr, kherson, coordinator)
    _complete(zhytomyr, kherson, pryazovia, coordinator)
    for code, (latitude, longitude) in COORDINATES.items():
        Community.objects.filter(katotth_code=code, latitude__isnull=True).update(
            latitude=latitude, longitude=longitude
        )
    for code, target in PROGRAMME_TARGETS.items():
        IndicatorTarget.objects.get_or_create(
            programme=zhytomyr, indicator=code, defaults={"target": target}
        )
    _public_site(zhytomyr, kherson, pryazovia, organisations, categories, coordinator)
    return accounts


# What became of the historical programmes' groups, as the source texts tell it: the Kherson
# groups are consultative bodies of their military administrations and carry on; in Zhytomyr
# most carried on with their councils and two wound up when the funding ended. The Pryazovia
# groups had ceased already, under occupation in 2022.
ZHYTOMYR_CLOSED = {"UA18020150000084693", "UA18020170000036711"}  # Semenivska, Chervonenska
CONTINUES_NOTE = {
    "zhytomyr": "Працює далі як консультативно-дорадчий орган при раді громади.",
    "kherson": "Працює далі як консультативно-дорадчий орган при військовій адміністрації.",
}
CLOSED_NOTE = "Після завершення фінансування група припинила роботу."


def _complete(zhytomyr, kherson, pryazovia, coordinator) -> None:
    """Records the outcome of each group of a historical programme that has ended."""
    today = clock.today()
    for programme, key in ((zhytomyr, "zhytomyr"), (kherson, "kherson"), (pryazovia, "")):
        if not programme.completed_by(today):
            continue  # seeded on a date before its end: it is still running
        outcomes = {}
        for group in groups_awaiting_outcome(programme).select_related("community"):
            if group.community.katotth_code in ZHYTOMYR_CLOSED:
                outcomes[group.pk] = (WorkingGroup.Outcome.CLOSED, CLOSED_NOTE)
            else:
                outcomes[group.pk] = (WorkingGroup.Outcome.CONTINUES, CONTINUES_NOTE.get(key, ""))
        if outcomes:
            programme_complete(programme=programme, outcomes=outcomes, by=coordinator)


# The running demo programme: the Kherson groups' second phase in three frontline communities.
RUNNING_COMMUNITIES = [CHORNOBAIVKA, "UA65100010000048953", "UA65100130000084882"]


def running_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """From the first of the month a year ago to the day before the same first two years on:
    a year of history and a year ahead on whatever day the demo is seeded."""
    start = datetime.date(today.year - 1, today.month, 1)
    return start, datetime.date(start.year + 2, start.month, 1) - datetime.timedelta(days=1)


def _public_site(zhytomyr, kherson, pryazovia, organisations, categories, coordinator) -> None:
    """The programmes on the public site (Zhytomyr publishes its approved plans), and the
    running demo programme, which takes "Become a participant" applications."""
    Programme.objects.filter(pk__in=[zhytomyr.pk, kherson.pk, pryazovia.pk]).update(is_public=True)
    Programme.objects.filter(pk=zhytomyr.pk).update(publishes_plans=True)
    start, end = running_period(clock.today())
    running = _programme(
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
    _enrol(
        running, [c for c in KHERSON_COMMUNITIES if c[0] in RUNNING_COMMUNITIES],
        ADMINISTRATION_WORD,
    )  # fmt: skip
    _assign(coordinator, Role.COORDINATOR, running)
    _set_targets(running)
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
    group = _active_group(
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


def _demo_meetings(programme, group, *, pryazovia, zhytomyr, coordinator) -> None:
    """6 to 18 months of meetings; the Kherson groups meet under air-raid alerts, and the
    Pryazovia groups stop when the occupation begins."""
    start = (group.established_on + datetime.timedelta(days=35)).replace(day=1)
    if pryazovia:
        last = datetime.date(2022, 2, 1)  # occupied from March 2022
    elif zhytomyr:
        last = programme.end_date
    else:
        last = programme.end_date
        start = max(start, datetime.date(2023, 7, 1))  # the last 18 months of the programme
    # Air-raid alerts belong to the full-scale war: the 2023-2024 Kherson meetings.
    seed_group_meetings(
        group, first=start, last=last, by=coordinator, air_raids=not (zhytomyr or pryazovia)
    )


def _set_targets(programme: Programme) -> None:
    for measure, threshold in DEMO_TARGETS.items():
        CompositionTarget.objects.get_or_create(
            programme=programme, measure=measure, defaults={"threshold": threshold}
        )


def _demo_group(programme, code, established, coordinator, leader_user) -> WorkingGroup:
    """A group with 12 to 25 members; left alone if it exists already."""
    community = Community.objects.get(katotth_code=code)
    group = WorkingGroup.objects.filter(programme=programme, community=community).first()
    if group is not None:
        return group
    group = _active_group(
        programme,
        community,
        name_uk=f"Робоча група з питань соціальної згуртованості та громадської безпеки "
        f"({community.name_uk} громада)",
        name_en=f"Working Group on Social Cohesion and Public Safety ({community.name_en} hromada)",
        established=established,
        active_from=established + datetime.timedelta(days=30),
        by=coordinator,
    )
    required = list(programme.required_categories.values_list("code", flat=True))
    count = 12 + sum(map(ord, code)) % 14
    categories = {c.code: c for c in StakeholderCategory.objects.all()}
    today = clock.today()
    for index, member in enumerate(demo_members(code, required, count, established)):
        if index == 0 and leader_user is not None:
            member.update(full_name=leader_user.full_name, sex="male", birth_year=1984)
        person = person_create(
            fields={
                "full_name": member["full_name"],
                "sex": member["sex"],
                "birth_year": member["birth_year"],
                "phone": member["phone"],
                "community": community,
                "is_veteran": member["is_veteran"],
                "is_idp": member["is_idp"],
                "has_disability": member["has_disability"],
                "consent_given_on": member["joined_on"],
                "consent_purpose": CONSENT_PURPOSE,
            },
            by=coordinator,
            allow_similar=True,
        )
        membership = membership_add(
            group=group,
            person=person,
            category=categories[member["category"]],
            organisation=_organisation_for(member["category"], community),
            role=member["role"],
            joined_on=member["joined_on"],
            by=coordinator,
        )
        if index == 0 and leader_user is not None:
            person_link_user(person=person, user=leader_user, by=coordinator)
        if member["leaves_after_days"]:
            left_on = member["joined_on"] + datetime.timedelta(days=member["leaves_after_days"])
            if left_on <= today:
                membership_end(
                    membership=membership, left_on=left_on, reason="Переїзд", by=coordinator
                )
    return group


def _active_group(programme, community, *, name_uk, name_en, established, active_from, by):
    """A group founded on `established` and active from `active_from`, through the services."""
    group = working_group_create(
        programme=programme,
        community=community,
        name_uk=name_uk,
        name_en=name_en,
        established_on=established,
        terms_of_reference=TERMS_OF_REFERENCE,
        by=by,
    )
    working_group_change_status(
        group=group,
        status=WorkingGroup.Status.ACTIVE,
        changed_on=active_from,
        reason=GroupStatusChange.Reason.LAUNCH,
        by=by,
    )
    return group


def _organisation_for(category: str, community: Community) -> Organisation | None:
    kinds = {
        "local_government": Organisation.Kind.LOCAL_GOVERNMENT,
        "military_administration": Organisation.Kind.MILITARY_ADMINISTRATION,
        "police": Organisation.Kind.POLICE,
        "ses": Organisation.Kind.SES,
    }
    if category not in kinds:
        return None
    local = Organisation.objects.filter(community=community, kind=kinds[category]).first()
    if local is not None:
        return local
    regional = "police" if category == "police" else "ses" if category == "ses" else None
    if regional is None:
        return Organisation.objects.filter(
            community=community,
            kind__in=[
                Organisation.Kind.LOCAL_GOVERNMENT,
                Organisation.Kind.MILITARY_ADMINISTRATION,
            ],
        ).first()
    suffix = "zt" if community.region.code == "UA18000000000041385" else "ks"
    name_uk = ORGANISATIONS[f"{regional}_{suffix}"][0]
    return Organisation.objects.filter(name_uk=name_uk).first()


def _organisation(name_uk, name_en, kind, community=None) -> Organisation:
    organisation, _created = Organisation.objects.get_or_create(
        name_uk=name_uk, kind=kind, defaults={"name_en": name_en, "community": community}
    )
    return organisation


def _programme(
    *, title_uk, title_en, summary_uk, summary_en, partner, start, end, donors, partners, required
) -> Programme:
    programme, created = Programme.objects.get_or_create(
        title_en=title_en,
        defaults={
            "title_uk": title_uk,
            "summary_uk": summary_uk,
            "summary_en": summary_en,
            "implementing_partner": partner,
            "start_date": start,
            "end_date": end,
            "framework": FRAMEWORK,
        },
    )
    if created:
        programme.donors.set(donors)
        programme.partners.set(partners)
        programme.required_categories.set(required)
    return programme


def _enrol(programme: Programme, communities, body_words) -> None:
    for code, status, note in communities:
        community = Community.objects.get(katotth_code=code)
        if not community.status_note and (community.status != status or note):
            community.status, community.status_note = status, note
            community.save(update_fields=["status", "status_note"])
        Enrolment.objects.get_or_create(
            programme=programme,
            community=community,
            withdrawn_on=None,
            defaults={"enrolled_on": programme.start_date},
        )
        word_uk, word_en = body_words.get(community.kind, body_words[Community.Kind.RURAL])
        kind = (
            Organisation.Kind.MILITARY_ADMINISTRATION
            if body_words is ADMINISTRATION_WORD
            else Organisation.Kind.LOCAL_GOVERNMENT
        )
        _organisation(
            f"{community.name_uk} {word_uk}", f"{community.name_en} {word_en}", kind, community
        )


def _account(account: DemoAccount) -> tuple[User, str | None]:
    user = User.objects.filter(email=account.email).first()
    password = DEMO_PASSWORD if settings.DEBUG else None
    if user is None:
        user = User(email=account.email, full_name=account.full_name)
        if account.role == "administrator":
            user.is_staff = user.is_superuser = True
        # Outside DEBUG the accounts get no usable password: set one with a reset link.
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    return user, password


def _assign(user: User, role: str, programme: Programme, working_group=None) -> None:
    RoleAssignment.objects.get_or_create(
        user=user, role=role, programme=programme, working_group=working_group
    )
