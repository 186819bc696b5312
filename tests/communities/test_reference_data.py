"""The KATOTTH codifier load: the real registry, loaded idempotently (the demo data built on
it is tested in tests/project/test_demo.py)."""

import pytest
from django.core.management import call_command

from communities.katotth import load_codifier
from communities.models import Community, Region

pytestmark = pytest.mark.django_db

BARANIVSKA = "UA18080010000090720"


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
