"""Demo engagement, from the Zhytomyr text: trainings on fundraising, external communications
and project and financial management; exchange visits between the Zhytomyr communities; youth
leaders with their support; veteran organisations, needs assessments and opportunities. The
Kherson groups get a training on public safety. Deterministic, and made through the services."""

import datetime
import random

from communities.models import Community, Organisation, Programme
from engagement import services
from engagement.models import (
    Event,
    NeedCategory,
    NeedsAssessment,
    Opportunity,
    Participant,
    Topic,
    VeteranOrganisation,
    YouthLeader,
    YouthSupport,
)
from workinggroups.models import Membership, WorkingGroup

D = datetime.date

# Community codes (KATOTTH) of the Zhytomyr demo communities.
BARANIVKA = "UA18080010000090720"
VYSOKA = "UA18040070000059677"
ZHYTOMYR = "UA18040190000029215"
NOVOBORIVKA = "UA18040330000027310"
ZVIAHEL = "UA18080150000022496"
SEMENIVKA = "UA18020150000084693"
CHERVONE = "UA18020170000036711"

TRAININGS = [
    ("Фандрейзинг: де знайти ресурси для ініціатив громади", [Topic.FUNDRAISING], D(2020, 6, 18)),
    ("Зовнішні комунікації робочої групи", [Topic.COMMUNICATIONS], D(2020, 9, 24)),
    (
        "Управління проєктами та фінансовий менеджмент",
        [Topic.PROJECT_MANAGEMENT, Topic.FINANCIAL_MANAGEMENT],
        D(2020, 11, 19),
    ),
]
VISITS = [
    ("Обмінний візит до Баранівської громади: безпечні вулиці", BARANIVKA,
     [NOVOBORIVKA, VYSOKA], D(2020, 10, 8)),
    ("Обмінний візит до Звягельської громади: молодіжні простори", ZVIAHEL,
     [SEMENIVKA, CHERVONE], D(2021, 3, 11)),
]  # fmt: skip


def _community(code: str) -> Community:
    return Community.objects.get(katotth_code=code)


def _members(programme: Programme, community: Community, count: int, *, rng) -> list:
    memberships = list(
        Membership.objects.filter(group__programme=programme, group__community=community)
        .select_related("person", "group")
        .order_by("person__full_name")
    )
    rng.shuffle(memberships)
    return memberships[:count]


def _sign_in(event: Event, *, rng) -> None:
    marks = {}
    for participant in event.participants.all():
        present = rng.random() < 0.85
        before = rng.randint(3, 6) if present else None
        marks[participant.pk] = {
            "attendance": Participant.Attendance.PRESENT
            if present
            else Participant.Attendance.ABSENT,
            "score_before": before,
            "score_after": min(10, before + rng.randint(1, 3)) if present else None,
        }
    services.attendance_record(event=event, marks=marks)


