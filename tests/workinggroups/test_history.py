"""Who changed what, and when: every change to a person, a membership or a group's status is
recorded by django-simple-history with the user who made it, and coordinators see it."""

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, category_by_code
from workinggroups.models import Membership, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def membership(group):
    return MembershipFactory(
        group=group, person__full_name="Ірина Мельник", person__phone="0501111111"
    )


def person_form(person, **changes):
    return {
        "full_name": person.full_name,
        "sex": person.sex,
        "birth_year": person.birth_year or "",
        "phone": person.phone,
        "email": person.email,
        "community": person.community_id or "",
        "other_vulnerability": "",
        "consent_given_on": "",
        "consent_purpose": "",
        **changes,
    }


def edit_person(client, person, **changes):
    url = reverse("workinggroups:person_edit", args=[person.pk])
    response = client.post(url, person_form(person, **changes))
    assert response.status_code == 302
    return response


def test_a_change_to_a_person_is_recorded_with_the_user(as_user, leader, membership):
    edit_person(as_user(leader), membership.person, phone="0502222222", is_idp="on")
    record = Person.history.filter(id=membership.person_id).latest("history_date")
    assert (record.history_type, record.history_user) == ("~", leader)
    changes = {c.field: (c.old, c.new) for c in record.diff_against(record.prev_record).changes}
    assert changes == {"phone": ("0501111111", "0502222222"), "is_idp": (False, True)}


def test_a_change_to_a_membership_is_recorded_with_the_user(as_user, coordinator, membership):
    as_user(coordinator).post(
        reverse("workinggroups:membership_edit", args=[membership.pk]),
        {"category": category_by_code("youth").pk, "organisation": "", "role": "secretary"},
    )
    as_user(coordinator).post(
        reverse("workinggroups:membership_end", args=[membership.pk]),
        {"left_on": "2024-02-01", "reason": "Переїхала"},
    )
    records = list(Membership.history.filter(id=membership.pk).order_by("history_date"))
    assert [r.history_user for r in records] == [None, coordinator, coordinator]
    assert [(r.role, str(r.left_on)) for r in records] == [
        ("member", "None"),
        ("secretary", "None"),
        ("secretary", "2024-02-01"),
    ]


def test_coordinator_sees_who_changed_what_on_the_person_page(
    as_user, coordinator, leader, membership
):
    edit_person(as_user(leader), membership.person, phone="0502222222")
    as_user(leader).post(
        reverse("workinggroups:membership_edit", args=[membership.pk]),
        {"category": membership.category_id, "organisation": "", "role": "deputy"},
    )
    page = as_user(coordinator).get(membership.person.get_absolute_url())
    history = page.context["history"]
    latest = {}
    for entry in history:  # newest first
        latest.setdefault(type(entry["record"]).__name__, entry["record"])
    assert (latest["HistoricalPerson"].phone, latest["HistoricalPerson"].history_user) == (
        "0502222222",
        leader,
    )
    assert (latest["HistoricalMembership"].role, latest["HistoricalMembership"].history_user) == (
        "deputy",
        leader,
    )
    # The old value is shown only as part of the history of changes.
    assert "0501111111" in page.text
    assert leader.email in page.text or leader.full_name in page.text.replace("&#x27;", "'")


def test_leader_does_not_see_the_history(as_user, leader, membership):
    client = as_user(leader)
    edit_person(client, membership.person, phone="0502222222")
    page = client.get(membership.person.get_absolute_url())
    assert page.status_code == 200
    assert "history" not in page.context
    assert "0501111111" not in page.text  # the old value stays in the history only


def test_coordinator_of_another_programme_sees_no_history(as_user, other_coordinator, membership):
    assert as_user(other_coordinator).get(membership.person.get_absolute_url()).status_code == 404


def test_a_status_change_is_recorded_with_the_user(as_user, coordinator, group):
    as_user(coordinator).post(
        reverse("workinggroups:status", args=[group.pk]),
        {"status": "active", "changed_on": "2024-02-01", "reason": "launch"},
    )
    record = group.history.latest("history_date")
    assert (record.status, record.history_user) == ("active", coordinator)
    change = group.status_changes.get()
    assert change.recorded_by == coordinator


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("uk", ["Роль: Учасник → Заступник", "Стать: Жінка → Чоловік",
                "Категорія зацікавлених сторін: Інше → Молодь",
                "Внутрішньо переміщена особа: ні → так"]),
        ("en", ["Role: Member → Deputy", "Sex: Female → Male",
                "Stakeholder category: Other → Youth", "Internally displaced: no → yes"]),
    ],
)  # fmt: skip
def test_the_history_shows_labels_in_the_readers_language_never_stored_codes(
    as_user, coordinator, leader, membership, language, expected
):
    import html
    import re

    edit_person(as_user(leader), membership.person, sex="male", is_idp="on")
    as_user(leader).post(
        reverse("workinggroups:membership_edit", args=[membership.pk]),
        {"category": category_by_code("youth").pk, "organisation": "", "role": "deputy"},
    )
    coordinator.language = language
    coordinator.save(update_fields=["language"])
    page = as_user(coordinator).get(membership.person.get_absolute_url())
    history = page.text.split("History of changes" if language == "en" else "Історія змін")[1]
    lines = [html.unescape(re.sub(r"<[^>]+>", "", line)).strip() for line in history.split("<br>")]
    text = "\n".join(lines)
    for code in ("member", "deputy", "female", "male", "not_stated", "True", "False", "youth"):
        assert not re.search(rf"(?<![\w-]){code}(?![\w-])", text), (code, text)
    for shown in expected:
        assert any(line.startswith(shown) for line in lines), (shown, text)
