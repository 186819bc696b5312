"""Demo safety plans: the Zhytomyr communities approved theirs in autumn 2020 and followed
them into 2021; the Kherson groups' drafts were in review when their programme ended (one
returned for revision); in the running demo programme, dated from the day the demo is seeded,
one plan is approved and followed, one waits for review and one is being drafted.
Everything goes through the services, so the demo plans obey the same rules as real ones."""

import datetime
import random

from cohesion import clock
from communities.models import Organisation
from demo.programmes import organisation_for
from safetyplans import services
from safetyplans.models import ActionTracking, Priority, SafetyPlan
from workinggroups.models import WorkingGroup

# (issue, category, likelihood, impact, evidence, actions: (activity, responsible kind,
# start month offset, months, budget, funding, indicator))
PRIORITIES = [
    (
        "Неосвітлені вулиці на шляху до шкіл і зупинок",
        Priority.Category.STREET_LIGHTING,
        4,
        3,
        Priority.Evidence.SAFETY_AUDIT,
        [
            (
                "Встановити 40 енергоощадних ліхтарів на вулицях біля шкіл",
                "local_government",
                0,
                6,
                320000,
                "local_budget",
                "40 ліхтарів працюють щовечора",
            ),
            (
                "Провести нічний аудит безпеки разом із поліцією та молоддю",
                "police",
                1,
                1,
                None,
                "none",
                "Звіт аудиту з переліком небезпечних ділянок",
            ),
        ],
    ),
    (
        "Небезпечні пішохідні переходи на трасі через центр громади",
        Priority.Category.ROAD_SAFETY,
        3,
        4,
        Priority.Evidence.SURVEY,
        [
            (
                "Облаштувати два острівці безпеки та розмітку біля школи",
                "local_government",
                2,
                5,
                180000,
                "local_budget",
                "Два переходи облаштовано",
            ),
            (
                "Провести уроки безпеки дорожнього руху для учнів 1–5 класів",
                "police",
                3,
                3,
                5000,
                "programme",
                "Заняття для 300 учнів",
            ),
        ],
    ),
    (
        "Молоді бракує безпечного дозвілля ввечері",
        Priority.Category.YOUTH_LEISURE,
        3,
        3,
        Priority.Evidence.MEETING_DECISION,
        [
            (
                "Відкрити молодіжний простір у будинку культури",
                "local_government",
                4,
                6,
                250000,
                "programme",
                "Простір працює 5 днів на тиждень",
            ),
        ],
    ),
    (
        "Домашнє насильство: люди не знають, куди звернутися",
        Priority.Category.DOMESTIC_VIOLENCE,
        3,
        5,
        Priority.Evidence.STATISTICS,
        [
            (
                "Поширити контакти гарячих ліній і мобільних бригад у кожному старостаті",
                "local_government",
                1,
                2,
                12000,
                "programme",
                "Листівки в усіх старостатах",
            ),
        ],
    ),
]

KHERSON_PRIORITIES = [
    (
        "Ризик вибухонебезпечних предметів на полях і узбіччях",
        Priority.Category.EXPLOSIVE_ORDNANCE,
        5,
        5,
        Priority.Evidence.SAFETY_AUDIT,
        [
            (
                "Провести заняття з мінної безпеки в кожній школі та старостаті",
                "ses",
                0,
                6,
                20000,
                "programme",
                "Заняття в усіх школах і старостатах",
            ),
            (
                "Позначити та передати ДСНС перелік підозрілих ділянок",
                "ses",
                0,
                3,
                None,
                "none",
                "Перелік передано, ділянки позначено",
            ),
        ],
    ),
    (
        "Укриття не готові для тривалого перебування людей",
        Priority.Category.EMERGENCY,
        4,
        5,
        Priority.Evidence.MEETING_DECISION,
        [
            (
                "Облаштувати укриття в школі: вентиляція, вода, освітлення",
                "military_administration",
                1,
                8,
                450000,
                "donor",
                "Укриття на 150 осіб готове",
            ),
        ],
    ),
    (
        "Шахраї телефонують літнім людям від імені банків і служб",
        Priority.Category.ONLINE_FRAUD,
        4,
        2,
        Priority.Evidence.SURVEY,
        [
            (
                "Підготувати пам'ятку та провести зустрічі в центрах надання послуг",
                "police",
                2,
                4,
                8000,
                "programme",
                "Зустрічі в усіх ЦНАПах, 500 пам'яток",
            ),
        ],
    ),
]


