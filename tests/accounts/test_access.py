"""Coordinators see who has access to their programme and can take it away."""

import pytest
from django.urls import reverse

from accounts.models import Role, RoleAssignment

pytestmark = pytest.mark.django_db


def remove_url(user, programme, role):
    assignment = RoleAssignment.objects.get(user=user, programme=programme, role=role)
    return reverse("accounts:role_assignment_remove", args=[assignment.pk])


def test_coordinator_sees_people_with_access(as_user, coordinator, donor, programme):
    response = as_user(coordinator).get(programme.get_absolute_url())
    assert donor.email in response.text


def test_donor_does_not_see_who_has_access(as_user, coordinator, donor, programme):
    response = as_user(donor).get(programme.get_absolute_url())
    assert coordinator.email not in response.text
    assert coordinator.full_name not in response.text


def test_coordinator_removes_a_donors_access(as_user, coordinator, donor, programme):
    url = remove_url(donor, programme, Role.DONOR)
    response = as_user(coordinator).post(url)
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(user=donor).exists()
    assert as_user(donor).get(programme.get_absolute_url()).status_code == 404


def test_last_coordinator_cannot_be_removed(as_user, coordinator, programme):
    url = remove_url(coordinator, programme, Role.COORDINATOR)
    as_user(coordinator).post(url)
    assert RoleAssignment.objects.filter(user=coordinator, role=Role.COORDINATOR).exists()


@pytest.mark.parametrize("role", ["donor", "leader"])
def test_read_only_roles_cannot_remove_access(request, as_user, coordinator, programme, role):
    url = remove_url(coordinator, programme, Role.COORDINATOR)
    response = as_user(request.getfixturevalue(role)).post(url)
    assert response.status_code == 404
    assert RoleAssignment.objects.filter(user=coordinator).exists()


def test_coordinator_cannot_remove_access_in_another_programme(
    as_user, coordinator, other_coordinator, other_programme
):
    url = remove_url(other_coordinator, other_programme, Role.COORDINATOR)
    assert as_user(coordinator).post(url).status_code == 404
    assert RoleAssignment.objects.filter(user=other_coordinator).exists()


def test_removal_needs_post(as_user, coordinator, donor, programme):
    url = remove_url(donor, programme, Role.DONOR)
    assert as_user(coordinator).get(url).status_code == 405
