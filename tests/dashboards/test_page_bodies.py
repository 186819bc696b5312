"""The bodies of a national programme's list pages (and of the community directory and a
group's page) are rendered once per version of its
figures and read from the cache after that: a repeat costs a few queries, any change to what
they show (through a service, a bulk write or the admin alike: database triggers raise the
version) is seen at once, and viewers with other roles never share a rendering."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import User
from cohesion import clock
from communities.models import Community, Enrolment, Organisation, Raion
from dashboards.versioning import versions
from tests.factories import (
    CommunityFactory,
    MembershipFactory,
    OrganisationFactory,
    WorkingGroupFactory,
)
from workinggroups.models import GroupStatusChange, WorkingGroup

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


# The community directory, kept per version of the directory (dashboards.page.directory_body).


def test_the_directory_is_kept_and_a_bulk_rename_shows_at_once(as_user, coordinator, programme):
    client = as_user(coordinator)
    url = reverse("communities:community_list")
    first, _html = count(client, url)
    again, _html = count(client, url)
    assert again < first
    community = programme.enrolments.first().community
    Community.objects.filter(pk=community.pk).update(name_uk="Перейменована", name_en="Renamed")
    assert "Перейменована" in client.get(url).content.decode()


def test_a_raion_renamed_shows_in_the_directory_at_once(as_user, coordinator, programme):
    community = programme.enrolments.first().community
    community.raion = Raion.objects.create(
        region=community.region, code="UA9800000000000001", name_uk="Стара", name_en="Old"
    )
    community.save()
    client = as_user(coordinator)
    url = reverse("communities:community_list")
    client.get(url)
    Raion.objects.filter(pk=community.raion_id).update(name_uk="Нова назва", name_en="New name")
    html = client.get(url).content.decode()
    assert "Нова назва" in html or "New name" in html


def test_a_community_enrolled_shows_in_a_donors_directory_at_once(as_user, donor, programme):
    client = as_user(donor)
    url = reverse("communities:community_list")
    client.get(url)
    newcomer = CommunityFactory(name_uk="Новоприєднана")
    Enrolment.objects.bulk_create(
        [Enrolment(programme=programme, community=newcomer, enrolled_on=programme.start_date)]
    )
    assert "Новоприєднана" in client.get(url).content.decode()


# A group's page, kept per version of its programme's figures.


def test_a_groups_page_is_kept(as_user, coordinator, group):
    MembershipFactory(group=group)
    client = as_user(coordinator)
    url = reverse("workinggroups:detail", args=[group.pk])
    first, html = count(client, url)
    again, html_again = count(client, url)
    assert again < first
    assert main(html_again) == main(html)


def test_an_organisation_renamed_shows_on_the_groups_page_at_once(as_user, coordinator, group):
    organisation = OrganisationFactory()
    MembershipFactory(group=group, organisation=organisation)
    client = as_user(coordinator)
    url = reverse("workinggroups:detail", args=[group.pk])
    client.get(url)
    Organisation.objects.filter(pk=organisation.pk).update(
        name_uk="Нова організація", name_en="New organisation"
    )
    html = client.get(url).content.decode()
    assert "Нова організація" in html or "New organisation" in html


def test_a_recorder_renamed_shows_at_once_and_a_sign_in_changes_nothing(
    as_user, client, coordinator, group
):
    GroupStatusChange.objects.create(
        group=group, status=group.status, changed_on=clock.today(), recorded_by=coordinator
    )
    as_user(coordinator)
    url = reverse("workinggroups:detail", args=[group.pk])
    client.get(url)
    before = versions(group.programme_id)
    # Signing in writes the user's row (its last_login): no page is thrown away for that.
    User.objects.filter(pk=coordinator.pk).update(last_login=timezone.now())
    assert versions(group.programme_id) == before
    User.objects.filter(pk=coordinator.pk).update(full_name="Перейменований Координатор")
    assert versions(group.programme_id) != before
    assert "Перейменований Координатор" in client.get(url).content.decode()


# Whole pages, frame and all (cohesion.frames), on top of the kept bodies.


@pytest.mark.parametrize("page", list(PAGES))
def test_a_whole_list_page_is_kept_with_the_visitors_own_token(
    settings, as_user, coordinator, programme, group, page
):
    settings.WHOLE_PAGE_CACHE_SECONDS = 600
    client = as_user(coordinator)
    url = PAGES[page](programme)
    body_kept, _html = count(client, url)
    whole_kept, html = count(client, url)
    # The session, the user, their roles, the programme and the version: nothing rendered.
    assert whole_kept == 5 < body_kept
    assert client.cookies["csrftoken"].value
    assert "cohesion-stand-in" not in html


def test_a_message_after_a_change_is_shown_on_a_kept_group_page(
    settings, as_user, coordinator, group
):
    settings.WHOLE_PAGE_CACHE_SECONDS = 600
    client = as_user(coordinator)
    url = reverse("workinggroups:detail", args=[group.pk])
    client.get(url)
    client.get(url)
    response = client.post(
        reverse("workinggroups:status", args=[group.pk]),
        {
            "status": WorkingGroup.Status.SUSPENDED,
            "changed_on": clock.today(),
            "reason": GroupStatusChange.Reason.values[0],
        },
        follow=True,
    )
    assert response.redirect_chain, response.content.decode()[:2000]
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        recorded = gettext("The group's status has been recorded.")
    assert recorded in response.content.decode()
    assert recorded not in client.get(url).content.decode()
