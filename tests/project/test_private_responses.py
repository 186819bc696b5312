"""Nothing a signed-in user is sent stays in a cache: every page and download of the URL map,
fetched as a signed-in coordinator, says `Cache-Control: private, no-store`, the member lists'
CSV and XLSX and a person's page included; public pages fetched by a visitor keep their
short browser cache."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from meetings.services import preread_add
from tests.factories import (
    EventFactory,
    MeetingFactory,
    MembershipFactory,
    SafetyPlanFactory,
    YouthLeaderFactory,
)

pytestmark = pytest.mark.django_db

PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def url_map():
    """(name, route) of every named URL pattern outside the admin."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern)

    return [(name, route) for name, route in walk(get_resolver().url_patterns)
            if not route.startswith("admin/")]  # fmt: skip


@pytest.fixture
def world(programme, group, coordinator, private_media):
    """One thing of each kind in the coordinator's programme, so that most pages answer 200."""
    membership = MembershipFactory(group=group, person__community=group.community)
    meeting = MeetingFactory(group=group)
    preread = preread_add(meeting=meeting, upload=SimpleUploadedFile("agenda.txt", b"agenda"))
    plan = SafetyPlanFactory(group=group)
    return {
        "programmes": programme.pk,
        "p": programme.pk,
        "groups": group.pk,
        "communities": group.community_id,
        "people": membership.person_id,
        "memberships": membership.pk,
        "meetings": meeting.pk,
        "prereads": preread.pk,
        "plans": plan.pk,
        "youth-leaders": YouthLeaderFactory(programme=programme).pk,
        "events": EventFactory(programme=programme).pk,
    }


def sample_url(name: str, route: str, world: dict) -> str | None:
    """The route with its parameters filled from the world by the route's first segment (the
    kind of thing it names), a plan's first version, a file format; None if it cannot be."""
    kwargs = {}
    for converter, parameter in PARAMETER.findall(route):
        if parameter == "fmt":
            kwargs[parameter] = "csv"
        elif parameter == "number":
            kwargs[parameter] = 1
        elif converter in ("str", "slug") or parameter == "token":
            kwargs[parameter] = "not-a-token"
        else:
            kwargs[parameter] = world.get(route.split("/", 1)[0], 1)
    try:
        return reverse(name, kwargs=kwargs)
    except Exception:
        return None


def test_every_page_of_the_url_map_sent_to_a_signed_in_user_is_never_stored(
    as_user, coordinator, world
):
    client = as_user(coordinator)
    answered, missing = {}, []
    for name, route in url_map():
        url = sample_url(name, route, world)
        if url is None:
            continue
        response = client.get(url)
        answered[name] = response.status_code
        cache_control = response.get("Cache-Control", "")
        if not ("no-store" in cache_control and "private" in cache_control):
            missing.append((name, response.status_code, cache_control))
        if name == "account_logout":
            client = as_user(coordinator)
    assert missing == []
    # The walk reached real pages, not only refusals: it would prove little otherwise.
    assert sum(code == 200 for code in answered.values()) >= 60, answered
    assert len(answered) >= 140


@pytest.mark.parametrize(
    ("name", "key", "extra"),
    [
        ("workinggroups:person_detail", "people", {}),
        ("workinggroups:detail", "groups", {}),
        ("workinggroups:group_export", "groups", {"fmt": "csv"}),
        ("workinggroups:group_export", "groups", {"fmt": "xlsx"}),
        ("workinggroups:programme_export", "programmes", {"fmt": "csv"}),
        ("workinggroups:programme_export", "programmes", {"fmt": "xlsx"}),
        ("meetings:detail", "meetings", {}),
        ("meetings:preread_download", "prereads", {}),
        ("safetyplans:detail", "plans", {}),
    ],
)
def test_personal_data_and_its_downloads_are_sent_with_no_store(
    as_user, coordinator, world, name, key, extra
):
    response = as_user(coordinator).get(reverse(name, kwargs={"pk": world[key], **extra}))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "max-age" not in response["Cache-Control"]


def test_a_public_page_keeps_its_browser_cache_for_visitors_but_not_for_a_signed_in_user(
    client, as_user, coordinator, programme
):
    programme.is_public = True
    programme.save()
    url = reverse("participation:programme", args=[programme.pk])
    assert client.get(url)["Cache-Control"] == "private, max-age=300"
    # Signed in, the page's header carries the user's name.
    assert as_user(coordinator).get(url)["Cache-Control"] == "private, no-store"
