"""The bodies of a national programme's list pages are rendered once per version of its
figures and read from the cache after that: a repeat costs a few queries, any change to what
they show (through a service, a bulk write or the admin alike: database triggers raise the
version) is seen at once, and viewers with other roles never share a rendering."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests.factories import MembershipFactory, WorkingGroupFactory
from workinggroups.models import WorkingGroup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _bodies_kept(settings):
    settings.PAGE_BODY_CACHE_SECONDS = 600


def count(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


PAGES = {
    "groups": lambda p: reverse("workinggroups:group_list", args=[p.pk]),
    "compliance": lambda p: reverse("meetings:compliance", args=[p.pk]),
    "plans": lambda p: reverse("safetyplans:overview", args=[p.pk]),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_a_repeat_reads_the_body_from_the_cache(as_user, coordinator, programme, group, page):
    client = as_user(coordinator)
    url = PAGES[page](programme)
    first, html = count(client, url)
    again, html_again = count(client, url)
    assert again < first
    # The same body; the frame around it is the request's own (its CSRF token is masked anew).
    assert main(html_again) == main(html)


def main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


@pytest.mark.parametrize("page", ["groups", "compliance"])
def test_a_bulk_change_shows_at_once(as_user, coordinator, programme, group, page):
    client = as_user(coordinator)
    url = PAGES[page](programme)
    client.get(url)
    # A bulk write, which no save signal sees: the triggers raise the version all the same.
    WorkingGroup.objects.filter(pk=group.pk).update(name_uk="Перейменована")
    added = WorkingGroupFactory(programme=programme)
    _queries, html = count(client, url)
    assert added.community.full_name in html


def test_a_new_member_is_counted_at_once(as_user, coordinator, programme, group):
    client = as_user(coordinator)
    url = PAGES["groups"](programme)
    client.get(url)
    MembershipFactory(group=group)
    response = client.get(url)
    (row,) = [(g, card) for g, card in response.context["rows"] if g.pk == group.pk]
    assert row[0].member_count == 1


def test_a_donor_never_gets_the_coordinators_rendering(
    as_user, coordinator, donor, programme, group
):
    url = PAGES["groups"](programme)
    MembershipFactory(group=group)
    coordinators = as_user(coordinator).get(url).content.decode()
    donors = as_user(donor).get(url).content.decode()
    labels = []
    for language in ("uk", "en"):
        with translation.override(language):
            labels.append(gettext("Gaps and unmet targets"))
    assert any(label in coordinators for label in labels)
    assert not any(label in donors for label in labels)
    assert 'href="' + reverse("workinggroups:group_create", args=[programme.pk]) not in donors
