import datetime

import factory
from factory.django import DjangoModelFactory

from accounts.models import Role, RoleAssignment, User
from communities.models import Community, Enrolment, Organisation, Programme, Region
from communities.reference import ensure_stakeholder_categories
from workinggroups.models import Membership, Person, WorkingGroup

PASSWORD = "a-long-test-password"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="uk_UA")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"UA9{n:04d}000000000000")
    name_uk = factory.Sequence(lambda n: f"Тестова область {n}")
    name_en = factory.Sequence(lambda n: f"Test oblast {n}")


class CommunityFactory(DjangoModelFactory):
    class Meta:
        model = Community

    region = factory.SubFactory(RegionFactory)
    katotth_code = factory.Sequence(lambda n: f"UA98{n:06d}000000000")
    name_uk = factory.Sequence(lambda n: f"Громада-{n}")
    name_en = factory.Sequence(lambda n: f"Hromada-{n}")
    kind = Community.Kind.RURAL


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name_uk = factory.Sequence(lambda n: f"Організація {n}")
    name_en = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.CSO


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme

    title_uk = factory.Sequence(lambda n: f"Програма {n}")
    title_en = factory.Sequence(lambda n: f"Programme {n}")
    implementing_partner = factory.SubFactory(
        OrganisationFactory, kind=Organisation.Kind.IMPLEMENTING_PARTNER
    )
    start_date = datetime.date(2023, 1, 1)
    end_date = datetime.date(2024, 12, 31)


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrolment

    programme = factory.SubFactory(ProgrammeFactory)
    community = factory.SubFactory(CommunityFactory)
    enrolled_on = factory.LazyAttribute(lambda o: o.programme.start_date)


class RoleAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    role = Role.COORDINATOR


class WorkingGroupFactory(DjangoModelFactory):
    class Meta:
        model = WorkingGroup

    programme = factory.SubFactory(ProgrammeFactory)
    community = factory.LazyAttribute(lambda o: EnrolmentFactory(programme=o.programme).community)
    name_uk = factory.Sequence(lambda n: f"Робоча група {n}")
    name_en = factory.Sequence(lambda n: f"Working group {n}")


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    # Zero-padded and followed by a word, so that one name never matches inside another.
    full_name = factory.Sequence(lambda n: f"Особа-{n:05d} Тестова")
    sex = Person.Sex.FEMALE
    birth_year = 1990


def category_by_code(code="other"):
    """A stakeholder category from the reference list (restored if a test emptied it)."""
    return ensure_stakeholder_categories()[code]


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    group = factory.SubFactory(WorkingGroupFactory)
    category = factory.LazyFunction(category_by_code)
    role = Membership.Role.MEMBER
    joined_on = datetime.date(2023, 3, 1)


# Meetings ------------------------------------------------------------------------------------


def _kyiv(day: datetime.date, hour: int = 15) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _in_days(days: int) -> datetime.date:
    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=days)


class MeetingFactory(DjangoModelFactory):
    """A planned meeting a week ahead at 15:00 Kyiv time."""

    class Meta:
        model = "meetings.Meeting"

    group = factory.SubFactory(WorkingGroupFactory, status="active")
    starts_at = factory.LazyFunction(lambda: _kyiv(_in_days(7)))
    duration_minutes = 90
    format = "in_person"
    place = "Центр надання адміністративних послуг, зала засідань"


class AgendaItemFactory(DjangoModelFactory):
    class Meta:
        model = "meetings.AgendaItem"

    meeting = factory.SubFactory(MeetingFactory)
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Питання порядку денного {n}")


class ActionItemFactory(DjangoModelFactory):
    """An open action owned by a member of the group, due in a week."""

    class Meta:
        model = "meetings.ActionItem"

    group = factory.SubFactory(WorkingGroupFactory, status="active")
    owner = factory.SubFactory(MembershipFactory, group=factory.SelfAttribute("..group"))
    description = factory.Sequence(lambda n: f"Підготувати звернення до громади {n}")
    due_on = factory.LazyFunction(lambda: _in_days(7))


class ReminderFactory(DjangoModelFactory):
    class Meta:
        model = "meetings.Reminder"

    kind = "announcement"
    meeting = factory.SubFactory(MeetingFactory)
    group = factory.SelfAttribute("meeting.group")
    subject_key = factory.LazyAttribute(lambda o: f"meeting:{o.meeting.pk}")
    email = factory.Sequence(lambda n: f"recipient{n}@example.org")


class SafetyPlanFactory(DjangoModelFactory):
    """A plan for 2024 with an empty first draft (version 1)."""

    class Meta:
        model = "safetyplans.SafetyPlan"
        skip_postgeneration_save = True

    group = factory.SubFactory(WorkingGroupFactory, status="active")
    period_start = datetime.date(2024, 1, 1)
    period_end = datetime.date(2024, 12, 31)

    @factory.post_generation
    def first_version(obj, create, extracted, **kwargs):
        if create:
            from safetyplans.models import PlanVersion

            PlanVersion.objects.create(
                plan=obj, number=1, context_summary=kwargs.get("context", "Контекст громади.")
            )


class PriorityFactory(DjangoModelFactory):
    class Meta:
        model = "safetyplans.Priority"

    version = factory.LazyAttribute(lambda o: SafetyPlanFactory().versions.get())
    position = factory.Sequence(lambda n: n)
    issue = factory.Sequence(lambda n: f"Неосвітлена вулиця {n}")
    category = "street_lighting"
    likelihood = 3
    impact = 4
    evidence = "safety_audit"


