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


@pytest.fixture
def answer_media(private_media, monkeypatch):
    """Answers' documents in the tests' private directory (the field built its storage from
    the setting when it was imported)."""
    from cohesion.storage import private_storage
    from recommendations.models import Answer

    monkeypatch.setattr(Answer._meta.get_field("document"), "storage", private_storage())
    return private_media


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def recommendation(group, council, leader, answer_media, time_machine):
    """A recommendation of `group`, sent and answered with a document, on 10 April 2024."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from recommendations import services

    time_machine.move_to(at(D(2024, 4, 10)), tick=False)
    meeting = held_meeting(group, D(2024, 3, 5), present=[{"is_veteran": True}])
    today = D(2024, 4, 10)
    found = services.recommendation_adopt(
        meeting=meeting, decision=meeting.decisions.get(), title="Укриття в школі",
        text="Облаштувати укриття.", addressee=council, sent_on=D(2024, 3, 7), today=today,
        by=leader,
    )  # fmt: skip
    services.answer_record(
        recommendation=found, outcome="accepted", received_on=D(2024, 4, 1), today=today,
        upload=SimpleUploadedFile("vidpovid.pdf", PDF, content_type="application/pdf"),
    )  # fmt: skip
    return found
