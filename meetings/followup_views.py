"""What a meeting's decisions led to, and the safety plan's progress reported at the meeting:
the plan actions each decision fed, and progress updates of the group's plan in force logged
from the meeting's page, each remembering the meeting. For the group's leader and the
programme's coordinators (meetings/access.py); donors see the decisions' plan actions only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cohesion.forms import add_errors
from meetings.access import access_meeting
from meetings.models import Meeting
from safetyplans.forms import MeetingProgressForm
from safetyplans.selectors import progress_reported_at, trackings_in_force
from safetyplans.services import action_track


def plan_progress_panel(meeting: Meeting) -> dict:
    """The meeting page's plan-progress section, for those who manage a held meeting: three
    queries (whether there are actions in force, their list, the updates reported here)
    whatever their number."""
    trackings = trackings_in_force(meeting.group)
    return {
        "progress_actions": trackings.exists(),
        "progress_form": MeetingProgressForm(trackings=trackings),
        "progress_reported": list(progress_reported_at(meeting)),
    }


def plan_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress of one of the group's plan actions, reported at this meeting and dated its day."""
    meeting = access_meeting(request.user, pk, manage=True)
    form = MeetingProgressForm(request.POST or None, trackings=trackings_in_force(meeting.group))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action_track(
                tracking=data["tracking"],
                status=data["status"],
                progress=data["progress"],
                note=data["note"],
                meeting=meeting,
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The progress has been recorded."))
            return redirect(meeting.get_absolute_url() + "#plan-progress")
    context = {"form": form, "meeting": meeting, "reported": progress_reported_at(meeting)}
    return render(request, "meetings/plan_progress.html", context)