class ActionFactory(DjangoModelFactory):
    class Meta:
        model = "safetyplans.Action"

    priority = factory.SubFactory(PriorityFactory)
    version = factory.SelfAttribute("priority.version")
    position = factory.Sequence(lambda n: n)
    activity = factory.Sequence(lambda n: f"Встановити ліхтарі на вулиці Шевченка {n}")
    responsible_other = "Виконавчий комітет сільської ради"
    starts_on = datetime.date(2024, 3, 1)
    ends_on = datetime.date(2024, 6, 30)
    budget_uah = 10000
    funding_source = "local_budget"
    indicator = "Ліхтарі працюють"


def plan_in_state(status: str, *, group=None, actions: int = 1, by=None):
    """A plan whose newest version is in `status`, reached through the services as a user
    would: draft, in_review, returned, approved or superseded (then version 2 is approved and
    version 1 superseded). Returns (plan, version in that status)."""
    from safetyplans import services
    from safetyplans.models import PlanVersion

    plan = SafetyPlanFactory(**({"group": group} if group else {}))
    version = plan.versions.get()
    priority = PriorityFactory(version=version)
    for _ in range(actions):
        ActionFactory(priority=priority)
    if status == "draft":
        return plan, version
    services.version_submit(version=version, by=by)
    if status == "in_review":
        return plan, PlanVersion.objects.get(pk=version.pk)
    if status == "returned":
        return plan, services.version_return(version=version, comments="Уточніть бюджет.", by=by)
    approval = {
        "approving_body": "Сесія сільської ради",
        "decision_number": "12-VIII",
        "decision_date": datetime.date(2024, 2, 1),
    }
    approved = services.version_approve(version=version, by=by, **approval)
    if status == "approved":
        return plan, approved
    draft = services.plan_revise(plan=plan, by=by)
    services.version_submit(version=draft, by=by)
    services.version_approve(version=draft, by=by, **approval)
    return plan, PlanVersion.objects.get(pk=version.pk)


class YouthLeaderFactory(DjangoModelFactory):
    """A young person accompanied as a youth leader in the programme's group's community."""

    class Meta:
        model = "engagement.YouthLeader"

    programme = factory.SubFactory(ProgrammeFactory)
    community = factory.LazyAttribute(lambda o: EnrolmentFactory(programme=o.programme).community)
    person = factory.SubFactory(PersonFactory, birth_year=2002)
    focus = "Волонтерство"
    since = datetime.date(2023, 3, 1)


class YouthSupportFactory(DjangoModelFactory):
    class Meta:
        model = "engagement.YouthSupport"

    youth_leader = factory.SubFactory(YouthLeaderFactory)
    kind = "training"
    title = factory.Sequence(lambda n: f"Тренінг з лідерства {n}")
    starts_on = datetime.date(2023, 5, 1)


class VeteranOrganisationFactory(DjangoModelFactory):
    class Meta:
        model = "engagement.VeteranOrganisation"

    programme = factory.SubFactory(ProgrammeFactory)
    community = factory.LazyAttribute(lambda o: EnrolmentFactory(programme=o.programme).community)
    organisation = factory.SubFactory(
        OrganisationFactory, kind=Organisation.Kind.VETERAN_ORGANISATION
    )
    kind = "union"
    relationship = "contacted"
    contact_name = "Петро Ковальчук"
    contact_phone = "+380501234567"
    contact_email = "veterans@example.org"


class NeedsAssessmentFactory(DjangoModelFactory):
    """An assessment of 2023 with no needs yet: add AssessedNeedFactory rows."""

    class Meta:
        model = "engagement.NeedsAssessment"

    programme = factory.SubFactory(ProgrammeFactory)
    community = factory.LazyAttribute(lambda o: EnrolmentFactory(programme=o.programme).community)
    period_start = datetime.date(2023, 3, 1)
    period_end = datetime.date(2023, 4, 30)
    method = "survey"
    respondents = 40


class AssessedNeedFactory(DjangoModelFactory):
    class Meta:
        model = "engagement.AssessedNeed"

    assessment = factory.SubFactory(NeedsAssessmentFactory)
    category = "employment"
    severity = 3


class OpportunityFactory(DjangoModelFactory):
    """Open from 2023 with no end, in every community, answering no need until given
    `categories` (a list of need codes)."""

    class Meta:
        model = "engagement.Opportunity"
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    kind = "service"
    title = factory.Sequence(lambda n: f"Послуга для ветеранів {n}")
    starts_on = datetime.date(2023, 1, 1)

    @factory.post_generation
    def categories(obj, create, extracted, **kwargs):
        if create and extracted:
            for category in extracted:
                obj.needs.create(category=category)


class EventFactory(DjangoModelFactory):
    """A training held on 1 June 2023 in a community of the programme, on fundraising."""

    class Meta:
        model = "engagement.Event"
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    kind = "training"
    title = factory.Sequence(lambda n: f"Тренінг з фандрейзингу {n}")
    starts_on = datetime.date(2023, 6, 1)
    ends_on = datetime.date(2023, 6, 1)
    status = "held"
    host_community = factory.LazyAttribute(
        lambda o: EnrolmentFactory(programme=o.programme).community
    )

    @factory.post_generation
    def topics(obj, create, extracted, **kwargs):
        if create:
            for topic in extracted or ["fundraising"]:
                obj.topics.create(topic=topic)


class ParticipantFactory(DjangoModelFactory):
    class Meta:
        model = "engagement.Participant"

    event = factory.SubFactory(EventFactory)
    person = factory.SubFactory(PersonFactory)
    community = factory.SelfAttribute("event.host_community")
    attendance = "present"
