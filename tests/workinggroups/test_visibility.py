"""Working groups are scoped like everything else: a leader reaches only the group they lead."""

import pytest

from accounts.models import Role
from tests.factories import RoleAssignmentFactory, WorkingGroupFactory
from workinggroups.models import WorkingGroup

pytestmark = pytest.mark.django_db


def test_leader_sees_only_their_own_group(leader, group, programme):
    WorkingGroupFactory(programme=programme)  # another group in the same programme
    assert list(WorkingGroup.objects.visible_to(leader)) == [group]


def test_coordinator_and_donor_see_their_programmes_groups(
    coordinator, donor, group, other_programme
):
    WorkingGroupFactory(programme=other_programme)
    assert list(WorkingGroup.objects.visible_to(coordinator)) == [group]
    assert list(WorkingGroup.objects.visible_to(donor)) == [group]


def test_other_programmes_coordinator_sees_none(other_coordinator, group):
    assert not WorkingGroup.objects.visible_to(other_coordinator).exists()


def test_leader_role_requires_a_group(programme):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        RoleAssignmentFactory(role=Role.LEADER, programme=programme)
