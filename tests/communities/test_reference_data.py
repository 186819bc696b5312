"""The KATOTTH codifier load and the demo data: real registry, idempotent."""

import pytest
from django.core.management import call_command

from accounts.models import Role, RoleAssignment, User
from communities.katotth import load_codifier
from communities.models import Community, Programme, Raion, Region
from workinggroups.models import GroupStatusChange, Person, WorkingGroup

pytestmark = pytest.mark.django_db

BARANIVSKA = "UA18080010000090720"


@pytest.fixture(scope="module")
def codifier(django_db_setup, django_db_blocker):
    """Loads the real codifier once for this module's tests (about 1.5 s)."""
    with django_db_blocker.unblock():
        counts = load_codifier()
        yield counts
        Community.objects.all().delete()
        Raion.objects.all().delete()
        Region.objects.all().delete()


def test_codifier_loads_every_oblast_raion_and_hromada(codifier):
    assert str(codifier["regions"]) == "27 created, 0 updated, 0 unchanged"
    assert str(codifier["raions"]) == "136 created, 0 updated, 0 unchanged"
    # 1,772 hromadas and the two cities with special status, Kyiv and Sevastopol.
    assert codifier["communities"].created == 1774
    assert Community.objects.count() == 1774


def test_hromada_has_code_names_and_official_transliteration(codifier):
    baranivska = Community.objects.select_related("region", "raion").get(katotth_code=BARANIVSKA)
    assert baranivska.name_uk == "Баранівська"  # the codifier's trailing space is gone
    assert baranivska.name_en == "Baranivska"
    assert baranivska.region.name_uk == "Житомирська область"
    assert baranivska.region.name_en == "Zhytomyrska oblast"
    assert baranivska.raion.name_en == "Zviahelskyi raion"
    assert baranivska.kind == Community.Kind.URBAN


def test_crimea_starts_as_occupied(codifier):
    crimea = Region.objects.get(code="UA01000000000013043")
    assert crimea.kind == Region.Kind.AUTONOMOUS_REPUBLIC
    statuses = set(crimea.communities.values_list("status", flat=True))
    assert statuses == {Community.Status.OCCUPIED}


def test_second_load_changes_nothing(codifier):
    before = list(Community.objects.order_by("pk").values())
    counts = load_codifier()
    assert {name: (c.created, c.updated) for name, c in counts.items()} == {
        "regions": (0, 0),
        "raions": (0, 0),
        "communities": (0, 0),
    }
    assert list(Community.objects.order_by("pk").values()) == before


def test_reload_keeps_what_people_edited(codifier):
    community = Community.objects.get(katotth_code=BARANIVSKA)
    community.status, community.population = Community.Status.FRONTLINE, 27000
    community.name_en = "Baranivka"
    community.save()
    load_codifier()
    community.refresh_from_db()
    assert (community.status, community.population, community.name_en) == (
        "frontline",
        27000,
        "Baranivka",
    )


def test_command_reports_counts(codifier, capsys):
    call_command("load_katotth")
    assert "communities: 0 created, 0 updated, 1774 unchanged" in capsys.readouterr().out


def test_seed_demo_creates_both_programmes_and_is_idempotent(codifier, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = capsys.readouterr().out
    first_people = Person.objects.count()
    call_command("seed_demo")
    # The two programmes of the source texts, the 2021 Pryazovia network, and the running demo
    # programme that takes applications on the public site (three groups, no members yet).
    assert Programme.objects.count() == 4
    assert WorkingGroup.objects.count() == 19
    assert Person.objects.count() == first_people
    zhytomyr = Programme.objects.get(title_en__contains="Zhytomyr")
    kherson = Programme.objects.get(title_en__startswith="Kherson Region")
    assert sorted(zhytomyr.communities.values_list("name_uk", flat=True)) == sorted(
        [
            "Баранівська",
            "Високівська",
            "Житомирська",
            "Новоборівська",
            "Звягельська",
            "Семенівська",
            "Червоненська",
        ]
    )
    assert kherson.communities.count() == 6
    assert set(kherson.communities.values_list("region__code", flat=True)) == {
        "UA65000000000030969"
    }
    assert zhytomyr.implementing_partner.name_en == 'NGO "Modern Format"'
    assert list(zhytomyr.donors.values_list("name_en", flat=True)) == ["Kingdom of the Netherlands"]
    assert list(kherson.donors.values_list("name_en", flat=True)) == ["Government of Denmark"]
    coordinator = User.objects.get(email="coordinator@cohesion.example")
    assert RoleAssignment.objects.filter(user=coordinator, role=Role.COORDINATOR).count() == 4
    assert User.objects.filter(email__endswith="@cohesion.example").count() == 4
    assert "coordinator@cohesion.example" in first and "cohesion-demo" in first


def test_demo_groups_have_12_to_25_members_and_a_ceased_2021_group(codifier, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    for group in WorkingGroup.objects.exclude(programme__title_en__startswith="Demo programme"):
        assert 12 <= group.memberships.count() <= 25, group
    ceased = WorkingGroup.objects.filter(status=WorkingGroup.Status.CEASED)
    assert ceased.count() == 3
    change = GroupStatusChange.objects.get(group=ceased.first(), status="ceased")
    assert (change.changed_on.year, change.reason) == (2022, "occupation")
    leader = User.objects.get(email="leader@cohesion.example")
    assert leader.person.memberships.get().role == "leader"
    assert RoleAssignment.objects.filter(user=leader, role=Role.LEADER).count() == 1


def test_seed_demo_prints_no_passwords_without_debug(codifier, settings, capsys):
    settings.DEBUG = False
    User.objects.filter(email__endswith="@cohesion.example").delete()
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "cohesion-demo" not in out
    assert not User.objects.get(email="coordinator@cohesion.example").has_usable_password()
