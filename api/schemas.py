"""The shapes the read API returns, as its OpenAPI schema documents them. None holds a person
except MemberOut, which only a programme's coordinators are given."""

import datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Schema

from safetyplans.access import may_see_drafts

Figure = int | float | str | None  # a number, a protection mark ("<5", "x"), or nothing yet


class ProgrammeOut(Schema):
    id: int
    title_uk: str
    title_en: str
    framework: str
    start_date: datetime.date
    end_date: datetime.date
    closed_on: datetime.date | None


class CommunityOut(Schema):
    id: int
    katotth_code: str | None
    pcode: str  # OCHA's COD-AB P-code, blank until an official table is loaded
    name_uk: str
    name_en: str
    kind: str
    status: str
    region_code: str
    raion_code: str | None
    enrolled_on: datetime.date
    withdrawn_on: datetime.date | None

    @staticmethod
    def resolve_id(enrolment) -> int:
        return enrolment.community_id

    @staticmethod
    def resolve_katotth_code(enrolment):
        return enrolment.community.katotth_code

    @staticmethod
    def resolve_pcode(enrolment):
        return enrolment.community.pcode

    @staticmethod
    def resolve_name_uk(enrolment):
        return enrolment.community.name_uk

    @staticmethod
    def resolve_name_en(enrolment):
        return enrolment.community.name_en

    @staticmethod
    def resolve_kind(enrolment):
        return enrolment.community.kind

    @staticmethod
    def resolve_status(enrolment):
        return enrolment.community.status

    @staticmethod
    def resolve_region_code(enrolment):
        return enrolment.community.region.code

    @staticmethod
    def resolve_raion_code(enrolment):
        raion = enrolment.community.raion
        return raion.code if raion else None


class StatusChangeOut(Schema):
    status: str
    changed_on: datetime.date
    reason: str


class GroupOut(Schema):
    id: int
    name_uk: str
    name_en: str
    community_id: int
    katotth_code: str | None
    established_on: datetime.date | None
    status: str
    status_history: list[StatusChangeOut]

    @staticmethod
    def resolve_katotth_code(group):
        return group.community.katotth_code

    @staticmethod
    def resolve_status_history(group):
        return list(group.status_changes.all())


class IndicatorOut(Schema):
    code: str
    label: str
    section: str
    definition: str
    unit: str
    value: Figure
    target: Figure


class IndicatorsOut(Schema):
    programme: int
    start: datetime.date
    end: datetime.date
    as_of: datetime.date
    community: int | None
    protected: bool
    indicators: list[IndicatorOut]


class PeriodOut(Schema):
    label: str
    start: datetime.date
    end: datetime.date
    started: bool


class CellOut(Schema):
    target: Figure
    actual: Figure
    percent: int | None


class TrackingRowOut(Schema):
    code: str
    label: str
    baseline: Figure
    target: Figure
    to_date: Figure
    percent: int | None
    periods: list[CellOut]


class TrackingTableOut(Schema):
    programme: int
    frequency: str
    as_of: datetime.date
    protected: bool
    periods: list[PeriodOut]
    rows: list[TrackingRowOut]


class MemberOut(Schema):
    person_id: int
    full_name: str
    sex: str
    birth_year: int | None
    phone: str
    email: str
    group_id: int
    category: str
    role: str
    joined_on: datetime.date
    left_on: datetime.date | None

    @staticmethod
    def resolve_full_name(membership):
        return membership.person.full_name

    @staticmethod
    def resolve_sex(membership):
        return membership.person.sex

    @staticmethod
    def resolve_birth_year(membership):
        return membership.person.birth_year

    @staticmethod
    def resolve_phone(membership):
        return membership.person.phone

    @staticmethod
    def resolve_email(membership):
        return membership.person.email

    @staticmethod
    def resolve_category(membership):
        return membership.category.code if membership.category else ""


class PlanVersionOut(Schema):
    """An approved version of a safety plan: the local authority's decision that adopted it,
    and when a later approval replaced it."""

    number: int
    status: str
    approved_on: datetime.date | None
    approving_body: str
    decision_number: str
    decision_date: datetime.date | None
    superseded_on: datetime.date | None

    @staticmethod
    def resolve_approved_on(version):
        return timezone.localdate(version.reviewed_at) if version.reviewed_at else None

    @staticmethod
    def resolve_superseded_on(version):
        return timezone.localdate(version.superseded_at) if version.superseded_at else None


class PlanProgressOut(Schema):
    """How the actions of the version in force are going, as on the plans overview: actions
    overdue today (none once the programme is completed), and the mean progress of those
    not cancelled."""

    actions: int
    done: int
    overdue: int
    percent: int | None
    budget_uah: float | None


class PlanInPreparationOut(Schema):
    number: int
    status: str


class SafetyPlanOut(Schema):
    id: int
    group_id: int
    community_id: int
    katotth_code: str | None
    period_start: datetime.date
    period_end: datetime.date
    in_force: int | None  # the number of the approved version in force
    versions: list[PlanVersionOut]
    progress: PlanProgressOut | None
    # The revision or first draft being prepared: for the group's leader and coordinators.
    in_preparation: PlanInPreparationOut | None

    @staticmethod
    def resolve_community_id(plan):
        return plan.group.community_id

    @staticmethod
    def resolve_katotth_code(plan):
        return plan.group.community.katotth_code

    @staticmethod
    def resolve_in_force(plan):
        return plan.approved_version.number if plan.approved_version_id else None

    @staticmethod
    def resolve_versions(plan):
        return plan.frozen_versions

    @staticmethod
    def resolve_progress(plan):
        if not plan.approved_version_id:
            return None
        percent = plan.progress_percent
        return {
            "actions": plan.actions_count,
            "done": plan.done_count,
            "overdue": plan.overdue_count,
            # Halves round up, as on the overview and the plan's page.
            "percent": None if percent is None else int(Decimal(percent) + Decimal("0.5")),
            "budget_uah": None if plan.budget is None else float(plan.budget),
        }

    @staticmethod
    def resolve_in_preparation(plan, context):
        if not plan.open_number or not may_see_drafts(context["request"].user, plan.group):
            return None
        return {"number": plan.open_number, "status": plan.open_status}


class PlanActionOut(Schema):
    activity: str
    responsible_organisation: str | None
    starts_on: datetime.date
    ends_on: datetime.date
    budget_uah: float | None
    funding_source: str
    indicator: str
    status: str | None
    progress: int | None
    overdue: bool

    @staticmethod
    def resolve_responsible_organisation(action):
        return str(action.responsible) if action.responsible_id else None

    @staticmethod
    def resolve_budget_uah(action):
        return None if action.budget_uah is None else float(action.budget_uah)

    @staticmethod
    def resolve_status(action):
        tracking = getattr(action, "tracking", None)
        return tracking.status if tracking else None

    @staticmethod
    def resolve_progress(action):
        tracking = getattr(action, "tracking", None)
        return tracking.progress if tracking else None

    @staticmethod
    def resolve_overdue(action):
        return action.is_overdue


class PlanPriorityOut(Schema):
    issue: str
    category: str
    likelihood: int
    impact: int
    risk_level: str
    actions: list[PlanActionOut]

    @staticmethod
    def resolve_risk_level(priority):
        return priority.risk_level

    @staticmethod
    def resolve_actions(priority):
        return priority.action_list


class SafetyPlanDetailOut(SafetyPlanOut):
    # The priorities and actions of the version in force, each action with its progress.
    priorities: list[PlanPriorityOut]


class ErrorOut(Schema):
    detail: str
