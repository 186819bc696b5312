"""The dashboard is kept whole, frame and all, per viewer kind (cohesion.frames): a repeat by
anyone with the same roles reads it from the cache with a few queries, each visitor still gets
their own CSRF token and their own name in the menu, messages are never shared, a change to
the figures shows at once, and the roles' shortcut refuses whom access_dashboard refuses."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Role
from cohesion import frames
from dashboards.indicators import INDICATORS
from tests.conftest import _member
from tests.factories import ProgrammeFactory, UserFactory, WorkingGroupFactory
from workinggroups.models import WorkingGroup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_kept(settings):
    settings.WHOLE_PAGE_CACHE_SECONDS = 600


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(programme) -> str:
    return reverse("dashboards:dashboard", args=[programme.pk])


def get(client, address) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def csrf_tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def test_a_repeat_is_read_whole_from_the_cache(donor, programme, group):
    client = signed_in(donor)
    first, html = get(client, url(programme))
    again, html_again = get(client, url(programme))
    # The session, the user, their roles and the figures' version: no programme, no figures.
    assert again == 4 < first
    assert html_again.replace(*csrf_tokens(html_again), "") == html.replace(*csrf_tokens(html), "")


def test_the_warm_page_costs_the_same_queries_however_many_groups(donor, programme, group):
    client = signed_in(donor)
    client.get(url(programme))
    small, _html = get(client, url(programme))
    WorkingGroupFactory.create_batch(12, programme=programme)
    client.get(url(programme))
    assert get(client, url(programme))[0] == small


def test_each_visitor_gets_their_own_token_and_name(programme, group):
    olena = _member(Role.DONOR, programme, user__full_name="Олена Петренко")
    taras = _member(Role.DONOR, programme, user__full_name="Тарас Коваль")
    olenas = signed_in(olena).get(url(programme))
    tarass_client = signed_in(taras)
    tarass = tarass_client.get(url(programme))
    assert olena.get_short_name() in olenas.content.decode()
    assert taras.get_short_name() in tarass.content.decode()
    assert olena.get_short_name() not in tarass.content.decode()
    for html in (olenas.content.decode(), tarass.content.decode()):
        assert frames.CSRF_STAND_IN not in html and frames.NAME_STAND_IN not in html
    # The token in Taras's page is one his CSRF cookie accepts: he can sign out from it.
    (token,) = csrf_tokens(tarass.content.decode())
    tarass_client.handler.enforce_csrf_checks = True
    response = tarass_client.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_a_name_is_escaped_in_the_kept_page(programme, group):
    mallory = _member(Role.DONOR, programme, user__full_name="<script>alert(1)</script>")
    signed_in(_member(Role.DONOR, programme)).get(url(programme))  # the page is kept
    html = signed_in(mallory).get(url(programme)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_a_coordinator_and_a_donor_never_share_a_page(coordinator, donor, programme, group):
    coordinators = signed_in(coordinator).get(url(programme)).content.decode()
    donors = signed_in(donor).get(url(programme)).content.decode()
    invitations = reverse("accounts:invitation_list")
    assert f'href="{invitations}"' in coordinators
    assert f'href="{invitations}"' not in donors


def test_a_change_to_the_figures_shows_at_once(coordinator, programme, group):
    client = signed_in(coordinator)
    client.get(url(programme))
    # A bulk write that no save signal sees: the triggers raise the figures' version.
    WorkingGroup.objects.filter(pk=group.pk).update(status=WorkingGroup.Status.SUSPENDED)
    assert get(client, url(programme))[0] > 4


def test_a_message_waiting_is_shown_to_its_visitor_alone(coordinator, donor, programme, group):
    signed_in(donor).get(url(programme))  # the page is kept
    client = signed_in(coordinator)
    comments = reverse("dashboards:comments", args=[programme.pk])
    response = client.post(comments, {INDICATORS[0].code: "Зустрічі йдуть"}, follow=True)
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        saved = gettext("The comments have been saved.")
    assert saved in response.content.decode()
    assert saved not in client.get(url(programme)).content.decode()
    assert saved not in signed_in(donor).get(url(programme)).content.decode()


@pytest.mark.parametrize(
    ("who", "status"), [("leader", 403), ("stranger", 404), ("other_donor", 404)]
)
def test_the_kept_page_is_refused_as_the_page_is(request, programme, group, who, status):
    signed_in(_member(Role.DONOR, programme)).get(url(programme))  # kept for donors
    if who == "stranger":
        user = UserFactory()
    elif who == "other_donor":
        user = _member(Role.DONOR, ProgrammeFactory())
    else:
        user = request.getfixturevalue("leader")
    assert signed_in(user).get(url(programme)).status_code == status


def test_an_administrator_is_answered_through_the_programme_row(admin_user, programme, group):
    client = signed_in(admin_user)
    assert client.get(url(programme)).status_code == 200
    assert client.get(url(programme)).status_code == 200
    assert client.get(reverse("dashboards:dashboard", args=[programme.pk + 999])).status_code == (
        404
    )
