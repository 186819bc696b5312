"""Which pages a phone may keep for use without a connection (the service worker asks
/offline/scope/): only the leader's own groups' working pages, never another group's, never a
coordinator's or a donor's pages. The one access question of this app, so it lives in its
access module like every app's."""

import datetime

from django.http import Http404
from django.urls import reverse

from accounts.access import starts_on_groups
from accounts.roles import user_roles
from cohesion import clock
from cohesion.access import access_function
from meetings.models import Meeting

# Meetings of the last weeks may still wait for their record, or have one to finish.
RECENT_DAYS = 45


@access_function
def access_offline_pages(user) -> list[str]:
    """The paths the service worker may keep for this user: for each group they lead, its
    page (with the member list), its meetings page, and the detail and record form of its
    recent meetings and of its next one. 404 for anyone who leads no group (the worker then
    keeps no page): what a coordinator or a donor sees is not kept on a phone."""
    led = sorted(user_roles(user).leader_of)
    if not led:
        raise Http404
    urls = [reverse("workinggroups:my_groups")] if starts_on_groups(user) else []
    for pk in led:
        urls += [reverse("workinggroups:detail", args=[pk])]
        urls += [reverse("meetings:group_meetings", args=[pk])]
    now = clock.now()
    recent = Meeting.objects.filter(
        group_id__in=led,
        status__in=[Meeting.Status.PLANNED, Meeting.Status.HELD],
        starts_at__gte=now - datetime.timedelta(days=RECENT_DAYS),
    ).order_by("group_id", "starts_at")
    upcoming_seen = set()
    for meeting in recent.only("pk", "group_id", "starts_at", "status"):
        if meeting.starts_at >= now:
            # Only the next planned meeting of each group, not the whole year ahead.
            if meeting.group_id in upcoming_seen or meeting.status != Meeting.Status.PLANNED:
                continue
            upcoming_seen.add(meeting.group_id)
        urls += [reverse("meetings:detail", args=[meeting.pk])]
        urls += [reverse("meetings:log", args=[meeting.pk])]
    return urls
