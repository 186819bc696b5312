"""Demo data from the two source texts: the Zhytomyr and Kherson programmes, their partners,
donors and communities, and one account per role. Idempotent: running it again changes nothing.

The three historical programmes (Zhytomyr 2020-21, Pryazovia 2021-22, Kherson 2023-24) are
completed, with what became of their groups. A fourth, clearly labelled demo programme is laid
out relative to the day the demo is seeded: it started a year ago and runs another year, so a
first look on any date shows a leader with a meeting to log and one planned, plans in every
state, and overdue and stale actions."""

import datetime
from decimal import Decimal

from django.db import transaction

from accounts.models import Role
from cohesion import clock
from communities.katotth import load_codifier
from communities.models import Community
from communities.reference import ensure_stakeholder_categories
from dashboards.iptt import reporting_periods
from dashboards.models import IndicatorTarget
from dashboards.services import targets_set
from demo.data import (
    ADMINISTRATION_WORD,
    CHORNOBAIVKA,
    CLOSED_NOTE,
    CONTINUES_NOTE,
    COORDINATES,
    COUNCIL_WORD,
    DEMO_ACCOUNTS,
    KHERSON_COMMUNITIES,
    ORGANISATIONS,
    PROGRAMME_BASELINES,
    PROGRAMME_TARGETS,
    PRYAZOVIA_COMMUNITIES,
    QUARTER_TARGETS,
    ZHYTOMYR_CLOSED,
    ZHYTOMYR_COMMUNITIES,
    DemoAccount,
)
from demo.engagement import seed_engagement
from demo.groups import ensure_group
from demo.meetings import seed_group_meetings
from demo.plans import seed_kherson_plan, seed_zhytomyr_plan
from demo.programmes import (
    assign,
    enrol,
    ensure_account,
    ensure_organisation,
    ensure_programme,
    set_targets,
)
from demo.recommendations import seed_recommendations
from demo.running import seed_public_site
from workinggroups.models import GroupStatusChange, WorkingGroup
from workinggroups.services import (
    groups_awaiting_outcome,
    programme_complete,
    working_group_change_status,
)


@transaction.atomic
def seed_demo() -> list[tuple[DemoAccount, str | None]]:
    """Creates (or finds) the demo data; returns each demo account with its password, which is
    known only when DEBUG is on."""
    codes = [code for code, _status, _note in ZHYTOMYR_COMMUNITIES + KHERSON_COMMUNITIES]
    if Community.objects.filter(katotth_code__in=codes).count() < len(codes):
        load_codifier()
    organisations = {
        key: ensure_organisation(name_uk, name_en, kind)
        for key, (name_uk, name_en, kind) in ORGANISATIONS.items()
    }
    categories = ensure_stakeholder_categories()

    zhytomyr = ensure_programme(
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
    kherson = ensure_programme(
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
    enrol(zhytomyr, ZHYTOMYR_COMMUNITIES, COUNCIL_WORD)
    enrol(kherson, KHERSON_COMMUNITIES, ADMINISTRATION_WORD)
    pryazovia = ensure_programme(
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
    enrol(pryazovia, PRYAZOVIA_COMMUNITIES, COUNCIL_WORD)

    accounts = []
    users = {}
    for account in DEMO_ACCOUNTS:
        user, password = ensure_account(account)
        users[account.role] = user
        if account.role == Role.COORDINATOR:
            for programme in (zhytomyr, kherson, pryazovia):
                assign(user, Role.COORDINATOR, programme)
        elif account.role == Role.DONOR:
            assign(user, Role.DONOR, zhytomyr)
        accounts.append((account, password))

    coordinator = users[Role.COORDINATOR]
    for programme, communities, established in (
        (zhytomyr, ZHYTOMYR_COMMUNITIES, datetime.date(2020, 2, 10)),
        (kherson, KHERSON_COMMUNITIES, datetime.date(2023, 2, 15)),
        (pryazovia, PRYAZOVIA_COMMUNITIES, datetime.date(2021, 3, 1)),
    ):
        set_targets(programme)
        for index, (code, _status, _note) in enumerate(communities):
            leader = users[Role.LEADER] if code == CHORNOBAIVKA else None
            group = ensure_group(
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
    for programme, region in ((zhytomyr, "zt"), (kherson, "ks")):
        bodies = {
            "police": organisations[f"police_{region}"],
            "ses": organisations[f"ses_{region}"],
        }
        seed_recommendations(programme, bodies, coordinator)
    _complete(zhytomyr, kherson, pryazovia, coordinator)
    for code, (latitude, longitude) in COORDINATES.items():
        Community.objects.filter(katotth_code=code, latitude__isnull=True).update(
            latitude=latitude, longitude=longitude
        )
    for code, target in PROGRAMME_TARGETS.items():
        IndicatorTarget.objects.get_or_create(
            programme=zhytomyr, indicator=code, defaults={"target": target}
        )
    targets_set(
        programme=zhytomyr,
        targets={},
        baselines={code: Decimal(value) for code, value in PROGRAMME_BASELINES.items()},
        frequency="quarter",
        period_targets={
            (code, period.start): Decimal(value)
            for period in reporting_periods(zhytomyr, "quarter")
            for code, value in QUARTER_TARGETS.items()
        },
    )
    seed_public_site(zhytomyr, kherson, pryazovia, organisations, categories, coordinator)
    return accounts


def _complete(zhytomyr, kherson, pryazovia, coordinator) -> None:
    """Records the outcome of each group of a historical programme that has ended (what became
    of them, as the source texts tell it, is in demo.data)."""
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
