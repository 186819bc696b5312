"""The shapes the read API returns, as its OpenAPI schema documents them. None holds a person
except MemberOut, which only a programme's coordinators are given."""

import datetime

from ninja import Schema

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


class ErrorOut(Schema):
    detail: str
