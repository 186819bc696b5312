from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from activity.access import access_activity
from activity.forms import ActivityFilterForm
from activity.selectors import activity_entries, activity_stream
from cohesion.paging import page_of


def programme_activity(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed what in the programme, and when, newest first, filtered and paged."""
    programme = access_activity(request.user, pk)
    form = ActivityFilterForm(request.GET or None, programme=programme)
    page = page_of(activity_stream(programme.pk, form.filters()), request)
    context = {
        "programme": programme,
        "form": form,
        "page": page,
        "entries": activity_entries(page.object_list),
    }
    return render(request, "activity/programme_activity.html", context)