def _organisation(group: WorkingGroup, kind: str) -> Organisation | None:
    return organisation_for(kind, group.community)


def _month(start: datetime.date, offset: int) -> datetime.date:
    year, month = divmod(start.month - 1 + offset, 12)
    return datetime.date(start.year + year, month + 1, 1)


def _fill(version, group, priorities, period_start, period_end, *, before) -> None:
    # Decisions taken before the plan was drafted, the newest first.
    decisions = list(services.decisions_of(group).filter(meeting__starts_at__date__lt=before)[:5])
    for issue, category, likelihood, impact, evidence, actions in priorities:
        decision = decisions[0] if evidence == Priority.Evidence.MEETING_DECISION else None
        if evidence == Priority.Evidence.MEETING_DECISION and decision is None:
            evidence = Priority.Evidence.SURVEY
        priority = services.priority_add(
            version=version,
            issue=issue,
            category=category,
            description="",
            likelihood=likelihood,
            impact=impact,
            evidence=evidence,
            evidence_note={
                Priority.Evidence.SAFETY_AUDIT: "Аудит безпеки робочої групи разом із поліцією.",
                Priority.Evidence.SURVEY: "Опитування мешканців громади (понад 200 відповідей).",
                Priority.Evidence.STATISTICS: "Дані поліції та служби у справах дітей.",
            }.get(evidence, ""),
            evidence_decision=decision,
        )
        for activity, kind, offset, months, budget, funding, indicator in actions:
            responsible = _organisation(group, kind)
            starts = max(_month(period_start, offset), period_start)
            ends = min(_month(starts, months) - datetime.timedelta(days=1), period_end)
            services.action_add(
                version=version,
                priority=priority,
                activity=activity,
                responsible=responsible,
                responsible_other="" if responsible else "Виконавчий комітет ради",
                partners_other="Робоча група з громадської безпеки",
                starts_on=starts,
                ends_on=ends,
                budget_uah=budget,
                funding_source=funding,
                indicator=indicator,
                decisions=decisions[:1] if decision else [],
            )


def _context(group: WorkingGroup) -> str:
    return (
        f"{group.community.full_name} ({group.community.region}). Робоча група провела аудит "
        "безпеки, опитування мешканців і обговорення на щомісячних зустрічах. Найбільше людей "
        "турбують неосвітлені вулиці, безпека на дорогах, дозвілля молоді та домашнє "
        "насильство. План узгоджено з поліцією, ДСНС, школами та громадськими організаціями."
    )


def seed_zhytomyr_plan(group: WorkingGroup, coordinator, index: int) -> None:
    """An approved plan for 2020–2021 with a year of implementation recorded."""
    if group.safety_plans.exists():
        return
    start, end = datetime.date(2020, 7, 1), datetime.date(2021, 12, 31)
    plan = services.plan_create(
        group=group, period_start=start, period_end=end, context_summary=_context(group),
        by=coordinator,
    )  # fmt: skip
    version = plan.versions.get()
    _fill(version, group, PRIORITIES[: 3 + index % 2], start, end, before=datetime.date(2020, 9, 1))
    services.version_submit(version=version, by=coordinator)
    council = _organisation(group, "local_government")
    services.version_approve(
        version=version,
        approving_body=council.name_uk if council else f"Рада {group.community.full_name}",
        decision_number=f"{120 + index}-VIII",
        decision_date=datetime.date(2020, 9, 15 + index),
        by=coordinator,
    )
    _track(
        plan, coordinator, seed=group.pk,
        first_update=datetime.date(2020, 10, 1), done_before=datetime.date(2021, 3, 1),
    )  # fmt: skip


