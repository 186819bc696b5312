"""Whatever arrives in the add-member form, the answer is a page with errors, never a 500, and
bad input saves nothing."""

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory
from workinggroups.models import Membership, Person

pytestmark = pytest.mark.django_db

HUGE = "9" * 40
ODD = [
    "",
    " ",
    "\x00",
    "Ім\x00я",
    "a" * 10_000,
    HUGE,
    "-1",
    "1e309",
    "NaN",
    "٣",  # an Arabic-Indic digit
    "<script>alert(1)</script>",
    "'; DROP TABLE workinggroups_person; --",
    "😀" * 30,
    "\u202eevil",
    "\r\n",
    "[]",
    "{}",
]

FIELDS = [
    "full_name",
    "sex",
    "birth_year",
    "phone",
    "email",
    "community",
    "category",
    "organisation",
    "role",
    "joined_on",
    "consent_given_on",
    "consent_purpose",
    "other_vulnerability",
    "is_veteran",
    "confirm_new",
]

YEARS = ["-5", "0", "1899", "2101", "32768", "-32769", HUGE, "1990.5", "1 990", "MCMXC"]
DATES = ["2024-13-45", "0000-00-00", "9999-12-31", "99999999-01-01", "31.02.2024", "-1"]
PERSON_IDS = ["abc", "-1", "0", "1.5", "", " 1", "0x10", "\x00", HUGE, "1e3", "٣"]


@pytest.fixture
def client_and_group(as_user, leader, group):
    client = as_user(leader)
    # Show any crash as a 500 response rather than an exception in the test.
    client.raise_request_exception = False
    return client, group


def post(client_and_group, data):
    client, group = client_and_group
    return client.post(reverse("workinggroups:member_add", args=[group.pk]), data)


def state():
    return Person.objects.count(), Membership.objects.count()


@pytest.mark.parametrize("field", FIELDS)
def test_odd_values_in_any_field_never_give_a_500(client_and_group, member_form_data, field):
    _client, group = client_and_group
    for value in ODD:
        response = post(client_and_group, member_form_data(group, **{field: value}))
        assert response.status_code in (200, 302), (field, value)


@pytest.mark.parametrize("value", YEARS)
def test_impossible_birth_years_are_refused(client_and_group, member_form_data, value):
    _client, group = client_and_group
    response = post(client_and_group, member_form_data(group, birth_year=value))
    assert response.status_code == 200
    assert "birth_year" in response.context["form"].errors
    assert state() == (0, 0)


@pytest.mark.parametrize("value", DATES)
def test_impossible_join_dates_are_refused(client_and_group, member_form_data, value):
    _client, group = client_and_group
    response = post(client_and_group, member_form_data(group, joined_on=value))
    assert response.status_code == 200
    assert not Membership.objects.exists()


@pytest.mark.parametrize("value", PERSON_IDS)
def test_non_numeric_or_unknown_person_ids_never_give_a_500(
    client_and_group, member_form_data, value
):
    _client, group = client_and_group
    response = post(client_and_group, member_form_data(group, use_person=value))
    assert response.status_code in (200, 302, 404)
    if value.strip() and response.status_code != 302:
        assert not Membership.objects.exists()


def test_a_superscript_digit_as_person_id_is_a_form_error(client_and_group, member_form_data):
    _client, group = client_and_group
    response = post(client_and_group, member_form_data(group, use_person="²"))
    assert response.status_code in (200, 404)


def test_nul_characters_are_refused_not_stored(client_and_group, member_form_data):
    _client, group = client_and_group
    for field in ("full_name", "phone", "consent_purpose", "other_vulnerability"):
        response = post(client_and_group, member_form_data(group, **{field: "x\x00y"}))
        assert response.status_code == 200, field
        assert field in response.context["form"].errors, field
    assert state() == (0, 0)


def test_huge_numbers_as_choices_are_refused(client_and_group, member_form_data):
    _client, group = client_and_group
    for field in ("community", "category", "organisation"):
        response = post(client_and_group, member_form_data(group, **{field: HUGE}))
        assert response.status_code == 200, field
        assert field in response.context["form"].errors, field
    assert state() == (0, 0)


def test_repeated_fields_are_handled(client_and_group, member_form_data):
    client, group = client_and_group
    other = MembershipFactory(group=group).person
    data = member_form_data(group)
    data["use_person"] = ["abc", str(other.pk)]
    data["role"] = ["member", "leader"]
    response = client.post(reverse("workinggroups:member_add", args=[group.pk]), data)
    assert response.status_code in (200, 302)
