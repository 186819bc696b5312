"""Review of the import wizard: what goes wrong when two imports meet, when a save is asked
for twice, when an upload is discarded mid-save, and what a file without a header row leaves
behind. Each test states what should hold; they fail on the code as reviewed."""

import contextlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cohesion import clock, jobs
from communities.models import Organisation
from tests.workinggroups.test_import import (  # noqa: F401  fixtures and helpers
    ROWS,
    csv_bytes,
    csv_upload,
    imp,
    import_url,
    organisation_file,
)
from tests.workinggroups.wizard import columns_data, latest_job
from workinggroups import wizard
from workinggroups.models import ImportColumn, ImportJob

pytestmark = pytest.mark.django_db

Status = ImportJob.Status


def test_an_organisation_two_imports_both_add_does_not_leave_the_second_save_stuck(
    imp,  # noqa: F811
    as_user,
    coordinator,
    group,
    other_group,
    django_capture_on_commit_callbacks,
):
    """Two groups' lists name the same new organisation; both previews propose it as new.
    The first save adds it; the second must link it (or say what changed), not die on the
    organisation's unique name and stay "being saved" for a day."""
    client = as_user(coordinator)
    first, _response = imp(client, group, organisation_file("Спілка «Світанок»"), save=False)
    second, _response = imp(client, other_group, organisation_file("Спілка «Світанок»"), save=False)
    assert first.values["organisation"] == second.values["organisation"]
    assert set(first.values["organisation"].values()) == {"new"}
    for job in (first, second):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(job.get_absolute_url(), {"action": "save"})
        job.refresh_from_db()
    assert first.status == Status.SAVED
    assert second.status != Status.SAVING, "the second save died and is left 'being saved'"
    assert second.status in (Status.SAVED, Status.CHECKED)
    assert Organisation.objects.filter(name_uk="Спілка «Світанок»").count() == 1


def test_choosing_new_for_an_organisation_already_in_the_directory_does_not_break_the_save(
    imp,  # noqa: F811
    as_user,
    coordinator,
    group,
):
    """The directory has the organisation (kind "other", as imports add them); the
    coordinator picks "add as new" anyway. The save must not die on the unique name."""
    Organisation.objects.create(
        name_uk="Спілка «Світанок»", name_en="Svitanok", kind=Organisation.Kind.OTHER
    )
    client = as_user(coordinator)
    job, _response = imp(
        client,
        group,
        organisation_file("Спілка «Світанок»"),
        words={("organisation", "Спілка «Світанок»"): "new"},
    )
    job.refresh_from_db()
    assert job.status != Status.SAVING, "the save died and is left 'being saved'"
    assert Organisation.objects.filter(name_uk="Спілка «Світанок»").count() == 1


def test_a_save_asked_for_twice_at_once_is_queued_and_claimed_once(
    imp,  # noqa: F811
    as_user,
    coordinator,
    group,
    django_capture_on_commit_callbacks,
):
    """A double click: two requests both read the job as checked. Once a worker has claimed
    the first save, the second request must not put the job back in the queue, where a
    second worker claims it and saves the same people again beside the first."""
    job, _response = imp(as_user(coordinator), group, csv_upload(), save=False)
    first_request = ImportJob.objects.get(pk=job.pk)
    second_request = ImportJob.objects.get(pk=job.pk)  # read before the first one wrote
    with django_capture_on_commit_callbacks() as first_queued:
        wizard.request_save(first_request)
    assert len(first_queued) == 1
    # The worker takes the first save.
    assert jobs.claim(
        ImportJob, job.pk, waiting=Status.SAVE_QUEUED, running=Status.SAVING,
        now=clock.now(), timeout=wizard.STALE_AFTER,
    )  # fmt: skip
    with (
        django_capture_on_commit_callbacks() as second_queued,
        contextlib.suppress(ValidationError),
    ):
        wizard.request_save(second_request)
    job.refresh_from_db()
    assert job.status == Status.SAVING, "the running save was put back in the queue"
    assert second_queued == [], "a second save task was queued for the same job"
    # Nor can a second worker take the save the first one is doing.
    assert not jobs.claim(
        ImportJob, job.pk, waiting=Status.SAVE_QUEUED, running=Status.SAVING,
        now=clock.now(), timeout=wizard.STALE_AFTER,
    )  # fmt: skip


@pytest.mark.parametrize("status", [Status.SAVING, Status.SAVED])
def test_an_upload_being_saved_or_saved_is_not_discarded_as_if_nothing_was_saved(
    imp,  # noqa: F811
    as_user,
    coordinator,
    group,
    status,
):
    """'Discard' while the worker saves deletes the job under it and tells the coordinator
    that nothing was saved, while every row is being (or was) saved."""
    client = as_user(coordinator)
    job, _response = imp(client, group, csv_upload(), save=False)
    ImportJob.objects.filter(pk=job.pk).update(status=status)
    response = client.post(job.get_absolute_url(), {"action": "discard"}, follow=True)
    said = [str(m) for m in response.context["messages"]] if response.context else []
    assert not any("нічого не збережено" in m for m in said), said
    if status == Status.SAVING:
        assert ImportJob.objects.filter(pk=job.pk).exists(), "the job was deleted mid-save"