def _track(
    plan: SafetyPlan, by, *, seed: int, first_update: datetime.date, done_before: datetime.date
) -> None:
    """Dated progress on each action: most that ended before `done_before` are done, some are
    delayed or cancelled, the rest in progress; nothing is dated after today."""
    rng = random.Random(seed)
    today = clock.today()
    for tracking in plan.trackings.select_related("action").order_by("action__position"):
        action = tracking.action
        roll = rng.random()
        if action.ends_on < done_before and roll < 0.75:
            steps = [(ActionTracking.Status.IN_PROGRESS, 40), (ActionTracking.Status.DONE, 100)]
        elif roll < 0.15:
            steps = [(ActionTracking.Status.CANCELLED, 0)]
        elif roll < 0.45:
            steps = [(ActionTracking.Status.IN_PROGRESS, 30), (ActionTracking.Status.DELAYED, 45)]
        else:
            steps = [(ActionTracking.Status.IN_PROGRESS, rng.choice([20, 50, 70]))]
        on = max(action.starts_on + datetime.timedelta(days=20), first_update)
        for status, progress in steps:
            if on > today:
                break
            services.action_track(
                tracking=tracking,
                status=status,
                progress=progress,
                note={
                    ActionTracking.Status.DONE: "Виконано, акт приймання підписано.",
                    ActionTracking.Status.DELAYED: "Затримка постачання, новий термін узгоджено.",
                    ActionTracking.Status.CANCELLED: "Скасовано: кошти спрямовано на укриття.",
                }.get(status, "Роботи тривають."),
                on=on,
                by=by,
            )
            on += datetime.timedelta(days=45)


def seed_kherson_plan(group: WorkingGroup, coordinator, index: int) -> None:
    """A draft for 2024–2025 sent for review; one of them returned with comments."""
    if group.safety_plans.exists() or group.status == WorkingGroup.Status.CEASED:
        return
    start, end = datetime.date(2024, 7, 1), datetime.date(2025, 12, 31)
    plan = services.plan_create(
        group=group, period_start=start, period_end=end, context_summary=_context(group),
        by=coordinator,
    )  # fmt: skip
    version = plan.versions.get()
    _fill(
        version, group, KHERSON_PRIORITIES[: 2 + index % 2], start, end,
        before=datetime.date(2024, 6, 1),
    )  # fmt: skip
    services.version_submit(version=version, by=coordinator)
    if index == 1:
        services.version_return(
            version=version,
            comments="Додайте, будь ласка, бюджет і джерело фінансування для заняття з мінної "
            "безпеки та уточніть, хто відповідає за позначення ділянок.",
            by=coordinator,
        )


def seed_running_plan(group: WorkingGroup, coordinator, index: int) -> None:
    """A plan for the running demo programme's period, dated from its start: the first group's
    waits for review, the second's was approved three months in and is followed, the third's
    is a draft."""
    if group.safety_plans.exists():
        return
    programme = group.programme
    start, end = programme.start_date, programme.end_date
    plan = services.plan_create(
        group=group, period_start=start, period_end=end, context_summary=_context(group),
        by=coordinator,
    )  # fmt: skip
    version = plan.versions.get()
    drafted = start + datetime.timedelta(days=60)
    _fill(version, group, KHERSON_PRIORITIES[: 2 + index % 2], start, end, before=drafted)
    if index == 2:
        return
    services.version_submit(version=version, by=coordinator)
    if index == 0:
        return
    administration = _organisation(group, "military_administration")
    decided = start + datetime.timedelta(days=90)
    services.version_approve(
        version=version,
        approving_body=administration.name_uk
        if administration
        else f"Військова адміністрація {group.community.full_name}",
        decision_number=f"{30 + index}-р",
        decision_date=min(decided, clock.today()),
        by=coordinator,
    )
    _track(
        plan, coordinator, seed=group.pk,
        first_update=decided + datetime.timedelta(days=14), done_before=clock.today(),
    )  # fmt: skip