def seed_engagement(zhytomyr: Programme, kherson: Programme, coordinator) -> None:
    if Event.objects.filter(programme=zhytomyr).exists():
        return
    rng = random.Random(2020)
    partner = zhytomyr.implementing_partner
    communities = {code: _community(code) for code in (
        BARANIVKA, VYSOKA, ZHYTOMYR, NOVOBORIVKA, ZVIAHEL, SEMENIVKA, CHERVONE)}  # fmt: skip
    groups = list(WorkingGroup.objects.filter(programme=zhytomyr))

    trainings = []
    for title, topics, day in TRAININGS:
        event = services.event_save(
            programme=zhytomyr,
            kind=Event.Kind.TRAINING,
            title=title,
            topics=topics,
            starts_on=day,
            ends_on=day + datetime.timedelta(days=1),
            host_community=communities[ZHYTOMYR],
            groups=groups,
            place="Житомир, конференц-зала готелю «Україна»",
            facilitator="Тренерка ГО «Сучасний формат»",
            facilitator_organisation=partner,
            status=Event.Status.HELD,
            report="Учасники робочих груп напрацювали плани дій для своїх громад.",
            by=coordinator,
        )
        for group in groups:
            for membership in _members(zhytomyr, group.community, 2, rng=rng):
                services.participants_add(
                    event=event, people=[membership.person], group=membership.group
                )
        _sign_in(event, rng=rng)
        trainings.append(event)

    for title, host, visitors, day in VISITS:
        event = services.event_save(
            programme=zhytomyr,
            kind=Event.Kind.EXCHANGE_VISIT,
            title=title,
            topics=[Topic.PUBLIC_SAFETY],
            starts_on=day,
            ends_on=day,
            host_community=communities[host],
            visiting_communities=[communities[code] for code in visitors],
            status=Event.Status.HELD,
            report="Гості побачили, як громада-господиня розв'язала схожі проблеми.",
            by=coordinator,
        )
        for code in [host, *visitors]:
            for membership in _members(zhytomyr, communities[code], 3, rng=rng):
                services.participants_add(
                    event=event, people=[membership.person], group=membership.group
                )
        _sign_in(event, rng=rng)

    _youth(zhytomyr, trainings[0], rng=rng)
    _veterans(zhytomyr, communities)
    _kherson_training(kherson, coordinator, rng=rng)


def _youth(programme: Programme, training: Event, *, rng) -> None:
    youth_org = Organisation.objects.get_or_create(
        name_uk="Молодіжна рада Житомирщини",
        kind=Organisation.Kind.YOUTH_ORGANISATION,
        defaults={"name_en": "Zhytomyr Region Youth Council"},
    )[0]
    for group in WorkingGroup.objects.filter(programme=programme).select_related("community"):
        young = (
            Membership.objects.filter(group=group, person__birth_year__gte=1990)
            .select_related("person")
            .order_by("person__full_name")
            .first()
        )
        if (
            young is None
            or YouthLeader.objects.filter(programme=programme, person=young.person).exists()
        ):
            continue
        leader = services.youth_leader_save(
            programme=programme,
            person=young.person,
            community=group.community,
            organisation=youth_org,
            focus=rng.choice(["Волонтерство", "Молодіжний простір", "Безпека в інтернеті"]),
            since=D(2020, 5, 1),
        )
        services.youth_support_save(
            youth_leader=leader,
            kind=YouthSupport.Kind.TRAINING,
            title=training.title,
            starts_on=training.starts_on,
            provider=programme.implementing_partner,
            event=training,
            outcome="Підготував(ла) заявку на грант для молодіжної ініціативи.",
        )
        services.youth_support_save(
            youth_leader=leader,
            kind=rng.choice([YouthSupport.Kind.SMALL_GRANT, YouthSupport.Kind.MENTORING]),
            title="Підтримка молодіжної ініціативи",
            starts_on=D(2020, 10, 1),
            ends_on=D(2021, 2, 28),
            provider=programme.implementing_partner,
            amount_uah=rng.choice([15000, 20000, 25000]),
            outcome="Ініціативу реалізовано.",
        )


