"""Meetings with known people present, for the recommendations' and representation's tests."""

import datetime

import pytest
from django.utils import timezone

from meetings.models import Attendance, Decision
from tests.factories import (
    MeetingFactory,
    MembershipFactory,
    OrganisationFactory,
    category_by_code,
)

D = datetime.date


def at(day: datetime.date, hour: int = 15) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def held_meeting(group, day, present=(), absent=(), decisions=1):
    """A held meeting of `group` on `day`; `present` and `absent` are people's fields (e.g.
    {"is_veteran": True}, with "category" a category code), each a new member."""
    meeting = MeetingFactory(group=group, status="held", starts_at=at(day))
    for people, status in ((present, Attendance.Status.PRESENT), (absent, "absent")):
        for fields in people:
            fields = dict(fields)
            category = category_by_code(fields.pop("category", "other"))
            membership = MembershipFactory(
                group=group,
                category=category,
                joined_on=D(2023, 1, 1),
                **{f"person__{key}": value for key, value in fields.items()},
            )
            Attendance.objects.create(meeting=meeting, membership=membership, status=status)
    for index in range(decisions):
        Decision.objects.create(meeting=meeting, position=index, text=f"Рішення {index + 1}")
    return meeting


@pytest.fixture
def council(group):
    return OrganisationFactory(
        kind="local_government", community=group.community, name_uk="Селищна рада",
        name_en="Village council",
    )  # fmt: skip
