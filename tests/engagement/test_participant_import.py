"""An event's participants imported through the same wizard as members: a sign-in sheet typed
up in Excel, people on record matched, new people added with their consent, attendance and
self-assessment scores taken, all or nothing."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from engagement.models import Event
from tests.factories import (
    CommunityFactory,
    EventFactory,
    MembershipFactory,
    ParticipantFactory,
)
from tests.workinggroups.wizard import refused, run_import
from workinggroups.models import ImportJob, Person

pytestmark = pytest.mark.django_db

# As a trainer's assistant types the sign-in sheet up: Excel on a Ukrainian Windows.
SHEET = (
    "Реєстраційний лист тренінгу\r\n"
    "ПІБ;Стать;Рік народження;Громада;Присутність;Оцінка до;Оцінка після;Дата згоди\r\n"
    "{member};ж;1988;{community};так;4;8;\r\n"
    "Ярема Ігор;чол.;1975;{community};був;5;9;01.06.2023\r\n"
    "Ґудзь Олена;жін.;2002;;ні;;;01.06.2023\r\n"
)


@pytest.fixture
def event(programme, group):
    return EventFactory(
        programme=programme, host_community=group.community, status=Event.Status.PLANNED
    )


@pytest.fixture
def member(group):
    return MembershipFactory(
        group=group,
        person__full_name="Оксана Шевчук",
        person__birth_year=1988,
        person__community=group.community,
    ).person


def sheet(group, member_name="Оксана Шевчук", **changes):
    text = SHEET.format(member=member_name, community=group.community.name_uk)
    for old, new in changes.items():
        text = text.replace(old, new)
    return SimpleUploadedFile("лист.csv", text.encode("cp1251"))


@pytest.fixture
def imp(django_capture_on_commit_callbacks):
    def run(client, event, file, **steps):
        url = reverse("engagement:participants_import", args=[event.pk])
        return run_import(client, url, file, capture=django_capture_on_commit_callbacks, **steps)

    return run


def test_a_typed_up_sign_in_sheet_registers_everyone_with_attendance_and_scores(
    imp, as_user, coordinator, event, group, member
):
    job, response = imp(as_user(coordinator), event, sheet(group))
    assert job.status == ImportJob.Status.SAVED, refused(job)
    assert job.summary["added"] == 3 and job.summary["created"] == 2
    participants = {p.person.full_name: p for p in event.participants.select_related("person")}
    assert set(participants) == {"Оксана Шевчук", "Ярема Ігор", "Ґудзь Олена"}
    oksana = participants["Оксана Шевчук"]
    # The member on record is matched, and counted from her group.
    assert oksana.person == member and oksana.group == group
    assert (oksana.attendance, oksana.score_before, oksana.score_after) == ("present", 4, 8)
    olena = participants["Ґудзь Олена"]
    assert (olena.attendance, olena.community) == ("absent", event.host_community)
    assert olena.person.consent_given_on == datetime.date(2023, 6, 1)
    assert olena.person.consent_recorded_by == coordinator
    # Someone present: the planned event is held.
    event.refresh_from_db()
    assert event.status == Event.Status.HELD
    assert response.status_code == 200


def test_the_preview_says_who_is_on_record_and_why_before_anything_is_saved(
    imp, as_user, coordinator, event, group, member
):
    job, _response = imp(as_user(coordinator), event, sheet(group), save=False)
    outcomes = {o.name: o for o in job.outcomes.all()}
    assert outcomes["Оксана Шевчук"].outcome == "matched"
    assert "Те саме ім’я і рік народження" in outcomes["Оксана Шевчук"].detail
    assert outcomes["Ярема Ігор"].outcome == "new"
    assert not event.participants.exists()
    assert not Person.objects.filter(full_name="Ярема Ігор").exists()


def test_someone_not_on_record_needs_the_date_of_consent(
    imp, as_user, coordinator, event, group, member
):
    job, _response = imp(as_user(coordinator), event, sheet(group, **{"9;01.06.2023": "9;"}))
    assert refused(job) == [(4, "Дата надання згоди")]
    assert not event.participants.exists()


def test_attendance_is_refused_for_an_event_that_has_not_started(
    imp, as_user, coordinator, event, group, member
):
    Event.objects.filter(pk=event.pk).update(
        starts_on=timezone.localdate() + datetime.timedelta(days=30),
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    job, _response = imp(as_user(coordinator), event, sheet(group))
    assert [row for row, _column in refused(job)] == [3, 4, 5]
    assert not event.participants.exists()


def test_people_already_on_the_list_are_left_as_they_are(
    imp, as_user, coordinator, event, group, member
):
    before = ParticipantFactory(event=event, person=member, community=group.community)
    job, _response = imp(as_user(coordinator), event, sheet(group))
    assert job.status == ImportJob.Status.SAVED
    assert job.summary["already"] == 1
    assert event.participants.count() == 3
    kept = event.participants.get(person=member)
    assert (kept.attendance, kept.score_before) == (before.attendance, before.score_before)


def test_a_cancelled_event_takes_no_list(imp, as_user, coordinator, event, group, member):
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    job, _response = imp(as_user(coordinator), event, sheet(group))
    assert job.problem == "Подію скасовано."
    assert not event.participants.exists()


def test_the_import_is_the_programmes_coordinators_only(
    as_user, leader, donor, other_coordinator, event, group
):
    url = reverse("engagement:participants_import", args=[event.pk])
    for user, refused_with in (
        (leader, (403, 404)),
        (donor, (403, 404)),
        (other_coordinator, (404,)),
    ):
        assert as_user(user).get(url).status_code in refused_with
        assert as_user(user).post(url, {"file": sheet(group)}).status_code in refused_with
    assert not ImportJob.objects.exists()


def test_a_community_may_be_given_by_its_pcode_or_its_katotth_code(
    imp, as_user, coordinator, event, group, member
):
    """OCHA's and the clusters' lists name communities by P-code; the codifier by KATOTTH."""
    by_pcode = CommunityFactory(pcode="UA1804001")
    by_katotth = CommunityFactory()
    file = sheet(group, **{
        f"1975;{group.community.name_uk}": "1975;ua1804001",
        "2002;;": f"2002;{by_katotth.katotth_code};",
    })  # fmt: skip
    job, _response = imp(as_user(coordinator), event, file)
    assert job.status == ImportJob.Status.SAVED, refused(job)
    communities = {p.person.full_name: p.community for p in event.participants.all()}
    assert communities["Ярема Ігор"] == by_pcode
    assert communities["Ґудзь Олена"] == by_katotth