def _veterans(programme: Programme, communities: dict) -> None:
    entries = [
        (ZHYTOMYR, "Спілка ветеранів АТО Житомира", VeteranOrganisation.Kind.UNION,
         VeteranOrganisation.Relationship.PARTNER, "Юридичні консультації, спортивні заходи"),
        (ZHYTOMYR, "Ветеранський простір «Побратими»", VeteranOrganisation.Kind.SERVICE,
         VeteranOrganisation.Relationship.ENGAGED, "Психологічна підтримка, групи взаємодопомоги"),
        (BARANIVKA, "Рада ветеранів Баранівської громади", VeteranOrganisation.Kind.COUNCIL,
         VeteranOrganisation.Relationship.CONTACTED, "Представництво ветеранів у раді"),
        (ZVIAHEL, "Ініціативна група ветеранів Звягеля", VeteranOrganisation.Kind.INITIATIVE_GROUP,
         VeteranOrganisation.Relationship.IDENTIFIED, ""),
    ]  # fmt: skip
    for code, name, kind, relationship, offered in entries:
        organisation = Organisation.objects.get_or_create(
            name_uk=name,
            kind=Organisation.Kind.VETERAN_ORGANISATION,
            defaults={"name_en": name, "community": communities[code]},
        )[0]
        services.veteran_organisation_save(
            programme=programme,
            community=communities[code],
            organisation=organisation,
            kind=kind,
            relationship=relationship,
            contact_name="Олег Ткачук" if relationship == "partner" else "",
            contact_phone="+380671112233" if relationship == "partner" else "",
            services=offered,
        )
    services.assessment_save(
        programme=programme,
        community=communities[ZHYTOMYR],
        period_start=D(2020, 5, 1),
        period_end=D(2020, 6, 30),
        method=NeedsAssessment.Method.SURVEY,
        respondents=124,
        needs=[
            (NeedCategory.EMPLOYMENT, 3, "Немає роботи за фахом"),
            (NeedCategory.MENTAL_HEALTH, 4, "Черги до психологів"),
            (NeedCategory.LEGAL_AID, 2, "Оформлення статусу та пільг"),
            (NeedCategory.HOUSING, 2, ""),
        ],
        summary="Опитування ветеранів і членів їхніх родин у громаді.",
    )
    services.assessment_save(
        programme=programme,
        community=communities[BARANIVKA],
        period_start=D(2020, 9, 1),
        period_end=D(2020, 9, 30),
        method=NeedsAssessment.Method.FOCUS_GROUP,
        respondents=14,
        needs=[
            (NeedCategory.HEALTH, 3, "Реабілітація далеко, у Житомирі"),
            (NeedCategory.EMPLOYMENT, 2, ""),
            (NeedCategory.FAMILY, 1, ""),
        ],
    )
    opportunities = [
        ("Перепідготовка ветеранів за новими професіями", Opportunity.Kind.PROGRAMME,
         [NeedCategory.EDUCATION, NeedCategory.EMPLOYMENT], [], D(2020, 3, 1), D(2021, 6, 30)),
        ("Психологічна підтримка у ветеранському просторі", Opportunity.Kind.SERVICE,
         [NeedCategory.MENTAL_HEALTH], [ZHYTOMYR], D(2020, 1, 1), None),
        ("Безоплатна правова допомога ветеранам", Opportunity.Kind.SERVICE,
         [NeedCategory.LEGAL_AID], [], D(2019, 1, 1), None),
        ("Грант «Власна справа» для ветеранів", Opportunity.Kind.GRANT,
         [NeedCategory.EMPLOYMENT], [ZHYTOMYR, BARANIVKA], D(2021, 2, 1), D(2021, 12, 31)),
    ]  # fmt: skip
    for title, kind, categories, covered, starts, ends in opportunities:
        services.opportunity_save(
            programme=programme,
            kind=kind,
            title=title,
            categories=categories,
            communities=[communities[code] for code in covered],
            starts_on=starts,
            ends_on=ends,
            provider_other="Житомирський обласний центр зайнятості"
            if kind == Opportunity.Kind.PROGRAMME
            else "",
        )


def _kherson_training(programme: Programme, coordinator, *, rng) -> None:
    groups = list(WorkingGroup.objects.filter(programme=programme).select_related("community"))
    if not groups:
        return
    event = services.event_save(
        programme=programme,
        kind=Event.Kind.TRAINING,
        title="Громадська безпека та мінна безпека в громаді",
        topics=[Topic.PUBLIC_SAFETY, Topic.CONFLICT_RESOLUTION],
        starts_on=D(2024, 4, 16),
        ends_on=D(2024, 4, 17),
        host_community=groups[0].community,
        groups=groups,
        place="Онлайн і в укритті ЦНАП",
        facilitator_organisation=programme.implementing_partner,
        status=Event.Status.HELD,
        by=coordinator,
    )
    for group in groups:
        for membership in _members(programme, group.community, 2, rng=rng):
            services.participants_add(event=event, people=[membership.person], group=group)
    _sign_in(event, rng=rng)
