"""The figures' version is kept by the database (dashboards.versioning): every table the
indicators are computed from has its triggers, whatever writes to it raises the version of the
programmes concerned, in the same transaction, and nothing else's."""

import datetime

import pytest
from django.db import connection, models, transaction

from communities.models import Region
from dashboards import indicators, versioning
from dashboards.models import FiguresVersion
from tests.factories import (
    MembershipFactory,
    PersonFactory,
    ProgrammeFactory,
    RegionFactory,
    WorkingGroupFactory,
)
from workinggroups.models import Membership

pytestmark = pytest.mark.django_db


def version(programme) -> int:
    row = FiguresVersion.objects.filter(programme_id=programme.pk).first()
    return row.version if row else 0


def every_programme() -> int:
    row = FiguresVersion.objects.filter(programme_id=versioning.EVERY_PROGRAMME).first()
    return row.version if row else 0


def test_every_model_the_indicators_read_is_watched():
    watched = {source.table for source in versioning.WATCHED}
    read = {
        value._meta.db_table
        for value in vars(indicators).values()
        if isinstance(value, type) and issubclass(value, models.Model)
    }
    assert read, "the indicators module reads no model?"
    assert read <= watched, read - watched
    # And the many-to-many tables they read through.
    from engagement.models import Event

    assert {
        Event.visiting_communities.through._meta.db_table,
        Event.groups.through._meta.db_table,
    } <= watched


def installed_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()}


def test_every_watched_table_has_a_trigger_for_each_kind_of_write():
    expected = {
        versioning.trigger_name(source.table, event)
        for source in versioning.WATCHED
        for event in source.events
    }
    assert expected <= installed_triggers()


def test_a_write_raises_the_version_of_its_programme_only():
    group = WorkingGroupFactory()
    other = ProgrammeFactory()
    before, other_before = version(group.programme), version(other)

    Membership.objects.bulk_create(
        [
            MembershipFactory.build(
                group=group, person=PersonFactory(), joined_on=datetime.date(2024, 1, 1)
            )
        ]
    )

    assert version(group.programme) > before
    assert version(other) == other_before


def test_a_change_rolled_back_leaves_the_version_as_it_was():
    group = WorkingGroupFactory()
    person = PersonFactory()
    before = version(group.programme)
    with pytest.raises(RuntimeError), transaction.atomic():
        MembershipFactory(group=group, person=person)
        assert version(group.programme) > before  # seen inside the transaction at once
        raise RuntimeError
    assert version(group.programme) == before


def test_a_person_changed_raises_the_version_of_each_programme_they_are_in():
    membership = MembershipFactory()
    elsewhere = MembershipFactory(person=membership.person)
    before = version(membership.group.programme), version(elsewhere.group.programme)

    type(membership.person).objects.filter(pk=membership.person_id).update(birth_year=1990)

    after = version(membership.group.programme), version(elsewhere.group.programme)
    assert after[0] > before[0] and after[1] > before[1]


def test_a_region_renamed_raises_every_programmes_version_and_a_new_one_none():
    group = WorkingGroupFactory()
    before = every_programme()
    RegionFactory()
    assert every_programme() == before

    Region.objects.filter(pk=group.community.region_id).update(name_en="Renamed")

    assert every_programme() > before


def test_age_bands_raise_their_programmes_version_and_the_default_set_everyones():
    """People are counted by age band on the dashboard: a changed band must not leave the
    cached table counting by the old ones."""
    from workinggroups.models import AgeBand

    group = WorkingGroupFactory()
    programme = group.programme
    own, everyone = version(programme), every_programme()
    AgeBand.objects.create(programme=programme, min_age=14, max_age=35)
    assert version(programme) > own
    assert every_programme() == everyone

    AgeBand.objects.filter(programme__isnull=True).update(max_age=models.F("max_age"))
    assert every_programme() > everyone


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement triggers: PostgreSQL")
def test_a_bulk_insert_raises_the_version_once_not_once_a_row():
    group = WorkingGroupFactory()
    people = PersonFactory.create_batch(30)
    before = version(group.programme)

    Membership.objects.bulk_create(
        MembershipFactory.build(group=group, person=person, joined_on=datetime.date(2024, 1, 1))
        for person in people
    )

    assert version(group.programme) == before + 1
