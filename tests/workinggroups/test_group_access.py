"""Every working-group page against every role. Anonymous visitors go to sign-in; a leader of
another group, and a coordinator of another programme, get 404 on this group and its people; a
donor sees groups but never a person; a leader manages the members of their own group but not
the group itself; and no refused write changes anything."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Invitation, RoleAssignment
from communities.models import Programme
from tests.factories import EnrolmentFactory, MembershipFactory, PersonFactory, category_by_code
from workinggroups.models import (
    AgeBand,
    CompositionTarget,
    GroupStatusChange,
    ImportJob,
    Membership,
    Person,
    WorkingGroup,
)

pytestmark = pytest.mark.django_db

NAMES = ["Олена Ковальчук", "Марія Левченко", "Петро Гуменюк"]


@pytest.fixture
def world(programme, group):
    """`group` with a leader, a member and a former member; a community free for a new group."""
    leader_person = PersonFactory(
        full_name=NAMES[0], email="olena@example.org", community=group.community
    )
    leading = MembershipFactory(person=leader_person, group=group, role=Membership.Role.LEADER)
    member = MembershipFactory(person=PersonFactory(full_name=NAMES[1]), group=group)
    former = MembershipFactory(
        person=PersonFactory(full_name=NAMES[2]),
        group=group,
        left_on=datetime.date(2023, 6, 1),
    )
    free_community = EnrolmentFactory(programme=programme).community
    return SimpleNamespace(
        programme=programme,
        group=group,
        leading=leading,
        member=member,
        former=former,
        free_community=free_community,
    )


def group_urls(w):
    """Pages about `group` and its people (everything but the programme-wide pages)."""
    g, m = w.group.pk, w.member
    return {
        "detail": reverse("workinggroups:detail", args=[g]),
        "edit": reverse("workinggroups:edit", args=[g]),
        "status": reverse("workinggroups:status", args=[g]),
        "member_add": reverse("workinggroups:member_add", args=[g]),
        "member_import": reverse("workinggroups:member_import", args=[g]),
        "group_export_csv": reverse("workinggroups:group_export", args=[g, "csv"]),
        "group_export_xlsx": reverse("workinggroups:group_export", args=[g, "xlsx"]),
        "membership_edit": reverse("workinggroups:membership_edit", args=[m.pk]),
        "membership_end": reverse("workinggroups:membership_end", args=[m.pk]),
        "person_detail": reverse("workinggroups:person_detail", args=[m.person_id]),
        "former_person_detail": reverse("workinggroups:person_detail", args=[w.former.person_id]),
        "person_edit": reverse("workinggroups:person_edit", args=[m.person_id]),
    }


def programme_urls(w):
    p = w.programme.pk
    return {
        "group_list": reverse("workinggroups:group_list", args=[p]),
        "group_create": reverse("workinggroups:group_create", args=[p]),
        "composition_rules": reverse("workinggroups:composition_rules", args=[p]),
        "programme_export_csv": reverse("workinggroups:programme_export", args=[p, "csv"]),
        "programme_export_xlsx": reverse("workinggroups:programme_export", args=[p, "xlsx"]),
    }


def import_file():
    # English headers are accepted in every language (test_import covers the Ukrainian ones).
    header = "Full name,Sex,Year of birth,Stakeholder category,Joined on\n"
    body = "Іван Імпортований,male,1980,police,2024-02-01\n"
    return SimpleUploadedFile("members.csv", (header + body).encode(), "text/csv")


def writes(w, member_form_data):
    """Each write with input that is valid, so that a refusal is never about the input. The
    coordinator test below proves that each of these succeeds when allowed."""
    g, m = w.group, w.member
    police = category_by_code("police")
    return {
        "group_create": (
            reverse("workinggroups:group_create", args=[w.programme.pk]),
            lambda: {
                "community": w.free_community.pk,
                "name_uk": "Нова група",
                "name_en": "New group",
                "established_on": "2024-01-15",
                "meeting_cadence": "monthly",
                "terms_of_reference": "",
            },
        ),
        "composition_rules": (
            reverse("workinggroups:composition_rules", args=[w.programme.pk]),
            lambda: {
                "age_bands": "0-13, 14-29, 30+",
                "youth_max_age": "29",
                "target_women_share": "45",
            },
        ),
        "edit": (
            reverse("workinggroups:edit", args=[g.pk]),
            lambda: {
                "name_uk": "Змінена назва",
                "name_en": "Changed name",
                "established_on": "2023-02-01",
                "meeting_cadence": "quarterly",
                "terms_of_reference": "Нове положення",
            },
        ),
        "status": (
            reverse("workinggroups:status", args=[g.pk]),
            lambda: {"status": "active", "changed_on": "2024-01-20", "reason": "launch"},
        ),
        "member_add": (
            reverse("workinggroups:member_add", args=[g.pk]),
            lambda: member_form_data(g),
        ),
        "member_import": (
            reverse("workinggroups:member_import", args=[g.pk]),
            lambda: {"file": import_file()},
        ),
        "membership_edit": (
            reverse("workinggroups:membership_edit", args=[m.pk]),
            lambda: {"category": police.pk, "organisation": "", "role": "secretary"},
        ),
        "membership_end": (
            reverse("workinggroups:membership_end", args=[m.pk]),
            lambda: {"left_on": "2024-02-01", "reason": "Переїхала"},
        ),
        "person_edit": (
            reverse("workinggroups:person_edit", args=[m.person_id]),
            lambda: {
                "full_name": "Марія Левченко-Змінена",
                "sex": "female",
                "birth_year": "1991",
                "phone": "+380501110000",
                "email": "",
                "community": "",
                "other_vulnerability": "",
                "consent_given_on": "",
                "consent_purpose": "",
            },
        ),
        "person_invite": (
            reverse("workinggroups:person_invite", args=[w.leading.person_id]),
            dict,
        ),
    }


LEADER_WRITES = {"member_add", "member_import", "membership_edit", "membership_end", "person_edit"}


def snapshot():
    return [
        list(model.objects.order_by("pk").values())
        for model in (
            ImportJob,
            WorkingGroup,
            GroupStatusChange,
            Person,
            Membership,
            AgeBand,
            CompositionTarget,
            RoleAssignment,
            Invitation,
            Programme,
        )
    ]


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(client, world, member_form_data):
    urls = {
        **group_urls(world),
        **programme_urls(world),
        "my_groups": reverse("workinggroups:my_groups"),
        "template": reverse("workinggroups:import_template", args=["xlsx"]),
    }
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("account_login")), name
    before = snapshot()
    for name, (url, data) in writes(world, member_form_data).items():
        response = client.post(url, data())
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("account_login")), name
    assert snapshot() == before


def test_leader_cannot_open_other_groups_people_or_pages(
    as_user, other_leader, world, member_form_data
):
    client = as_user(other_leader)
    for name, url in group_urls(world).items():
        assert client.get(url).status_code == 404, name
    before = snapshot()
    for name, (url, data) in writes(world, member_form_data).items():
        if name in ("group_create", "composition_rules"):
            continue  # programme-wide pages: see the next test
        assert client.post(url, data()).status_code == 404, name
    assert snapshot() == before


def test_leader_of_another_group_sees_none_of_this_groups_names(as_user, other_leader, world):
    client = as_user(other_leader)
    for url in (
        reverse("workinggroups:group_list", args=[world.programme.pk]),
        reverse("workinggroups:my_groups"),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert world.group.name not in page.text
        for name in NAMES:
            assert name not in page.text


def test_leader_cannot_open_other_groups_person(as_user, leader, other_group):
    stranger = MembershipFactory(group=other_group).person
    client = as_user(leader)
    assert client.get(stranger.get_absolute_url()).status_code == 404
    assert client.get(reverse("workinggroups:person_edit", args=[stranger.pk])).status_code == 404


def test_other_programmes_coordinator_gets_404_everywhere(
    as_user, other_coordinator, world, member_form_data
):
    client = as_user(other_coordinator)
    for name, url in {**group_urls(world), **programme_urls(world)}.items():
        assert client.get(url).status_code == 404, name
    before = snapshot()
    for name, (url, data) in writes(world, member_form_data).items():
        assert client.post(url, data()).status_code == 404, name
    assert snapshot() == before
    my_groups = client.get(reverse("workinggroups:my_groups"))
    assert world.group.name not in my_groups.text


def test_donor_sees_the_groups_but_no_person_anywhere(as_user, donor, world, member_form_data):
    client = as_user(donor)
    urls = {**group_urls(world), **programme_urls(world)}
    for name in ("group_list", "detail"):
        page = client.get(urls[name])
        assert page.status_code == 200, name
        for person in NAMES:
            assert person not in page.text, name
    my_groups = client.get(reverse("workinggroups:my_groups"))
    assert world.group.name in my_groups.text
    assert not any(person in my_groups.text for person in NAMES)
    detail = client.get(urls["detail"])
    assert "members" not in detail.context
    assert "card" not in detail.context
    for name in ("person_detail", "former_person_detail", "person_edit"):
        assert client.get(urls[name]).status_code == 404, name
    for name in ("membership_edit", "membership_end"):
        assert client.get(urls[name]).status_code == 404, name
    for name in (
        "group_export_csv",
        "group_export_xlsx",
        "programme_export_csv",
        "programme_export_xlsx",
        "member_add",
        "member_import",
    ):
        response = client.get(urls[name])
        assert response.status_code in (403, 404), name
        assert not any(person.encode() in response.content for person in NAMES), name
    for name in ("edit", "status", "group_create", "composition_rules"):
        assert client.get(urls[name]).status_code == 403, name
    template = client.get(reverse("workinggroups:import_template", args=["csv"]))
    assert template.status_code in (403, 404)


def test_donor_writes_are_refused_and_change_nothing(as_user, donor, world, member_form_data):
    client = as_user(donor)
    before = snapshot()
    for name, (url, data) in writes(world, member_form_data).items():
        assert client.post(url, data()).status_code in (403, 404), name
    assert snapshot() == before


def test_leader_reaches_their_groups_member_pages(as_user, leader, world):
    client = as_user(leader)
    urls = group_urls(world)
    for name in (
        "detail",
        "member_add",
        "member_import",
        "membership_edit",
        "membership_end",
        "person_detail",
        "former_person_detail",
        "person_edit",
    ):
        assert client.get(urls[name]).status_code == 200, name
    page = client.get(urls["detail"])
    for person in NAMES:
        assert person in page.text


def test_leader_cannot_edit_the_group_change_its_status_or_export(
    as_user, leader, world, member_form_data
):
    client = as_user(leader)
    urls = {**group_urls(world), **programme_urls(world)}
    for name in (
        "edit",
        "status",
        "group_export_csv",
        "group_export_xlsx",
        "programme_export_csv",
        "programme_export_xlsx",
        "group_create",
        "composition_rules",
    ):
        response = client.get(urls[name])
        assert response.status_code == 403, name
        assert not any(person.encode() in response.content for person in NAMES), name
    before = snapshot()
    for name, (url, data) in writes(world, member_form_data).items():
        if name not in LEADER_WRITES:
            assert client.post(url, data()).status_code == 403, name
    assert snapshot() == before


def test_leader_reads_but_cannot_edit_a_former_member(as_user, leader, world):
    client = as_user(leader)
    edit = reverse("workinggroups:person_edit", args=[world.former.person_id])
    before = snapshot()
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"full_name": "Змінено", "sex": "male"}).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(LEADER_WRITES))
def test_leader_writes_to_their_own_groups_members(as_user, leader, world, member_form_data, name):
    url, data = writes(world, member_form_data)[name]
    before = snapshot()
    response = as_user(leader).post(url, data())
    assert response.status_code == 302
    assert snapshot() != before


def test_leader_adds_edits_and_ends_a_membership(as_user, leader, world, member_form_data):
    client = as_user(leader)
    group = world.group
    client.post(reverse("workinggroups:member_add", args=[group.pk]), member_form_data(group))
    added = Membership.objects.get(person__full_name="Василь Новенький")
    assert (added.group, added.role, added.joined_on) == (
        group,
        Membership.Role.MEMBER,
        datetime.date(2024, 1, 10),
    )
    client.post(
        reverse("workinggroups:membership_edit", args=[added.pk]),
        {"category": category_by_code("youth").pk, "organisation": "", "role": "deputy"},
    )
    added.refresh_from_db()
    assert (added.category.code, added.role) == ("youth", Membership.Role.DEPUTY)
    client.post(
        reverse("workinggroups:membership_end", args=[added.pk]),
        {"left_on": "2024-03-01", "reason": "Переїхав"},
    )
    added.refresh_from_db()
    assert (added.left_on, added.left_reason) == (datetime.date(2024, 3, 1), "Переїхав")


@pytest.mark.parametrize(
    "name",
    [
        "group_create",
        "composition_rules",
        "edit",
        "status",
        "member_add",
        "member_import",
        "membership_edit",
        "membership_end",
        "person_edit",
        "person_invite",
    ],
)
def test_coordinator_write_succeeds(as_user, coordinator, world, member_form_data, name):
    url, data = writes(world, member_form_data)[name]
    before = snapshot()
    response = as_user(coordinator).post(url, data())
    assert response.status_code == 302
    assert snapshot() != before


def test_coordinator_reaches_every_page_of_their_programme(as_user, coordinator, world):
    client = as_user(coordinator)
    for name, url in {**group_urls(world), **programme_urls(world)}.items():
        assert client.get(url).status_code == 200, name
    for fmt in ("csv", "xlsx"):
        url = reverse("workinggroups:import_template", args=[fmt])
        assert client.get(url).status_code == 200
    assert world.group.name in client.get(reverse("workinggroups:my_groups")).text


def test_administrator_reaches_every_page(as_user, admin_user, world):
    client = as_user(admin_user)
    for name, url in {**group_urls(world), **programme_urls(world)}.items():
        assert client.get(url).status_code == 200, name


def test_invite_is_for_the_programmes_coordinators_only(as_user, leader, coordinator, world):
    url = reverse("workinggroups:person_invite", args=[world.leading.person_id])
    assert as_user(leader).post(url).status_code == 403
    assert not Invitation.objects.exists()
    as_user(coordinator).post(url)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.person, invitation.working_group) == (
        "olena@example.org",
        world.leading.person,
        world.group,
    )
