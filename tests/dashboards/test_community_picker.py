"""The dashboard's community picker: a list for a programme of a few communities, a search of
them for one with more (a national programme has 1,500), each a link to its figures for the
period the dashboard showed."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from dashboards import page
from tests.factories import CommunityFactory, WorkingGroupFactory

pytestmark = pytest.mark.django_db


def translated(text: str) -> str:
    with translation.override("uk"):
        return gettext(text)


def months_of(programme, months: int) -> str:
    """The period of the programme's first `months` months, as the dashboard's query has it."""
    start = programme.start_date
    end_month = start.month - 1 + months - 1
    end = start.replace(year=start.year + end_month // 12, month=end_month % 12 + 1)
    return f"start={start:%Y-%m}&end={end:%Y-%m}"


def communities_url(programme, query: str = "") -> str:
    url = reverse("dashboards:communities", args=[programme.pk])
    return f"{url}?{query}" if query else url


def groups_in(programme, *names):
    return [
        WorkingGroupFactory(programme=programme, community=CommunityFactory(name_uk=name))
        for name in names
    ]


@pytest.fixture
def short_list(monkeypatch):
    """A list of two at most: past it the dashboard links to the search."""
    monkeypatch.setattr(page, "PICKER_LIST_MAX", 2)


def test_a_programme_of_a_few_communities_picks_from_a_list(as_user, coordinator, programme):
    groups_in(programme, "Вознесенська", "Южненська")
    body = as_user(coordinator).get(reverse("dashboards:dashboard", args=[programme.pk]))

    assert '<select name="community"' in body.content.decode()
    assert reverse("dashboards:communities", args=[programme.pk]) not in body.content.decode()


def test_a_programme_of_many_communities_links_to_their_search_and_keeps_the_chosen_one(
    as_user, coordinator, programme, short_list
):
    chosen, *_others = groups_in(programme, "Вознесенська", "Южненська", "Баштанська")
    client = as_user(coordinator)
    url = reverse("dashboards:dashboard", args=[programme.pk])

    period = months_of(programme, 6)
    whole = client.get(f"{url}?{period}").content.decode()
    assert '<select name="community"' not in whole
    assert f'href="{communities_url(programme)}?{period.replace("&", "&amp;")}"' in whole
    picker = re.search(rf'href="{communities_url(programme)}[^"]*">(.*?)</a>', whole).group(1)
    assert "3" in re.sub(r"<[^>]*>", "", picker)

    one = client.get(f"{url}?community={chosen.community_id}").content.decode()
    # Changing the period keeps the community.
    assert f'<input type="hidden" name="community" value="{chosen.community_id}">' in one
    assert "Вознесенська" in one


def test_the_search_finds_communities_whatever_the_case_and_links_each_to_its_figures(
    as_user, donor, programme
):
    [voznesenska, _south] = groups_in(programme, "Вознесенська", "Южненська")

    period = months_of(programme, 3)
    response = as_user(donor).get(communities_url(programme, f"q=ВОЗНЕС&{period}"))

    assert response.status_code == 200
    body = response.content.decode()
    dashboard = reverse("dashboards:dashboard", args=[programme.pk])
    links = re.findall(rf'href="{dashboard}\?([^"]*community[^"]*)"', body)
    expected = f"{period}&community={voznesenska.community_id}".replace("&", "&amp;")
    assert links == [expected]
    assert "Южненська" not in body


def test_the_search_lists_only_this_programmes_communities(
    as_user, coordinator, programme, other_programme
):
    groups_in(programme, "Вознесенська")
    groups_in(other_programme, "Чужа")

    body = as_user(coordinator).get(communities_url(programme)).content.decode()

    assert "Вознесенська" in body
    assert "Чужа" not in body


def test_an_empty_search_says_so(as_user, coordinator, programme):
    groups_in(programme, "Вознесенська")

    body = as_user(coordinator).get(communities_url(programme, "q=Київ")).content.decode()

    assert "community=" not in body
    assert translated("No community of this programme matches the search.") in body


def test_the_search_comes_fifty_a_page_with_the_same_queries_however_many(
    as_user, coordinator, programme
):
    client = as_user(coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as done:
            assert client.get(communities_url(programme, "page=2")).status_code == 200
        return len(done.captured_queries)

    groups_in(programme, *(f"Громада {n:03}" for n in range(55)))
    few = queries()
    groups_in(programme, *(f"Громада {n:03}" for n in range(55, 130)))
    assert queries() == few

    body = client.get(communities_url(programme)).content.decode()
    assert body.count("community=") == 50
    assert "Громада 049" in body and "Громада 050" not in body


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("coordinator", 200),
        ("donor", 200),
        ("leader", 403),
        ("other_coordinator", 404),
        ("anonymous", 302),
    ],
)
def test_the_search_is_for_those_who_follow_the_programmes_progress(
    request, client, as_user, programme, group, who, status
):
    if who != "anonymous":
        client = as_user(request.getfixturevalue(who))

    assert client.get(communities_url(programme)).status_code == status
