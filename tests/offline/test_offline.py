"""The installable app: its manifest, its service worker, the pages the worker may keep for
each user (only a leader's own group's), a fresh CSRF token, and signing out that clears it."""

import json

import pytest
from django.urls import reverse

from tests.factories import MeetingFactory
from tests.meetings.test_meeting_pages import active, in_days  # noqa: F401  fixtures

pytestmark = pytest.mark.django_db


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = response.json()
    assert data["lang"] == "uk" and data["display"] == "standalone"
    assert data["start_url"] == reverse("workinggroups:my_groups")
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    assert any(icon.get("purpose") == "maskable" for icon in data["icons"])


def test_the_service_worker_is_served_from_the_root_with_its_configuration(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    first_line = response.text.splitlines()[0]
    config = json.loads(first_line.removeprefix("const CONFIG = ").removesuffix(";"))
    assert config["scopeUrl"] == reverse("offline:scope")
    assert config["pageDays"] == 7
    assert "/static/js/record.js" in {entry["url"] for entry in config["precache"]}
    assert all(entry["revision"] for entry in config["precache"])
    assert all(url.startswith("/static/vendor/workbox/") for url in config["workbox"])
    assert "importScripts(...CONFIG.workbox" in response.text


def test_the_days_pages_are_kept_come_from_the_setting(client, settings):
    settings.OFFLINE_CACHE_DAYS = 3
    assert '"pageDays": 3' in client.get("/sw.js").text


def test_the_leader_may_keep_their_groups_pages_and_next_meeting(as_user, leader, active):  # noqa: F811
    past = MeetingFactory(group=active, starts_at=in_days(-10))
    upcoming = MeetingFactory(group=active, starts_at=in_days(5))
    later = MeetingFactory(group=active, starts_at=in_days(35))
    old = MeetingFactory(group=active, starts_at=in_days(-100))
    data = as_user(leader).get(reverse("offline:scope")).json()
    assert data["user"] == leader.pk and data["days"] == 7
    urls = set(data["urls"])
    assert {
        reverse("workinggroups:my_groups"),
        reverse("workinggroups:detail", args=[active.pk]),
        reverse("meetings:group_meetings", args=[active.pk]),
        reverse("meetings:detail", args=[past.pk]),
        reverse("meetings:log", args=[past.pk]),
        reverse("meetings:detail", args=[upcoming.pk]),
        reverse("meetings:log", args=[upcoming.pk]),
    } == urls
    assert reverse("meetings:detail", args=[later.pk]) not in urls
    assert reverse("meetings:detail", args=[old.pk]) not in urls


def test_nothing_of_another_group_is_kept_for_a_leader(as_user, leader, other_group):
    other = MeetingFactory(group=other_group, starts_at=in_days(3))
    urls = as_user(leader).get(reverse("offline:scope")).json()["urls"]
    assert not set(urls) & {
        reverse("workinggroups:detail", args=[other_group.pk]),
        reverse("meetings:group_meetings", args=[other_group.pk]),
        reverse("meetings:detail", args=[other.pk]),
        reverse("meetings:log", args=[other.pk]),
    }
    assert reverse("workinggroups:detail", args=[leader_group(leader)]) in urls


def leader_group(user):
    from accounts.roles import user_roles

    return next(iter(user_roles(user).leader_of))


@pytest.mark.parametrize("role", ["coordinator", "donor", "admin_user"])
def test_nothing_is_kept_for_coordinators_and_donors(request, as_user, role, group):
    MeetingFactory(group=group, starts_at=in_days(3))
    user = request.getfixturevalue(role)
    # The worker drops whatever it kept when the list is refused.
    assert as_user(user).get(reverse("offline:scope")).status_code == 404


def test_the_scope_query_count_does_not_grow_with_meetings(
    as_user,
    leader,
    active,  # noqa: F811
    django_assert_max_num_queries,
):
    client = as_user(leader)
    client.get(reverse("offline:scope"))  # the session and roles, once
    for days in range(1, 20):
        MeetingFactory(group=active, starts_at=in_days(-days))
    # Session, user, roles (assignments), the meetings: no query per meeting.
    with django_assert_max_num_queries(6):
        assert len(client.get(reverse("offline:scope")).json()["urls"]) > 30


def test_signed_out_the_scope_and_token_ask_for_sign_in(client):
    assert client.get(reverse("offline:scope")).status_code == 302
    assert client.get(reverse("offline:csrf")).status_code == 302


def test_a_fresh_csrf_token_is_given_to_the_signed_in(as_user, leader):
    response = as_user(leader).get(reverse("offline:csrf"))
    assert response.status_code == 200 and len(response.json()["token"]) == 64
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


def test_signing_out_tells_the_browser_to_clear_the_sites_data(as_user, leader):
    client = as_user(leader)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "_auth_user_id" not in client.session


def test_pages_link_the_manifest_and_the_worker(as_user, leader, active):  # noqa: F811
    page = as_user(leader).get(reverse("workinggroups:detail", args=[active.pk])).text
    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    assert 'data-sw="/sw.js"' in page and "data-signed-in" in page