def test_a_file_without_a_header_row_leaves_no_ones_data_in_the_programmes_memory(
    as_user, coordinator, group
):
    """A list typed without a header row: the first person's row is read as the headers.
    Mapping its columns must not keep that person's name, phone and email in the programme's
    remembered headers (ImportColumn), which no purge ever deletes: uploads hold people's
    data for a day, no longer."""
    content = csv_bytes(ROWS, headers=None)
    body = content.decode("utf-8").split("\n", 1)[1].encode("utf-8")  # no header row
    client = as_user(coordinator)
    response = client.post(import_url(group), {"file": SimpleUploadedFile("m.csv", body)})
    assert response.status_code == 302
    job = latest_job()
    keys = ["full_name", "sex", "birth_year", "phone", "email", "category", "organisation",
            "role", "joined_on", "is_veteran", "is_idp", "has_disability",
            "consent_given_on", "consent_purpose"]  # fmt: skip
    mapping = {f"column_{i}": key for i, key in enumerate(keys[: len(job.headers)])}
    client.post(job.get_absolute_url(), columns_data(job, **mapping))
    kept = set(ImportColumn.objects.values_list("header", flat=True))
    first = ROWS[0]
    for personal in (first["full_name"].casefold(), first["phone"], first["email"]):
        assert personal not in kept, f"{personal!r} is kept in ImportColumn"


def test_organisations_past_the_hundredth_name_in_a_file_are_not_silently_unlinked(
    imp,  # noqa: F811
    as_user,
    coordinator,
    group,
):
    """The words step offers at most MAX_WORDS (100) words of a column; the check then reads
    an organisation name it did not offer as "do not link". A programme-wide list naming 101
    organisations of the directory saves the 101st person without theirs, and neither the
    words step nor the preview says so."""
    for n in range(101):
        Organisation.objects.create(
            name_uk=f"Організація {n:03}", name_en=f"Organisation {n:03}", kind="cso"
        )
    rows = [
        {**ROWS[1], "full_name": f"Особа {n:03}", "organisation": f"Організація {n:03}"}
        for n in range(101)
    ]
    job, _response = imp(as_user(coordinator), group, SimpleUploadedFile("m.csv", csv_bytes(rows)))
    assert job.status == Status.SAVED, job.summary
    unlinked = list(
        group.memberships.filter(organisation__isnull=True).values_list(
            "person__full_name", flat=True
        )
    )
    assert unlinked == [], unlinked


@pytest.mark.django_db(transaction=True)
def test_two_saves_of_the_same_list_at_once_do_not_record_its_people_twice(
    monkeypatch, client, django_capture_on_commit_callbacks
):
    """Two uploads of the same list (two coordinators, or one twice), saved at the same
    moment: each save checks the rows *before* members_add_many locks the group, so both
    see every person as new and both add them: six people, six memberships. The group lock
    must be taken before the check inside the saving transaction."""
    import threading
    import time

    from django.db import connection, connections

    from tests.conftest import _member, give_totp
    from tests.factories import EnrolmentFactory, ProgrammeFactory, WorkingGroupFactory
    from tests.workinggroups.wizard import run_import
    from workinggroups.models import Membership, Person

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions: SQLite serialises whole-database writes")
    from accounts.models import Role

    programme = ProgrammeFactory()
    EnrolmentFactory(programme=programme)
    group = WorkingGroupFactory(
        programme=programme, community=programme.enrolments.first().community
    )
    coordinator = give_totp(_member(Role.COORDINATOR, programme, user__email="c@example.org"))
    client.force_login(coordinator)
    rows = [{**row, "role": ""} for row in ROWS]  # no leader: its constraint would hide the race
    jobs_ = []
    for _upload in range(2):
        job, _response = run_import(
            client, import_url(group), SimpleUploadedFile("m.csv", csv_bytes(rows)),
            save=False, capture=django_capture_on_commit_callbacks,
        )  # fmt: skip
        assert job.summary == {"new": 3, "total": 3}, job.summary
        jobs_.append(job)
    ImportJob.objects.filter(pk__in=[j.pk for j in jobs_]).update(status=Status.SAVE_QUEUED)

    target = wizard.TARGETS[ImportJob.Kind.MEMBERS]
    check = target.check

    def slow_check(*args, **kwargs):
        result = check(*args, **kwargs)
        time.sleep(0.5)  # both checks done before either save commits
        return result

    import dataclasses

    monkeypatch.setitem(
        wizard.TARGETS, ImportJob.Kind.MEMBERS, dataclasses.replace(target, check=slow_check)
    )
    start = threading.Barrier(2)
    results = []

    def save(job_id):
        try:
            start.wait(timeout=10)
            results.append(wizard.run_save(job_id))
        except Exception as error:  # reported below
            results.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(job.pk,)) for job in jobs_]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert Person.objects.count() == 3, (results, Person.objects.count())
    assert Membership.objects.filter(group=group).count() == 3, results
